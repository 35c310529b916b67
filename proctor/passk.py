"""pass@k: the chance that at least one of k samples of a problem is correct.

The unbiased estimator of Chen et al. (2021, "Evaluating Large Language Models
Trained on Code", the Codex paper): with n samples of a problem of which c are
correct, pass@k = 1 - C(n - c, k) / C(n, k), averaged over problems. Taking
the best of the first k samples instead is biased low (it uses k of the n).
The product form below is the paper's, exact and free of huge binomials.

Intervals come from a bootstrap over problems (the problem is the unit: its
samples are not independent), percentile method, seeded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

DEFAULT_BOOTSTRAP = 2000


@dataclass(frozen=True)
class PassAtK:
    k: int
    value: float
    ci_low: float
    ci_high: float
    problems: int


def pass_at_k(n: int, c: int, k: int) -> float:
    """1 - C(n-c, k) / C(n, k) for one problem with n samples, c of them correct (k <= n)."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def per_problem(samples: Sequence[int], correct: Sequence[int], k: int) -> np.ndarray:
    """pass@k of each problem."""
    return np.array([pass_at_k(int(n), int(c), k) for n, c in zip(samples, correct)], dtype=float)


def estimate(samples: Sequence[int], correct: Sequence[int], k: int, *, confidence: float = 0.95,
             n_bootstrap: int = DEFAULT_BOOTSTRAP, seed: int = 0) -> PassAtK | None:
    """The mean pass@k over problems with a bootstrap interval; None unless every problem has k samples."""
    if not len(samples) or min(samples) < k:
        return None
    values = per_problem(samples, correct, k)
    rng = np.random.default_rng(np.random.SeedSequence([seed, k, len(values)]))
    tail = (1.0 - confidence) / 2
    if np.ptp(values) == 0:
        low = high = float(values[0])
    else:
        means = np.empty(n_bootstrap)
        chunk = max(1, 2_000_000 // len(values))
        for start in range(0, n_bootstrap, chunk):
            rows = min(chunk, n_bootstrap - start)
            means[start:start + rows] = values[rng.integers(0, len(values), size=(rows, len(values)))].mean(axis=1)
        low, high = (float(q) for q in np.quantile(means, [tail, 1 - tail]))
    return PassAtK(k, float(values.mean()), low, high, len(values))
