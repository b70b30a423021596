"""What golive's YAML loader pays for an alias bomb and a recursive alias, beside a plain file.

Each case runs in a fresh child process, so its peak RSS is its own: the bomb (9**9 values
once expanded, about 300 bytes) and the recursive alias must cost about what a plain file of
the same size costs, and end in a ConfigError instead of gigabytes or a RecursionError.
Nothing here asserts. Run: .venv/bin/python bench/yaml_aliases.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{name}: &{name} [{','.join([f'*{before}'] * 9)}]\n" for before, name in zip("abcdefgh", "bcdefghi", strict=True)
)
RECURSIVE = "a: &a [1, {b: *a}]\n"


def plain(size: int) -> str:
    """`size` bytes of ordinary `key: value` lines (a comment pads to the exact size)."""
    text, number = "", 0
    while len(text) + len(f"key{number}: value{number}\n") + 2 <= size:
        text += f"key{number}: value{number}\n"
        number += 1
    return text + "#" * (size - len(text) - 1) + "\n"


CASES = {
    f"alias bomb ({len(BOMB)} bytes, 9**9 values expanded)": BOMB,
    f"plain file ({len(BOMB)} bytes)": plain(len(BOMB)),
    f"recursive alias ({len(RECURSIVE)} bytes)": RECURSIVE,
    f"plain file ({len(RECURSIVE)} bytes)": plain(len(RECURSIVE)),
}


def measure(path: Path) -> None:
    """In the child: load `path`, print seconds, peak RSS in KiB and the outcome."""
    from golive.yamlfile import ConfigError, load

    started = time.perf_counter()
    try:
        load(path, "configuration file")
        outcome = "loaded"
    except ConfigError as exc:
        outcome = f"ConfigError: {str(exc).removeprefix(str(path))}"
    elapsed = time.perf_counter() - started
    print(f"{elapsed:.4f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} {outcome}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]))
        return
    print(f"{'case':48} {'seconds':>8} {'peak RSS MiB':>13}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, text in CASES.items():
            path = Path(folder) / "golive.yml"
            path.write_text(text)
            done = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True, check=True, timeout=600
            )
            seconds, rss_kib, outcome = done.stdout.strip().split(" ", 2)
            print(f"{name:48} {float(seconds):8.4f} {int(rss_kib) / 1024:13.1f}  {outcome}")


if __name__ == "__main__":
    main()
