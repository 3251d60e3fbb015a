"""What the benchmarks that run against a molecule lab share: podman calls and applying a
playbook to one lab container with the project's venv."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def podman(*args: str) -> str:
    """podman ARGS' output; exits the benchmark with podman's error when it fails."""
    result = subprocess.run(["podman", *args], check=False, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"podman {' '.join(args[:3])} failed: {result.stderr[-2000:]}")
    return result.stdout


def run_venv_tool(tool: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run one of the venv's tools (ansible-playbook, molecule) from the project root, the venv first
    on PATH (the tools call each other), with extra environment variables; output captured."""
    venv_bin = ROOT / ".venv" / "bin"
    full_env = dict(os.environ, PATH=f"{venv_bin}:{os.environ['PATH']}", **env)
    return subprocess.run([str(venv_bin / tool), *args], cwd=ROOT, env=full_env, check=False,
                          capture_output=True, text=True)


def apply_playbook(target: str, playbook: str) -> None:
    """Run the playbook text against the lab container `target` (podman connection)."""
    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp, "inventory.yml")
        inventory.write_text(f"all:\n  hosts:\n    {target}:\n      ansible_connection: containers.podman.podman\n")
        path = Path(tmp, "bench.yml")
        path.write_text(playbook)
        result = run_venv_tool("ansible-playbook", "-i", str(inventory), str(path), ANSIBLE_PIPELINING="true")
        if result.returncode:
            sys.exit(f"applying the benchmark settings failed:\n{result.stdout[-3000:]}")
