"""How long `golive --help` takes, beside a bare interpreter start and an eager Ansible import.

Prints medians over repeated runs measured in the same process, so the ratios compare
like with like on whatever machine this runs. Nothing here asserts.
Run: .venv/bin/python bench/cli_startup.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "golive --help": [sys.executable, "-m", "golive", "--help"],
    "import ansible.executor (what a non-lazy CLI would pay)": [sys.executable, "-c", "import ansible.executor.task_queue_manager"],
}


def median_ms(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    results = {name: median_ms(argv, runs) for name, argv in CASES.items()}
    baseline = results["python -c pass"]
    print(f"{'case':58} {'median ms':>10} {'x bare python':>14}  ({runs} runs each)")
    for name, value in results.items():
        print(f"{name:58} {value:10.1f} {value / baseline:14.2f}")


if __name__ == "__main__":
    main()
