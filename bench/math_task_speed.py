"""Problems generated per CPU-second for each math.* task family and level.

Plain script, not a test: `python bench/math_task_speed.py [n]` (default n = 200
problems per family and level, seed 99). CPU time (process_time) rather than
wall time, so other work on a shared machine distorts the figures less. The
first level of each family includes importing its module.
"""
from __future__ import annotations

import sys
import time

from proctor import tasks

LEVELS = (1, 2, 3, 4, 5)


def main(n: int) -> None:
    families = sorted(name for name in tasks.names() if name.startswith("math."))
    print(f"problems per CPU-second, n={n} per level, seed 99")
    print(f"{'family':18s}" + "".join(f"{'L' + str(level):>9s}" for level in LEVELS) + f"{'all':>9s}")
    for name in families:
        task = tasks.get(name)
        rates, total_cpu = [], 0.0
        for level in LEVELS:
            start = time.process_time()
            task.generate(n, seed=99, difficulty=level)
            cpu = time.process_time() - start
            total_cpu += cpu
            rates.append(n / cpu if cpu else float("inf"))
        print(f"{name:18s}" + "".join(f"{rate:9.0f}" for rate in rates) + f"{n * len(LEVELS) / total_cpu:9.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
