# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The discovery lab: the Ollama emulator and the servers of discovery_lab.py, each on its own
127.0.3.x address and all on one port, started once per test module."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from discovery_lab import NET, Servers, port_free_on
from harness import emulators


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """{role: (address, port)} of the running lab; every server on the same port."""
    tmp = tmp_path_factory.mktemp("discovery-lab")
    roles = {"exposed": 2, "realm_ollama": 3, "realm_other": 4, "version_open": 5, "web_page": 6,
             "silent": 7, "tls_exposed": 8, "nothing": 9}
    addresses = {role: f"{NET}.{n}" for role, n in roles.items()}
    port = port_free_on(list(addresses.values()))
    servers = Servers()
    with emulators(tmp) as start:
        emulator = start(bind=addresses["exposed"], port=port)
        upstream = (emulator.address, emulator.port)
        servers.front(addresses["realm_ollama"], port, realm="Ollama")
        servers.front(addresses["realm_other"], port, realm="Restricted area")
        servers.front(addresses["version_open"], port, realm=None, passed_paths=("/api/version", "/"),
                      upstream=upstream)
        servers.web_page(addresses["web_page"], port)
        servers.silent(addresses["silent"], port)
        servers.front(addresses["tls_exposed"], port, passed_paths=("/api/version", "/", "/api/tags"),
                      upstream=upstream, tls_dir=tmp)
        try:
            yield {role: (address, port) for role, address in addresses.items()}
        finally:
            servers.stop()
