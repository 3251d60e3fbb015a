"""/api/pull and /api/push fail like an offline Ollama, and the emulator never touches the network."""

from __future__ import annotations

import os
import subprocess
import sys

from harness import NETGUARD


def test_pull_streams_pulling_manifest_then_a_registry_error(emu):
    r = emu.request("POST", "/api/pull", {"model": "llama3"})
    assert r.status == 200 and r.header("Content-Type") == "application/x-ndjson"
    lines = r.lines()
    assert lines[0] == {"status": "pulling manifest"}
    assert lines[-1]["error"].startswith("pull model manifest: ")
    assert "registry.ollama.ai" in lines[-1]["error"]


def test_pull_without_streaming_is_a_500_error(emu):
    r = emu.request("POST", "/api/pull", {"model": "llama3", "stream": False})
    assert r.status == 500 and "pull model manifest" in r.json()["error"]


def test_push_fails_offline(emu):
    lines = emu.request("POST", "/api/push", {"model": "emu-tiny"}).lines()
    assert lines[0] == {"status": "retrieving manifest"} and "error" in lines[-1]
    missing = emu.request("POST", "/api/push", {"model": "nope"}).lines()
    assert {"status": "couldn't retrieve manifest"} in missing


def test_pull_and_push_open_no_connection_beyond_loopback(emu):
    emu.request("POST", "/api/pull", {"model": "llama3"})
    emu.request("POST", "/api/pull", {"model": "example.com/ns/model:tag"})
    emu.request("POST", "/api/push", {"model": "emu-tiny"})
    emu.request("POST", "/api/create", {"model": "x", "from": "not-here"})
    assert emu.netlog.with_name(emu.netlog.name + ".loaded").exists()  # the guard ran inside the emulator
    assert not emu.netlog.exists() or emu.netlog.read_text() == ""


def test_network_guard_records_a_real_connection_attempt(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(NETGUARD)
    log = tmp_path / "log"
    code = ("import socket\ntry:\n    socket.create_connection(('192.0.2.1', 9), timeout=0.01)\n"
            "except OSError:\n    pass\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "EMU_NETGUARD_LOG": str(log)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert "192.0.2.1" in log.read_text()
