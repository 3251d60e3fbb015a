"""The ollama command line: -v/--version like cmd/cmd.go, serve, unknown commands."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from harness import LAUNCHER, free_port


def run(args, env):
    return subprocess.run([sys.executable, str(LAUNCHER), *args], env=env, capture_output=True, text=True,
                          timeout=30, check=False)


@pytest.mark.parametrize("flag", ["-v", "--version"])
def test_version_flag_prints_server_version_when_reachable(start_emulator, flag):
    emu = start_emulator({"OLLAMA_EMULATOR_VERSION": "0.1.33"})
    r = run([flag], emu.env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "ollama version is 0.1.33\n", "")


@pytest.mark.parametrize("flag", ["-v", "--version"])
def test_version_flag_warns_when_no_server_answers(flag):
    env = {"PATH": "/usr/bin:/bin", "OLLAMA_HOST": f"127.0.0.1:{free_port()}", "OLLAMA_EMULATOR_VERSION": "0.5.7"}
    r = run([flag], env)
    assert r.returncode == 0
    assert r.stdout == ("Warning: could not connect to a running Ollama instance\n"
                        "Warning: client version is 0.5.7\n")


def test_version_flag_warns_when_client_and_server_differ(start_emulator):
    emu = start_emulator({"OLLAMA_EMULATOR_VERSION": "0.1.33"})
    r = run(["-v"], {**emu.env, "OLLAMA_EMULATOR_VERSION": "0.2.0"})
    assert r.stdout == "ollama version is 0.1.33\nWarning: client version is 0.2.0\n"


def test_version_flag_reaches_a_server_bound_to_all_interfaces(start_emulator):
    emu = start_emulator(bind="0.0.0.0")
    assert run(["-v"], emu.env).stdout.startswith("ollama version is ")


def test_unknown_command_fails_with_a_clear_error():
    r = run(["frobnicate"], {"PATH": "/usr/bin:/bin"})
    assert r.returncode != 0 and 'unknown command "frobnicate"' in r.stderr


def test_serve_logs_config_and_listening_line(emu):
    err = emu.stderr
    assert "msg=\"server config\" env=\"map[" in err
    assert f"Listening on 127.0.0.1:{emu.port} (version 0.32.15)" in err


def test_serve_on_a_busy_port_exits_with_listen_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OLLAMA_HOST": f"127.0.0.1:{port}",
               "OLLAMA_MODELS": str(tmp_path / "m")}
        r = run(["serve"], env)
    assert r.returncode == 1 and "address already in use" in r.stderr


def test_list_prints_the_models_table_like_the_go_client(emu):
    r = run(["list"], emu.env)
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and r.stderr == ""
    assert lines[0].split() == ["NAME", "ID", "SIZE", "MODIFIED"]
    name, model_id = lines[1].split()[:2]
    assert name == "emu-tiny:latest" and len(model_id) == 12
    assert lines[1].endswith(" ago    ")


def test_ls_filters_by_name_prefix(emu):
    assert len(run(["ls", "nothing-like-it"], emu.env).stdout.splitlines()) == 1


def test_list_fails_when_no_server_answers():
    # What the container role's health check relies on: no server, exit status 1.
    r = run(["list"], {"PATH": "/usr/bin:/bin", "OLLAMA_HOST": f"127.0.0.1:{free_port()}"})
    assert r.returncode == 1
    assert r.stderr == "Error: could not connect to ollama server, run 'ollama serve' to start it\n"


def test_human_bytes_and_time_follow_the_go_format():
    import datetime as dt

    from ollama_emulator.cli_list import human_bytes, human_time
    assert [human_bytes(b) for b in (999, 1000, 1500, 2_000_000_000, 12_345_678)] == [
        "999 B", "1 KB", "1.5 KB", "2 GB", "12 MB"]
    now = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
    assert human_time("2026-11-18T00:00:00Z", now) == "2 weeks ago"
    assert human_time("2026-12-01T23:59:00+00:00", now) == "About a minute ago"
