"""Go and gin wire formats: JSON encoding, times, %q quoting, header dates."""

from __future__ import annotations

import datetime as dt
import json
from email.utils import formatdate


def go_json(value) -> bytes:
    """encoding/json.Marshal output: compact, HTML-escaped, UTF-8."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return text.encode("utf-8")


def go_quote(s: str) -> str:
    """fmt %q for printable strings (close enough for error texts)."""
    return json.dumps(s, ensure_ascii=False)


def rfc3339nano(t: dt.datetime) -> str:
    """time.Time.MarshalJSON: RFC 3339 with trailing zeros of the fraction removed."""
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        base += ("." + f"{t.microsecond:06d}").rstrip("0")
    off = t.utcoffset()
    if off is None or off == dt.timedelta(0):
        return base + "Z"
    total = int(off.total_seconds())
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"{base}{sign}{total // 3600:02d}:{(total % 3600) // 60:02d}"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_time(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts).astimezone()


def http_date() -> str:
    return formatdate(usegmt=True)


def nanos(seconds: float) -> int:
    return int(seconds * 1e9)
