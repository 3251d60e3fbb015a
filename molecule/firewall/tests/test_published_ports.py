"""Ollama's port is closed whatever host port publishes it: the forward rule matches the port after
DNAT (the container's 11434), not the host port. prepare.yml publishes the emulator twice on the
container host: 11434:11434 (the README's form) and 18080:11434."""

import pytest
from firewall_lab import reaches
from lab_hosts import host

PODMAN_HOST = "firewall-podman"


@pytest.fixture(scope="module")
def podman_host():
    return host(PODMAN_HOST)


@pytest.mark.parametrize("host_port", [11434, 18080])
def test_ollama_published_on_any_host_port_is_closed_to_every_client(podman_host, client, stranger, host_port):
    # Ollama answers there on the host itself, so a closed port below is the firewall's doing.
    assert podman_host.check_output(f"curl -s -m 5 http://127.0.0.1:{host_port}/") == "Ollama is running"
    assert f"0.0.0.0:{host_port}->11434/tcp" in podman_host.check_output("podman ps --format '{{.Ports}}'")
    assert not reaches(client, host_port, target=PODMAN_HOST)
    assert not reaches(stranger, host_port, target=PODMAN_HOST)


def test_forward_chain_matches_the_translated_port(podman_host):
    forward = podman_host.check_output("nft list chain inet aisec_ollama forward")
    assert "ct status dnat tcp dport 11434 drop" in forward
