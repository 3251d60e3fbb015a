"""The host that runs Ollama as a container publishing 0.0.0.0:11434 (podman, DNAT)."""

import pytest
from firewall_lab import reaches
from lab_hosts import host

PODMAN_HOST = "firewall-podman"


@pytest.fixture(scope="module")
def podman_host():
    return host(PODMAN_HOST)


def address_of(outsider):
    return outsider.host.check_output("hostname -i").split()[0]


def fetch_from_ollama_container(podman_host, url):
    code = f"import urllib.request; print(urllib.request.urlopen('{url}', timeout=5).status)"
    return podman_host.run(f'podman exec ollama python3 -c "{code}"')


def test_published_ollama_port_is_closed_to_every_client(podman_host, client, stranger):
    assert podman_host.check_output("curl -s -m 5 http://127.0.0.1:11434/") == "Ollama is running"
    assert "0.0.0.0:11434->11434/tcp" in podman_host.check_output("podman ps --format '{{.Ports}}'")
    assert not reaches(client, 11434, target=PODMAN_HOST)
    assert not reaches(stranger, 11434, target=PODMAN_HOST)


def test_proxy_port_on_the_container_host_is_open_to_the_allowed_client_only(client, stranger):
    assert reaches(client, 443, target=PODMAN_HOST)
    assert not reaches(stranger, 443, target=PODMAN_HOST)


def test_ollama_container_reaches_only_the_allowed_egress_destination(podman_host, client, stranger):
    allowed = fetch_from_ollama_container(podman_host, f"http://{address_of(client)}:8080/")
    assert allowed.stdout.strip() == "200", allowed.stderr
    assert fetch_from_ollama_container(podman_host, f"http://{address_of(stranger)}:8080/").rc != 0


def test_container_egress_limits_leave_the_hosts_own_traffic_alone(podman_host, stranger):
    assert podman_host.check_output(f"curl -sS -m 5 -o /dev/null -w '%{{http_code}}' "
                                    f"http://{address_of(stranger)}:8080/") == "200"
