"""Run every benchmark (or those named) and print their tables.

    .venv/bin/python benchmarks/run.py                 # all bench_*.py
    .venv/bin/python benchmarks/run.py endpoint_audit  # bench_endpoint_audit.py only

Benchmarks are not part of `make test`: they measure, they do not pass or fail.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    if not wanted:
        print("no benchmarks found")
        return 1
    sys.path.insert(0, str(HERE))
    for name in wanted:
        path = HERE / f"bench_{name}.py"
        if not path.exists():
            print(f"no such benchmark: {path.name}")
            return 2
        runpy.run_path(str(path), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
