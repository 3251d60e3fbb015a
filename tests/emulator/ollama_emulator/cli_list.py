"""`ollama list` / `ollama ls` as the Go client prints it (cmd/cmd.go ListHandler, format/, v0.32.15).

The container role uses `ollama list` as the container's health check: it exits 1 when the
server does not answer, 0 with the table when it does.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import urllib.error
import urllib.request

from ollama_emulator import config as configmod

NOT_RUNNING = "Error: could not connect to ollama server, run 'ollama serve' to start it\n"


def human_bytes(b: int) -> str:
    for limit, unit in ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "KB")):
        if b >= limit:
            value = b / limit
            if value >= 10:
                return f"{int(value)} {unit}"
            return f"{value:.1f} {unit}" if value != math.trunc(value) else f"{int(value)} {unit}"
    return f"{b} B"


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = int(seconds // 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds // 3600) // 24 // 365} years"


def human_time(stamp: str, now: dt.datetime | None = None) -> str:
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return "Never"
    delta = ((now or dt.datetime.now(dt.UTC)) - when).total_seconds()
    return _duration(-delta) + " from now" if delta < 0 else _duration(delta) + " ago"


def table(rows: list[list[str]]) -> str:
    """tablewriter: no border, no header line, left aligned, each cell followed by four spaces."""
    header = ["NAME", "ID", "SIZE", "MODIFIED"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["    ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in [header, *rows]]
    return "".join(line + "    \n" for line in lines)


def list_command(cfg: configmod.Config, prefix: str | None) -> int:
    host = configmod.connectable_host(cfg.host)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{host.scheme}://{host.hostport}/api/tags", timeout=30) as resp:
            models = json.loads(resp.read() or b"{}").get("models") or []
    except urllib.error.HTTPError as err:
        print(f"Error: {err.read().decode(errors='replace').strip() or err.reason}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError, ValueError):
        sys.stderr.write(NOT_RUNNING)
        return 1
    rows = [[m["name"], m.get("digest", "")[:12], "-" if m.get("remote_model") else human_bytes(int(m.get("size", 0))),
             human_time(m.get("modified_at", ""))]
            for m in models if not prefix or m["name"].lower().startswith(prefix.lower())]
    print(table(rows), end="")
    return 0
