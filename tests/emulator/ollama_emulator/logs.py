"""slog text handler and gin logger lines, written like the real server's."""

from __future__ import annotations

import datetime as dt
import sys
import threading

_lock = threading.Lock()


def _fmt_value(v) -> str:
    s = str(v)
    if s == "" or any(c in s for c in ' ="\\') or not s.isprintable():
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def slog(level: str, source: str, msg: str, **attrs) -> None:
    now = dt.datetime.now().astimezone()
    stamp = now.isoformat(timespec="milliseconds")
    if stamp.endswith("+00:00"):
        stamp = stamp[:-6] + "Z"
    parts = [f"time={stamp}", f"level={level}", f"source={source}", f"msg={_fmt_value(msg)}"]
    parts += [f"{k}={_fmt_value(v)}" for k, v in attrs.items()]
    with _lock:
        sys.stderr.write(" ".join(parts) + "\n")
        sys.stderr.flush()


def go_map(values: dict[str, str]) -> str:
    return "map[" + " ".join(f"{k}:{v}" for k, v in values.items()) + "]"


def gin_line(status: int, seconds: float, client: str, method: str, path: str) -> None:
    now = dt.datetime.now().strftime("%Y/%m/%d - %H:%M:%S")
    if seconds < 1e-3:
        lat = f"{seconds * 1e6:.3f}µs"
    elif seconds < 1:
        lat = f"{seconds * 1e3:.6f}ms"
    else:
        lat = f"{seconds:.9f}s"
    with _lock:
        sys.stdout.write(f"[GIN] {now} | {status:3d} | {lat:>13} | {client:>15} | {method:<7} \"{path}\"\n")
        sys.stdout.flush()
