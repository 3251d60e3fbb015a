"""Run the Ollama emulator as a real subprocess on loopback, for any test suite.

    from harness import Emulator          # with tests/emulator on sys.path
    emu = Emulator(tmp_path, {"OLLAMA_EMULATOR_VERSION": "0.1.33"})
    emu.url            # http://127.0.0.1:<free port>
    emu.request("GET", "/api/tags").json()
    emu.stop()

Each instance gets a private copy of the fixture model store, its own HOME, and a network
guard that records any connection attempt to a non-loopback address.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

EMU_DIR = Path(__file__).resolve().parent
LAUNCHER = EMU_DIR / "ollama"
FIXTURE = EMU_DIR / "fixtures" / "models"
MANIFEST_REL = Path("manifests/registry.ollama.ai/library/emu-tiny/latest")
MODEL = "emu-tiny"

# Installed into the emulator's interpreter: records any socket use towards a non-loopback target.
NETGUARD = '''
import os, socket
_log = os.environ.get("EMU_NETGUARD_LOG")
if _log:
    open(_log + ".loaded", "w").close()
def _local(host):
    return host in ("", "None", "::1", "localhost", "0.0.0.0", "::") or host.startswith("127.")
def _note(target):
    host = str(target[0] if isinstance(target, tuple) else target)
    if _log and not _local(host):
        with open(_log, "a") as fh:
            fh.write(host + "\\n")
_orig_connect = socket.socket.connect
def connect(self, address):
    _note(address)
    return _orig_connect(self, address)
socket.socket.connect = connect
_orig_gai = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    _note((host,))
    return _orig_gai(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    def lines(self) -> list[dict]:
        return [json.loads(x) for x in self.body.decode().splitlines() if x.strip()]


class Emulator:
    def __init__(self, tmp: Path, env: dict, bind: str = "127.0.0.1", port: int | None = None) -> None:
        self.port = port or free_port()
        # Where clients reach it: the bound address, or loopback for an unspecified bind.
        self.address = "127.0.0.1" if bind in ("0.0.0.0", "::", "") else bind
        self.models = tmp / "models"
        if not self.models.exists():
            shutil.copytree(FIXTURE, self.models)
        self.home = tmp / "home"
        self.home.mkdir(exist_ok=True)
        guard = tmp / "netguard"
        guard.mkdir(exist_ok=True)
        (guard / "sitecustomize.py").write_text(NETGUARD)
        self.netlog = tmp / "netguard.log"
        full = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "OLLAMA_HOST": f"[{bind}]:{self.port}" if ":" in bind else f"{bind}:{self.port}",
            "OLLAMA_MODELS": str(self.models),
            "OLLAMA_EMULATOR_TOKEN_RATE": "0",
            "PYTHONPATH": str(guard),
            "EMU_NETGUARD_LOG": str(self.netlog),
        }
        full.update(env)
        self.env = full
        self.stderr_path = tmp / f"emulator-{self.port}.err"
        self.proc = subprocess.Popen(
            [sys.executable, str(LAUNCHER), "serve"], env=full,
            stdout=subprocess.DEVNULL, stderr=open(self.stderr_path, "wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("emulator exited: " + self.stderr_path.read_text())
            try:
                with socket.create_connection((self.address, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("emulator did not start")

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.address, self.port, timeout=30)

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                host: str | None = None) -> Response:
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        conn = self.conn()
        conn.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body or b"")
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return Response(resp.status, resp.getheaders(), data)

    def timed_lines(self, path: str, body: dict) -> tuple[Response, list[tuple[float, bytes]]]:
        """POST and record the arrival time of each line of a streamed answer."""
        conn = self.conn()
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        out = []
        while True:
            line = resp.readline()
            if not line:
                break
            if line.strip():
                out.append((time.monotonic(), line))
        conn.close()
        return Response(resp.status, resp.getheaders(), b""), out


@contextlib.contextmanager
def emulators(tmp: Path, default_sub: str | None = None):
    """Yield ``start(env=None, bind="127.0.0.1", sub=default_sub, port=None) -> Emulator``; all are stopped on exit.

    Emulators started with the same ``sub`` share a folder, and so a model store (a restart on
    the same data); without one, each gets a folder of its own.
    """
    started: list[Emulator] = []

    def start(env: dict | None = None, bind: str = "127.0.0.1", sub: str | None = default_sub,
              port: int | None = None) -> Emulator:
        folder = tmp / (sub or f"emulator-{len(started)}")
        folder.mkdir(exist_ok=True)
        emulator = Emulator(folder, env or {}, bind, port)
        started.append(emulator)
        return emulator

    try:
        yield start
    finally:
        for emulator in started:
            emulator.stop()
