"""Discovery sweep (the ollama_discovery inventory plugin's engine) on loopback.

4096 and 65536 addresses x 1 port on 127.1.0.0/... : four Ollama emulators (separate processes),
one listener that accepts and never answers (it costs one timeout), and nothing on the rest (the
kernel refuses at once, the way a closed port on a live host does). Baseline: the same addresses
connected one after the other with a plain blocking socket (the floor of the work, no HTTP).
Memory: peak Python allocations (tracemalloc) of the scan at both sizes; flat means the 65536 run
needs about what the 4096 run needs.

    .venv/bin/python benchmarks/run.py discovery
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from ansible_collections.aisec.ollama.plugins.plugin_utils import discovery
from common import Row, report, with_ratios

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "emulator"))
from harness import emulators

TIMEOUT = 1.0
FIRST = ipaddress.ip_address("127.1.0.0")
PREFIX = {4096: 20, 65536: 16}


def networks(count: int) -> list[str]:
    """`count` addresses from 127.1.0.0: a CIDR block (whose hosts() leave out the network and
    broadcast addresses) plus those two addresses given one by one."""
    block = ipaddress.ip_network(f"{FIRST}/{PREFIX[count]}")
    return [str(block), str(block.network_address), str(block.broadcast_address)]


def sequential_connects(count: int, port: int) -> float:
    start = time.perf_counter()
    for offset in range(count):
        with socket.socket() as sock:
            sock.settimeout(TIMEOUT)
            sock.connect_ex((str(FIRST + offset), port))
    return time.perf_counter() - start


def timed_scan(count: int, port: int) -> tuple[float, dict]:
    start = time.perf_counter()
    hosts, counts = discovery.scan(networks(count), ports=[port], timeout=TIMEOUT, max_addresses=1 << 20)
    elapsed = time.perf_counter() - start
    assert len(hosts) == 4 and counts["planned"] == count, (hosts, counts)
    return elapsed, counts


def peak_memory(count: int, port: int) -> float:
    tracemalloc.start()
    discovery.scan(networks(count), ports=[port], timeout=TIMEOUT, max_addresses=1 << 20)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, emulators(Path(tmp)) as start:
        first = start(bind=str(FIRST + 11))
        port = first.port
        for offset in (1000, 2000, 4000):
            start(bind=str(FIRST + offset), port=port)
        silent = socket.socket()
        silent.bind((str(FIRST + 3000), port))
        silent.listen(16)
        rows = []
        baseline_s = sequential_connects(4096, port)
        baseline = Row("4096 x 1: sequential TCP connects (baseline)", baseline_s, "s", higher_is_better=False)
        rows.append(baseline)
        for count in (4096, 65536):
            elapsed, counts = timed_scan(count, port)
            rows.append(Row(f"{count} x 1: discovery.scan", elapsed, "s", higher_is_better=False,
                            extra={"counts": counts}))
        memory = {count: peak_memory(count, port) for count in (4096, 65536)}
        silent.close()
    mem_base = Row("4096 x 1: peak Python memory", memory[4096], "MB", higher_is_better=False)
    mem_big = Row("65536 x 1: peak Python memory", memory[65536], "MB", higher_is_better=False)
    report("discovery", with_ratios(baseline, rows),
           notes=f"4 emulators, 1 silent listener (timeout {TIMEOUT} s), the rest refused; goal 4096 x 1 <= 10 s")
    report("discovery_memory", with_ratios(mem_base, [mem_base, mem_big]),
           notes="flat memory: the 65536 run's peak against the 4096 run's")


if __name__ == "__main__":
    main()
