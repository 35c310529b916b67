"""Defaults and ranges every command and API shares, defined once.

Standard library only: the CLI's parser reads these without importing the pool,
the store or the gate's statistics.
"""
from __future__ import annotations

# Grading
DEFAULT_TIMEOUT = 10.0      # seconds: the hard per-item kill
DEFAULT_MEMORY_MB = 4096    # per grading worker (RLIMIT_AS)

# The gate
DEFAULT_MARGIN = 0.02       # non-inferiority margin: 2 accuracy points
DEFAULT_ALPHA = 0.05        # one-sided, Holm-corrected across families
DEFAULT_MAX_UNSCORED = 0.02  # share of grader failures a run may hold before the gate refuses to judge
DEFAULT_CORRELATION = 0.5   # of two checkpoints' per-item outcomes, when planning
DEFAULT_POWER = 0.8
# The drop a family's n must be able to detect (with DEFAULT_POWER), as a multiple of its
# margin: what `proctor plan` sizes for. A gate whose n cannot see it is inconclusive.
DEFAULT_DETECTABLE_DROP_FACTOR = 2.0
# pass@k: the k reported where every problem of a family has at least k scored samples,
# and the k the gate compares (pass@1 is the mean score per problem).
DEFAULT_PASS_AT = (1, 10, 100)
DEFAULT_GATE_PASS_AT = 1
# A margin is a share of accuracy points. Half of them is no gate at all, and a
# drop of twice the margin (what the plan sizes for) must stay below 1.
MAX_MARGIN = 0.5


def margin_problem(value: float, *, positive: bool = False) -> str | None:
    """Why `value` is not a usable margin, or None. `positive`: sizing needs a margin above 0."""
    low = "(0" if positive else "[0"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return f"it must be a number in {low}, {MAX_MARGIN:g})"
    if value < 0 or value >= MAX_MARGIN or (positive and value == 0):
        return f"it must be in {low}, {MAX_MARGIN:g}), got {value:g}"
    return None

# `proctor serve` (each is a flag of the command; docs/serve.md explains them)
SERVE_HOST = "127.0.0.1"           # loopback only unless told otherwise; elsewhere needs a token
SERVE_PORT = 8000
SERVE_MAX_QUEUE = 8192             # items admitted and not yet started; past it, 429 with Retry-After
SERVE_MAX_ITEMS = 4096             # items in one request
SERVE_MAX_REQUEST_BYTES = 64 << 20  # one request body
SERVE_MAX_COMPLETION_CHARS = 262_144  # one completion: 64k tokens of English and more
SERVE_MAX_BATCH = 512              # items one pool batch takes from the queue
SERVE_MAX_DEADLINE = 3600.0        # seconds a request may ask to wait for its items to start
SERVE_GRACE_SECONDS = 30.0         # SIGTERM: in-flight requests get this long to finish
