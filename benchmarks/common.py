"""Shared pieces of the benchmarks: timing, ratios against a baseline, output.

A benchmark is a script ``benchmarks/bench_<name>.py`` with a ``main()`` that measures its
cases *and* a baseline in the same process and run, then calls ``report()``. Figures are
ratios against that baseline (machine speed cancels out); absolute numbers are printed
for context only. ``benchmarks/run.py`` runs them all.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    case: str
    value: float  # the measured figure, in `unit`
    unit: str
    ratio: float | None = None  # value / baseline value (None for the baseline itself)
    higher_is_better: bool = True
    extra: dict = field(default_factory=dict)


def timed(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds."""
    for _warmup in range(warmup):
        fn()
    samples = []
    for _sample in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def with_ratios(baseline: Row, rows: list[Row]) -> list[Row]:
    """Fill each row's ratio against the baseline row (same unit)."""
    for row in rows:
        if row is not baseline and baseline.value:
            row.ratio = row.value / baseline.value
    return [baseline, *[r for r in rows if r is not baseline]]


def report(name: str, rows: list[Row], notes: str = "") -> None:
    """Print a table and write results/<name>.json."""
    print(f"\n{name}")
    if notes:
        print(f"  {notes}")
    width = max(len(r.case) for r in rows)
    for r in rows:
        ratio = "baseline" if r.ratio is None else f"x{r.ratio:.2f}"
        print(f"  {r.case:<{width}}  {r.value:12.4f} {r.unit:<10} {ratio}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{name}.json"
    out.write_text(json.dumps({"benchmark": name, "notes": notes, "rows": [asdict(r) for r in rows]}, indent=2))
