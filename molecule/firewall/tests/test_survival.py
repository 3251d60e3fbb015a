"""Run last: the management session held since before the first converge, then a reboot."""

import subprocess
import time

from firewall_lab import file_hash, live_hash, reaches


def test_management_session_survived_every_converge_and_the_rollback(client):
    log = client.host.file("/tmp/mgmt-session.log").content_string.splitlines()
    assert log[0].startswith("OPEN SSH-2.0-aisec-lab-mgmt")
    assert not [line for line in log if line.startswith("BROKEN")]
    count, stamp, _pong = log[-1].split(" ", 2)
    assert int(count) > 60  # one ping a second since prepare: converge, idempotence, guards
    assert time.time() - int(stamp) < 10  # still answering now
    assert client.host.run("pgrep -f lab_mgmt_session").rc == 0


def test_table_comes_back_after_a_reboot(target, target_name, client, stranger):
    before = live_hash(target)
    # Restarting the container boots systemd in a fresh network namespace: only files survive.
    subprocess.run(["podman", "restart", "-t", "10", target_name], check=True, capture_output=True, timeout=120)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        state = target.run("systemctl is-system-running").stdout.strip()
        if state in ("running", "degraded"):
            break
        time.sleep(2)
    assert target.service("aisec-ollama-firewall").is_running
    assert live_hash(target) == before == file_hash(target)
    # The lab's stand-in on 443 is a python process that may still be starting on a busy host:
    # wait for it to listen, so the check below is about the rules, not about start-up speed.
    deadline = time.monotonic() + 30
    while not target.socket("tcp://0.0.0.0:443").is_listening and time.monotonic() < deadline:
        time.sleep(1)
    assert reaches(client, 443)
    assert not reaches(client, 11434)
    assert not reaches(stranger, 443)
