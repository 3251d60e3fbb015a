# managed by aisec.ollama.monitoring
"""Follow the proxy's JSON access log, apply the detection rules, raise alerts.

Alerts go to the journal (stdout with a sd-daemon priority prefix; the unit names the
identifier) and, when a webhook URL is set, to a queue that a separate thread POSTs as JSON
with retries. The queue is bounded and the POST never runs on the reading path, so a slow or
dead receiver neither blocks the proxy (nginx only writes its log) nor this reader.
Every few seconds the last report window's counts per rule are written to a state file for
the role's read-only report. Standard library only (python3 on the host).
"""

import collections
import datetime
import json
import os
import queue
import socket
import sys
import threading
import time
import urllib.request

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover - Python < 3.9
    ZoneInfo = None

RULES = ("auth_failures", "requests_per_minute", "management", "off_hours", "scanning")
# Journal priorities (sd-daemon(3) prefixes): warning for alerts, err when the webhook gives up.
WARNING, ERR, INFO = 4, 3, 6
REFUSED = (400, 403, 404, 405, 444)


def log(priority, message):
    sys.stdout.write(f"<{priority}>{message}\n")
    sys.stdout.flush()


def parse_time(value):
    """nginx $time_iso8601 (2026-12-02T10:40:00+00:00) -> aware datetime; now when unreadable."""
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return datetime.datetime.now(datetime.UTC)


def in_business_hours(moment, hours):
    """hours: {"start": "08:00", "end": "19:00", "days": [0..6, Monday=0], "timezone": "UTC"}."""
    zone = datetime.UTC
    if hours.get("timezone") and ZoneInfo is not None:
        try:
            zone = ZoneInfo(hours["timezone"])
        except Exception:  # unknown zone: UTC, and the role validated the name already
            zone = datetime.UTC
    local = moment.astimezone(zone)
    if local.weekday() not in hours.get("days", range(7)):
        return False
    now = local.strftime("%H:%M")
    start, end = hours["start"], hours["end"]
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # a night shift: 22:00-06:00


class Detector:
    """Sliding windows per (rule, address); one alert per rule and address per window."""

    def __init__(self, config, emit, clock=time.monotonic):
        self.config = config
        self.rules = config["rules"]
        self.emit = emit
        self.clock = clock
        self.inference = set(config["inference_paths"])
        self.management = set(config["management_paths"])
        self.downloads = set(config["download_paths"])
        self.download_prefixes = tuple(config.get("download_prefixes", []))
        self.events = collections.defaultdict(collections.deque)  # (rule, addr) -> times
        self.quiet_until = {}  # (rule, addr) -> time before which no new alert
        self.report_window = config.get("report_window", 3600)
        self.seen = collections.deque()  # (time, rule) of every matching request, for the report
        self.raised = collections.deque()  # (time, rule, addr) of every alert

    def _count(self, rule, addr, now, window):
        times = self.events[(rule, addr)]
        times.append(now)
        while times and times[0] <= now - window:
            times.popleft()
        return len(times)

    def _alert(self, rule, addr, count, window, entry, now, cooldown=None):
        key = (rule, addr)
        if self.quiet_until.get(key, 0) > now:
            return
        self.quiet_until[key] = now + (window if cooldown is None else cooldown)
        self.raised.append((now, rule, addr))
        self.emit(
            {
                "rule": rule,
                "address": addr,
                "count": count,
                "window": window,
                "host": self.config["host"],
                "time": entry.get("time"),
                "path": entry.get("path"),
                "status": entry.get("status"),
            }
        )

    def feed(self, entry):
        addr = str(entry.get("client", ""))
        path = str(entry.get("path", ""))
        try:
            status = int(entry.get("status", 0))
        except (TypeError, ValueError):
            status = 0
        now = self.clock()
        matched = []
        rule = self.rules.get("auth_failures")
        if rule and status == 401:
            matched.append("auth_failures")
            count = self._count("auth_failures", addr, now, rule["window"])
            if count >= rule["threshold"]:
                self._alert("auth_failures", addr, count, rule["window"], entry, now)
        rule = self.rules.get("requests_per_minute")
        if rule and path in self.inference:
            matched.append("requests_per_minute")
            count = self._count("requests_per_minute", addr, now, 60)
            if count > rule["threshold"]:
                self._alert("requests_per_minute", addr, count, 60, entry, now)
        if self.rules.get("management") and path in self.management:
            matched.append("management")
            self._alert("management", addr, 1, 0, entry, now, cooldown=0)
        rule = self.rules.get("off_hours")
        is_download = path in self.downloads or path in self.management or path.startswith(self.download_prefixes)
        if rule and is_download and not in_business_hours(parse_time(entry.get("time")), rule):
            matched.append("off_hours")
            self._alert("off_hours", addr, 1, 0, entry, now, cooldown=0)
        rule = self.rules.get("scanning")
        if rule and status in REFUSED:
            matched.append("scanning")
            count = self._count("scanning", addr, now, rule["window"])
            if count >= rule["threshold"]:
                self._alert("scanning", addr, count, rule["window"], entry, now)
        for name in matched:
            self.seen.append((now, name))
        return matched

    def report(self):
        now = self.clock()
        for items in (self.seen, self.raised):
            while items and items[0][0] <= now - self.report_window:
                items.popleft()
        counts = dict.fromkeys(RULES, 0)
        alerts = dict.fromkeys(RULES, 0)
        for _t, rule in self.seen:
            counts[rule] += 1
        for _t, rule, _a in self.raised:
            alerts[rule] += 1
        return {
            "window_seconds": self.report_window,
            "requests_matched": counts,
            "alerts": alerts,
            "alerted_addresses": sorted({a for _t, _r, a in self.raised}),
        }


class Webhook(threading.Thread):
    """POSTs alerts from a bounded queue, retrying with backoff; drops (and says so) when full."""

    def __init__(self, settings):
        super().__init__(daemon=True)
        self.url = settings["url"]
        self.retries = settings.get("retries", 5)
        self.timeout = settings.get("timeout", 5)
        self.queue = queue.Queue(maxsize=settings.get("queue_size", 1000))

    def submit(self, alert):
        try:
            self.queue.put_nowait(alert)
        except queue.Full:
            log(ERR, f"webhook queue full: alert {alert['rule']} for {alert['address']} not sent")

    def run(self):
        while True:
            alert = self.queue.get()
            body = json.dumps(alert).encode("utf-8")
            for attempt in range(self.retries + 1):
                try:
                    # The URL is the role's validated http(s) setting, never a request's input.
                    request = urllib.request.Request(  # noqa: S310
                        self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
                    )
                    with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                        if 200 <= response.status < 300:
                            break
                except Exception as exc:  # any failure is retried; the URL itself is never logged
                    error = type(exc).__name__
                else:
                    error = f"HTTP {response.status}"
                if attempt == self.retries:
                    log(
                        ERR,
                        f"webhook: alert {alert['rule']} for {alert['address']} not delivered after "
                        f"{attempt + 1} attempts ({error})",
                    )
                else:
                    time.sleep(min(2**attempt, 30))


def follow(path, stop=lambda: False, poll=0.2, from_end=True):
    """Yield lines appended to path, and None when idle; reopen after rotation (new inode or a
    shorter file) and read the new file from its start."""
    handle, inode = None, None
    while not stop():
        if handle is None:
            try:
                handle = open(path, encoding="utf-8", errors="replace")
                inode = os.fstat(handle.fileno()).st_ino
                if from_end:
                    handle.seek(0, os.SEEK_END)  # at start: only what is written from now on
                from_end = False
            except OSError:
                time.sleep(1)
                continue
        line = handle.readline()
        if line and line.endswith("\n"):
            yield line
            continue
        if line:  # a half-written line: wait for the rest
            handle.seek(handle.tell() - len(line.encode("utf-8")))
        time.sleep(poll)
        yield None
        try:
            current = os.stat(path)
        except OSError:
            continue
        if current.st_ino != inode or current.st_size < handle.tell():
            handle.close()
            handle = None


def write_state(path, detector):
    state = detector.report()
    state["updated"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        json.dump(state, out, sort_keys=True)
    os.replace(tmp, path)


def main(argv):
    config_path = argv[1] if len(argv) > 1 else "/etc/aisec-ollama-monitor/config.json"
    with open(config_path) as handle:
        config = json.load(handle)
    config.setdefault("host", socket.getfqdn())
    webhook = Webhook(config["webhook"]) if config.get("webhook", {}).get("url") else None
    if webhook:
        webhook.start()

    def emit(alert):
        log(WARNING, f"ALERT {alert['rule']} {json.dumps(alert, sort_keys=True)}")
        if webhook:
            webhook.submit(alert)

    detector = Detector(config, emit)
    log(INFO, f"following {config['log']} (rules: {', '.join(sorted(config['rules']))})")
    last_state = 0.0
    for line in follow(config["log"]):
        try:
            entry = json.loads(line) if line else None
        except ValueError:
            entry = None
        if isinstance(entry, dict):
            detector.feed(entry)
        if time.monotonic() - last_state > 2:
            write_state(config["state"], detector)
            last_state = time.monotonic()


if __name__ == "__main__":
    main(sys.argv)
