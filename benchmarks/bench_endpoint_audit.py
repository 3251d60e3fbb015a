"""Endpoint audit throughput: the bounded worker pool against a sequential baseline.

N = 1, 16 and 256 emulated Ollama endpoints on loopback, served by ONE asyncio loop in a
separate process (one port each, answering like an exposed Ollama: banner, /api/version, /api/tags,
404 "model not found" for the rest), a few of them blackholed (listening, never answering).
For each N the same targets are audited one after the other (the baseline) and through the
module's pool (audit_pool.run_bounded, as ollama_endpoint_audit does), in the same run.
A last pass measures peak Python memory of the streaming pool with tracemalloc.

    .venv/bin/python benchmarks/run.py endpoint_audit
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import socket
import time
import tracemalloc

from ansible_collections.aisec.ollama.plugins.module_utils import advisories as adv
from ansible_collections.aisec.ollama.plugins.module_utils import audit_checks, audit_pool, audit_report
from ansible_collections.aisec.ollama.plugins.module_utils import audit_probe as ap
from common import Row, report, with_ratios

SIZES = (1, 16, 256)
BLACKHOLED = {1: 0, 16: 1, 256: 8}
TIMEOUT = 1.0  # seconds per request: what a blackholed target costs
WORKERS = 32  # the module's default concurrency


def _answer(method: str, path: str) -> tuple[int, str, bytes]:
    if path == "/":
        return 200, "text/plain; charset=utf-8", b"Ollama is running"
    if path == "/api/version":
        return 200, "application/json; charset=utf-8", b'{"version":"0.32.15"}'
    if path in ("/api/tags", "/api/ps"):
        return 200, "application/json; charset=utf-8", b'{"models":[]}'
    if method == "POST" and path in ("/api/pull", "/api/push", "/api/create", "/api/copy"):
        return 400, "application/json; charset=utf-8", b'{"error":"missing request body"}'
    return 404, "application/json; charset=utf-8", b'{"error":"model \'x\' not found"}'


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 with keep-alive, as Ollama (Go's net/http) answers: requests on one connection
    until the client closes it or asks to."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _version = lines[0].split(" ", 2)
            length, close = 0, False
            for line in lines[1:]:
                name, _sep, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and value.strip().lower() == "close":
                    close = True
            if length:
                await reader.readexactly(length)
            status, ctype, body = _answer(method, path.split("?", 1)[0])
            writer.write(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                         % (status, ctype.encode(), len(body)) + (b"" if method == "HEAD" else body))
            await writer.drain()
            if close:
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


def _serve_fleet(answering: int, blackholed: int, pipe) -> None:
    """In the fleet's own process: the answering endpoints in one asyncio loop, the blackholed
    ports listening and never answering; the URLs go back through the pipe."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    urls = []
    for _server in range(answering):
        server = loop.run_until_complete(asyncio.start_server(_serve, "127.0.0.1", 0, backlog=512))
        urls.append(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    holes = []
    for _hole in range(blackholed):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        holes.append(sock)
        # Spread the blackholes through the list, as in a real fleet.
        urls.insert(len(urls) // 2, f"http://127.0.0.1:{sock.getsockname()[1]}")
    pipe.send(urls)
    loop.run_forever()


class Fleet:
    """Many emulated endpoints in ANOTHER process (so the audited side does not share the
    auditor's interpreter lock, and the figures measure the auditor), plus blackholed ports."""

    def __init__(self, count: int, blackholed: int) -> None:
        parent, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve_fleet, args=(count - blackholed, blackholed, child), daemon=True)
        self.process.start()
        if not parent.poll(30):
            self.stop()
            raise RuntimeError("the fleet process did not start")
        self.urls: list[str] = parent.recv()

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


def _options() -> dict:
    return {"timeout": TIMEOUT, "http_port": 0, "advisory_data": ADVISORIES}


def sequential(targets: list) -> audit_report.Summary:
    summary = audit_report.Summary()
    for target in targets:
        summary.add(audit_checks.audit_target(target, _options()))
    return summary


def pooled(targets: list, workers: int = WORKERS) -> audit_report.Summary:
    summary = audit_report.Summary()
    for _index, result in audit_pool.run_bounded(targets, lambda t: audit_checks.audit_target(t, _options()),
                                                 workers):
        summary.add(result)
    return summary


def _timed(fn, targets) -> tuple[float, audit_report.Summary]:
    start = time.perf_counter()
    summary = fn(targets)
    return time.perf_counter() - start, summary


def _check(summary: audit_report.Summary, size: int) -> None:
    verdicts = summary.as_dict()["verdicts"]
    assert verdicts["unreachable"] == BLACKHOLED[size], verdicts
    assert verdicts["exposed"] == size - BLACKHOLED[size], verdicts


def main() -> None:
    rows: list[Row] = []
    started = time.perf_counter()
    for size in SIZES:
        fleet = Fleet(size, BLACKHOLED[size])
        try:
            targets = [ap.parse_target(url) for url in fleet.urls]
            seq_time, seq_summary = _timed(sequential, targets)
            pool_time, pool_summary = _timed(pooled, targets)
            _check(seq_summary, size)
            _check(pool_summary, size)
            requests = pool_summary.as_dict()["requests"]
            base = Row(f"N={size:<3} sequential", size / seq_time, "endpoints/s",
                       extra={"seconds": round(seq_time, 3), "blackholed": BLACKHOLED[size]})
            pool = Row(f"N={size:<3} pool({WORKERS})", size / pool_time, "endpoints/s",
                       extra={"seconds": round(pool_time, 3), "blackholed": BLACKHOLED[size], "requests": requests})
            rows += with_ratios(base, [base, pool])
            if size == SIZES[-1]:
                memory = {}
                for count in (64, size):
                    tracemalloc.start()
                    pooled(targets[:count])
                    memory[count] = tracemalloc.get_traced_memory()[1] // 1024
                    tracemalloc.stop()
                pool.extra["peak_kib_64_vs_256"] = [memory[64], memory[size]]
        finally:
            fleet.stop()
    notes = (f"loopback, one asyncio process (not the auditor's) serving all endpoints; timeout {TIMEOUT}s; "
             f"blackholed per N: {json.dumps(BLACKHOLED)}; {os.cpu_count()} CPU(s); "
             f"total {time.perf_counter() - started:.0f}s")
    report("endpoint_audit", rows, notes)
    for row in rows:
        if row.extra:
            print(f"  {row.case}: {row.extra}")


ADVISORIES = adv.load_advisory_file(adv.default_advisory_path())

if __name__ == "__main__":
    main()
