# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""aisec.ollama.monitoring's daemon (roles/monitoring/files/aisec_ollama_monitor.py), driven
without the host: the rules, the report counts, following a rotated log, the webhook's retries."""

import datetime
import http.server
import importlib.util
import json
import threading
import time
import typing
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[3] / "roles" / "monitoring" / "files" / "aisec_ollama_monitor.py"
spec = importlib.util.spec_from_file_location("aisec_ollama_monitor", SOURCE)
monitor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(monitor)

WEEKDAYS = [0, 1, 2, 3, 4]


def config(**rules):
    base = {
        "auth_failures": {"threshold": 3, "window": 600},
        "requests_per_minute": {"threshold": 2},
        "management": True,
        "off_hours": {"start": "08:00", "end": "19:00", "days": WEEKDAYS, "timezone": "UTC"},
        "scanning": {"threshold": 3, "window": 600},
    }
    base.update(rules)
    return {
        "host": "h1",
        "report_window": 3600,
        "rules": {k: v for k, v in base.items() if v is not None},
        "inference_paths": ["/api/generate"],
        "management_paths": ["/api/pull", "/api/delete"],
        "download_paths": ["/api/pull"],
        "download_prefixes": ["/api/blobs/"],
    }


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def detector(**rules):
    alerts, clock = [], Clock()
    return monitor.Detector(config(**rules), alerts.append, clock), alerts, clock


def entry(path="/api/tags", status=200, client="10.0.0.5", when="2026-12-02T10:00:00+00:00"):  # a Wednesday
    return {"time": when, "client": client, "path": path, "status": status}


def test_auth_failures_alert_once_at_the_threshold_per_window():
    d, alerts, clock = detector()
    for _request in range(5):
        d.feed(entry(status=401))
    assert [(a["rule"], a["count"], a["window"]) for a in alerts] == [("auth_failures", 3, 600)]
    assert set(alerts[0]) >= {"rule", "address", "count", "window", "host", "time"}
    clock.now += 601
    for _request in range(3):
        d.feed(entry(status=401))
    assert len(alerts) == 2


def test_auth_failures_are_counted_per_address_and_expire():
    d, alerts, clock = detector()
    d.feed(entry(status=401, client="10.0.0.1"))
    d.feed(entry(status=401, client="10.0.0.2"))
    clock.now += 700
    d.feed(entry(status=401, client="10.0.0.1"))
    d.feed(entry(status=401, client="10.0.0.1"))
    assert alerts == []


def test_requests_per_minute_alerts_above_the_threshold():
    d, alerts, _clock = detector(management=None, off_hours=None, scanning=None)
    d.feed(entry("/api/generate"))
    d.feed(entry("/api/generate"))
    assert alerts == []
    d.feed(entry("/api/generate"))
    assert [(a["rule"], a["count"], a["window"]) for a in alerts] == [("requests_per_minute", 3, 60)]


def test_every_management_call_alerts_refused_ones_too():
    d, alerts, _clock = detector(off_hours=None)
    d.feed(entry("/api/pull", status=403))
    d.feed(entry("/api/delete", status=200))
    assert [a["rule"] for a in alerts] == ["management", "management"]


@pytest.mark.parametrize(
    "when, off",
    [
        ("2026-12-02T10:00:00+00:00", False),  # Wednesday 10:00
        ("2026-12-02T19:00:00+00:00", True),  # the end is exclusive
        ("2026-12-02T07:59:59+00:00", True),
        ("2026-12-05T10:00:00+00:00", True),  # Saturday
        ("2026-12-02T09:30:00+02:00", True),  # the log's offset counts: 07:30 UTC
    ],
)
def test_downloads_outside_business_hours_alert(when, off):
    d, alerts, _clock = detector(management=None)
    d.feed(entry("/api/pull", when=when))
    assert [a["rule"] for a in alerts] == (["off_hours"] if off else [])


def test_business_hours_in_another_timezone_and_across_midnight():
    berlin = {"start": "08:00", "end": "19:00", "days": WEEKDAYS, "timezone": "Europe/Berlin"}
    moment = datetime.datetime.fromisoformat("2026-12-02T07:30:00+00:00")  # 08:30 in Berlin (CET)
    assert monitor.in_business_hours(moment, berlin)
    night = {"start": "22:00", "end": "06:00", "days": list(range(7)), "timezone": "UTC"}
    assert monitor.in_business_hours(datetime.datetime.fromisoformat("2026-12-02T23:00:00+00:00"), night)
    assert not monitor.in_business_hours(datetime.datetime.fromisoformat("2026-12-02T12:00:00+00:00"), night)


def test_blob_uploads_count_as_downloads_and_reads_do_not():
    d, alerts, _clock = detector(management=None)
    d.feed(entry("/api/blobs/sha256:abc", when="2026-12-02T23:00:00+00:00"))
    d.feed(entry("/api/tags", when="2026-12-02T23:00:00+00:00"))
    assert [a["path"] for a in alerts] == ["/api/blobs/sha256:abc"]


def test_scanning_counts_refused_and_unknown_paths():
    d, alerts, _clock = detector(management=None, off_hours=None)
    for path, status in [("/admin", 403), ("/.env", 403), ("/api/tags", 200), ("/x", 404)]:
        d.feed(entry(path, status=status))
    assert [(a["rule"], a["count"]) for a in alerts] == [("scanning", 3)]


def test_report_counts_matches_and_alerts_of_the_window():
    d, _alerts, clock = detector()
    for _request in range(3):
        d.feed(entry(status=401))
    report = d.report()
    assert report["requests_matched"]["auth_failures"] == 3 and report["alerts"]["auth_failures"] == 1
    assert report["alerted_addresses"] == ["10.0.0.5"]
    clock.now += 3601
    assert d.report()["requests_matched"]["auth_failures"] == 0 and d.report()["alerts"]["auth_failures"] == 0


def test_unreadable_fields_do_not_stop_the_reader():
    d, _alerts, _clock = detector()
    assert d.feed({"client": "10.0.0.5", "status": "x", "time": "not a time", "path": "/api/pull"}) is not None


def test_follow_reads_new_lines_and_the_file_after_rotation(tmp_path):
    log = tmp_path / "access.json"
    log.write_text("old line, written before the start\n")
    stop = threading.Event()
    lines = []

    def reader():
        for line in monitor.follow(str(log), stop=stop.is_set, poll=0.02):
            if line:
                lines.append(line.strip())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.2)
    with log.open("a") as out:
        out.write("one\n")
        out.write("half")
    time.sleep(0.2)
    with log.open("a") as out:
        out.write(" done\n")
    time.sleep(0.2)
    log.rename(tmp_path / "access.json.1")
    log.write_text("after rotation\n")
    deadline = time.monotonic() + 5
    while "after rotation" not in lines and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(2)
    assert lines == ["one", "half done", "after rotation"]


class _Receiver(http.server.BaseHTTPRequestHandler):
    failures = 2
    bodies: typing.ClassVar[list] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Receiver.failures > 0:
            _Receiver.failures -= 1
            self.send_response(503)
        else:
            _Receiver.bodies.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_retries_until_delivered_without_blocking_the_caller(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(monitor.time, "sleep", lambda _s: None)  # no backoff wait in the test
    hook = monitor.Webhook({"url": f"http://127.0.0.1:{server.server_port}/a", "retries": 3, "timeout": 2})
    hook.start()
    start = time.monotonic()
    hook.submit({"rule": "management", "address": "10.0.0.5"})
    assert time.monotonic() - start < 0.05
    deadline = time.monotonic() + 5
    while not _Receiver.bodies and time.monotonic() < deadline:
        time.sleep(0.02)
    server.shutdown()
    assert _Receiver.bodies == [{"rule": "management", "address": "10.0.0.5"}]


def test_a_full_webhook_queue_drops_and_says_so(capsys):
    hook = monitor.Webhook({"url": "http://127.0.0.1:9/", "queue_size": 1})
    hook.submit({"rule": "a", "address": "1"})
    hook.submit({"rule": "b", "address": "2"})
    assert "webhook queue full: alert b for 2 not sent" in capsys.readouterr().out
