"""What the benchmarks that run against a molecule lab share: podman calls and applying a
playbook to one lab container with the project's venv."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
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


def remove_lab(containers: list[str], network: str | None = None) -> None:
    """Remove the containers (and the network) if they exist; no error when they do not. A booted
    systemd target is not always gone after one `podman rm -f`: ask again until it is."""
    left, error = list(containers), ""
    for _attempt in range(10):
        if left:
            error = subprocess.run(["podman", "rm", "-f", "-t", "2", *left], check=False, capture_output=True,
                                   text=True).stderr
        left = [c for c in left if subprocess.run(["podman", "container", "exists", c], check=False).returncode == 0]
        if not left:
            break
        time.sleep(2)
    else:
        sys.exit(f"podman rm could not remove {left}: {error[-1000:]}")
    if network:
        subprocess.run(["podman", "network", "rm", "-f", network], check=False, capture_output=True)


def ensure_network(network: str) -> None:
    if subprocess.run(["podman", "network", "exists", network], check=False).returncode:
        podman("network", "create", network)


def start_targets(names: list[str], network: str, image: str = "localhost/aisec-target:latest",
                  capabilities: tuple[str, ...] = ("NET_ADMIN",), label: str = "bench") -> None:
    """Start fresh systemd target containers (as molecule/shared/create.yml starts kind `target`:
    systemd always, NET_ADMIN for the firewall's nftables) on the network; wait until they booted."""
    remove_lab(names)
    ensure_network(network)
    caps = [f"--cap-add={cap}" for cap in capabilities]
    for name in names:
        podman("run", "-d", "--name", name, "--hostname", name, "--network", network, "--systemd=always",
               *caps, "--label", f"aisec.lab={label}", image)
    for name in names:
        wait_booted(name)


def start_client(name: str, network: str, image: str = "localhost/aisec-client:latest", label: str = "bench") -> str:
    """Start a fresh client container (no systemd, --init) on the network; its address there."""
    remove_lab([name])
    ensure_network(network)
    podman("run", "-d", "--init", "--name", name, "--hostname", name, "--network", network,
           "--label", f"aisec.lab={label}", image)
    return address(name, network)


def address(name: str, network: str) -> str:
    """The container's IPv4 address on the network."""
    return podman("inspect", "-f", f'{{{{(index .NetworkSettings.Networks "{network}").IPAddress}}}}', name).strip()


def wait_booted(name: str, attempts: int = 60) -> None:
    """Wait until systemd in the container is up (running or degraded)."""
    state = ""
    for _attempt in range(attempts):
        result = subprocess.run(["podman", "exec", name, "systemctl", "is-system-running", "--wait"],
                                check=False, capture_output=True, text=True)
        state = result.stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(1)
    sys.exit(f"{name}: systemd did not finish booting (last state: {state!r})")
