# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade loop (molecule/container/files/upgrade_loop.py), run as the lab's client runs it,
against the emulator on loopback: answers counted, a server that goes away counted as failures,
a stream cut before "done" is a failure, secrets never printed."""

import base64
import http.server
import importlib.util
import json
import subprocess
import sys
import threading
import time
import typing
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "molecule" / "container" / "files" / "upgrade_loop.py"
_spec = importlib.util.spec_from_file_location("upgrade_loop", SCRIPT)
loop = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loop)

PASSWORD = "s3cret-Pa55word"  # noqa: S105 - a test value, checked to never be printed


def start_loop(tmp_path, url, *extra):
    out, stop = tmp_path / "loop.json", tmp_path / "stop"
    cmd = [sys.executable, str(SCRIPT), "--url", url, "--stop-file", str(stop), "--max-seconds", "60",
           "--interval", "0.02", "--timeout", "5", "--out", str(out), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, stop, out


class Finished(typing.NamedTuple):
    code: int
    report: dict
    printed: str  # stdout and stderr


def finish(proc, stop, out):
    stop.touch()
    stdout, stderr = proc.communicate(timeout=30)
    return Finished(proc.returncode, json.loads(out.read_text()), stdout + stderr)


def wait_for_answers(proc, seconds):
    time.sleep(seconds)
    assert proc.poll() is None, proc.stderr.read()


def test_every_answer_counts_as_ok(start_emulator, tmp_path):
    emu = start_emulator()
    began = time.monotonic()
    proc, stop, out = start_loop(tmp_path, emu.url)
    wait_for_answers(proc, 1.5)
    code, report = finish(proc, stop, out)[:2]
    elapsed = time.monotonic() - began
    assert code == 0
    assert report["failed"] == 0 and report["failures"] == []
    assert report["requests"] == report["ok"] >= 4
    assert report["by_request"]["generate"]["ok"] >= 2 and report["by_request"]["tags"]["ok"] >= 2
    assert report["stopped_by"] == "stop-file"
    assert 0 < report["longest_gap_seconds"] < 1.0
    assert 0.5 < report["duration"] < elapsed and report["started"] < report["ended"]


def test_server_gone_mid_run_counts_failures_and_the_gap(start_emulator, tmp_path):
    emu = start_emulator()
    proc, stop, out = start_loop(tmp_path, emu.url)
    wait_for_answers(proc, 1.0)
    emu.stop()
    gone = time.monotonic()
    wait_for_answers(proc, 1.5)
    code, report = finish(proc, stop, out)[:2]
    down_for = time.monotonic() - gone
    assert code == 1
    assert report["ok"] >= 2 and report["failed"] >= 2
    assert report["requests"] == report["ok"] + report["failed"]
    assert {f["request"] for f in report["failures"]} == {"generate", "tags"}
    assert all(f["time"] and f["at_seconds"] > 0 and f["error"] for f in report["failures"])
    assert any(f["error"].startswith("ConnectionRefusedError") for f in report["failures"])
    assert len(report["failures"]) <= 20
    # The server never came back: the gap runs from the last answer to the end of the run.
    assert report["longest_gap_seconds"] >= 1.5 and report["longest_gap_seconds"] <= down_for + 0.5


def test_an_outage_in_the_middle_is_the_longest_gap(start_emulator, tmp_path):
    emu = start_emulator(sub="same")
    proc, stop, out = start_loop(tmp_path, emu.url)
    wait_for_answers(proc, 0.8)
    emu.stop()
    gone = time.monotonic()
    time.sleep(1.2)
    start_emulator(sub="same", port=emu.port)  # the same server back on the same port
    down_for = time.monotonic() - gone
    wait_for_answers(proc, 0.8)
    code, report = finish(proc, stop, out)[:2]
    assert code == 1 and report["failed"] >= 2
    assert report["failures"][-1]["at_seconds"] < report["duration"] - 0.5  # answered again after it
    assert 1.2 <= report["longest_gap_seconds"] <= down_for + 0.5


class BrokenProxy(http.server.BaseHTTPRequestHandler):
    """generate streams that end cleanly but before the object with done: true; tags answer 503.
    Every Authorization header is recorded in ``seen``."""

    protocol_version = "HTTP/1.1"
    seen: typing.ClassVar[list] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.seen.append(self.headers.get("Authorization"))
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        line = b'{"model":"emu-tiny","response":"a","done":false}\n'
        self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(line), line))
        self.close_connection = True

    def do_GET(self):
        self.seen.append(self.headers.get("Authorization"))
        body = b"upstream gone"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


@pytest.fixture
def broken_proxy():
    BrokenProxy.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BrokenProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_stream_ended_before_done_and_error_status_are_failures(broken_proxy, tmp_path):
    proc, stop, out = start_loop(tmp_path, broken_proxy)
    wait_for_answers(proc, 0.5)
    code, report = finish(proc, stop, out)[:2]
    assert code == 1
    assert report["ok"] == 0 and report["failed"] == report["requests"] >= 2
    generate = next(f for f in report["failures"] if f["request"] == "generate")
    tags = next(f for f in report["failures"] if f["request"] == "tags")
    assert "stream ended before an object with done: true" in generate["error"]
    assert tags["status"] == 503 and "upstream gone" in tags["error"]
    assert report["longest_gap_seconds"] == report["duration"]


def test_basic_auth_is_sent_and_the_password_never_printed(broken_proxy, tmp_path):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    proc, stop, out = start_loop(tmp_path, broken_proxy, "--user", "alice", "--password-file", str(secret))
    wait_for_answers(proc, 0.3)
    printed = finish(proc, stop, out).printed
    expected = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert BrokenProxy.seen and set(BrokenProxy.seen) == {expected}
    for text in (printed, out.read_text()):
        assert PASSWORD not in text and expected.split()[1] not in text


def test_bearer_key_is_sent(broken_proxy, tmp_path):
    key = tmp_path / "key"
    key.write_text("key-123\n")
    proc, stop, out = start_loop(tmp_path, broken_proxy, "--bearer-file", str(key))
    wait_for_answers(proc, 0.3)
    printed = finish(proc, stop, out).printed
    assert set(BrokenProxy.seen) == {"Bearer key-123"}
    assert "key-123" not in printed


def test_a_model_missing_from_tags_is_a_failure(start_emulator, tmp_path):
    emu = start_emulator()
    proc, stop, out = start_loop(tmp_path, emu.url, "--model", "not-there")
    wait_for_answers(proc, 0.5)
    code, report = finish(proc, stop, out)[:2]
    assert code == 1
    assert report["by_request"]["tags"]["ok"] == 0 and report["by_request"]["tags"]["failed"] >= 1
    assert any("not-there:latest is not listed" in f["error"] for f in report["failures"])


def test_max_seconds_ends_the_loop_by_itself(start_emulator, tmp_path):
    emu = start_emulator()
    out = tmp_path / "loop.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--url", emu.url, "--max-seconds", "0.5", "--out", str(out)],
                          capture_output=True, text=True, timeout=30, check=False)
    report = json.loads(out.read_text())
    assert done.returncode == 0 and json.loads(done.stdout) == report
    assert report["stopped_by"] == "max-seconds" and report["ok"] >= 2


@pytest.mark.parametrize("args, message", [
    (["--user", "alice"], "--user and --password-file go together"),
    (["--url", "ftp://x"], "--url must start with http"),
])
def test_bad_arguments_are_refused(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        loop.parse_args(["--url", "http://127.0.0.1:1", *args])
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_an_unreadable_secret_file_stops_before_any_request(tmp_path, capsys):
    missing = tmp_path / "nope"
    assert loop.main(["--url", "http://127.0.0.1:1", "--bearer-file", str(missing)]) == 2
    assert "cannot start" in capsys.readouterr().err
