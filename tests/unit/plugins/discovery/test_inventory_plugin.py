# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The aisec.ollama.ollama_discovery inventory plugin as a user runs it: `ansible-inventory --list`
on a `*.ollama_discovery.yml` source pointed at the lab (conftest.py)."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from discovery_lab import NET

REPO = Path(__file__).resolve().parents[4]
BIN = Path(sys.executable).parent


def inventory(tmp_path, source, name="lab.ollama_discovery.yml", *extra):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(source))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=sysconfig.get_paths()["purelib"], ANSIBLE_NOCOLOR="1",
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_INVENTORY_UNPARSED_FAILED="true",
               ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true")
    return subprocess.run([str(BIN / "ansible-inventory"), "-i", str(path), "--list", "--export", *extra],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def plain(value):
    """ansible-inventory's JSON without its trust markers ({"__ansible_unsafe": "x"} -> "x")."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def listing(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return plain(json.loads(result.stdout))


def hosts_of(data, group):
    return sorted(data.get(group, {}).get("hosts", []))


@pytest.fixture(scope="module")
def source(lab):
    return {"plugin": "aisec.ollama.ollama_discovery", "networks": [f"{NET}.0/28"], "ports": [lab["exposed"][1]],
            "timeout": 0.5}


def test_groups_and_hostvars(tmp_path, lab, source):
    data = listing(inventory(tmp_path, source))
    assert hosts_of(data, "ollama_exposed") == sorted([lab["exposed"][0], lab["tls_exposed"][0]])
    assert hosts_of(data, "ollama_protected") == sorted([lab["realm_ollama"][0], lab["version_open"][0]])
    assert hosts_of(data, "ollama_unidentified") == [lab["realm_other"][0]]
    hostvars = data["_meta"]["hostvars"]
    for role in ("web_page", "silent", "nothing"):
        assert lab[role][0] not in hostvars, f"{role} is not Ollama and must not be a host"
    exposed = hostvars[lab["exposed"][0]]
    assert exposed["ansible_host"] == lab["exposed"][0]
    assert exposed["ollama_discovery"]["endpoints"] == [{
        "port": lab["exposed"][1], "scheme": "http", "verdict": "exposed", "version": "0.32.15",
        "models_visible": 1, "identified_by": "/api/version answered 0.32.15"}]
    assert hostvars[lab["tls_exposed"][0]]["ollama_discovery"]["endpoints"][0]["scheme"] == "https"


def test_constructed_options(tmp_path, lab, source):
    data = listing(inventory(tmp_path, dict(
        source,
        compose={"ollama_port": "ollama_discovery.endpoints[0].port"},
        groups={"tls_fronted": "ollama_discovery.endpoints | selectattr('scheme', 'eq', 'https') | list | length > 0"},
        keyed_groups=[{"key": "ollama_discovery.endpoints[0].version | default('unknown', true)",
                       "prefix": "ollama_version"}])))
    assert hosts_of(data, "tls_fronted") == [lab["tls_exposed"][0]]
    assert lab["exposed"][0] in hosts_of(data, "ollama_version_0_32_15")
    assert lab["realm_ollama"][0] in hosts_of(data, "ollama_version_unknown")
    assert data["_meta"]["hostvars"][lab["exposed"][0]]["ollama_port"] == lab["exposed"][1]


def test_cache_is_written_and_read_back(tmp_path, start_emulator):
    """A server found once stays in the cached inventory after it stops; --flush-cache scans again."""
    emulator = start_emulator(bind="127.0.4.2")
    cached = {"plugin": "aisec.ollama.ollama_discovery", "networks": ["127.0.4.2"], "ports": [emulator.port],
              "timeout": 0.5, "cache": True, "cache_plugin": "ansible.builtin.jsonfile",
              "cache_connection": str(tmp_path / "cache"), "cache_timeout": 600}
    assert hosts_of(listing(inventory(tmp_path, cached)), "ollama_exposed") == ["127.0.4.2"]
    emulator.stop()
    assert hosts_of(listing(inventory(tmp_path, cached)), "ollama_exposed") == ["127.0.4.2"]
    assert hosts_of(listing(inventory(tmp_path, cached, "lab.ollama_discovery.yml", "--flush-cache")),
                    "ollama_exposed") == []


@pytest.mark.parametrize("change, message", [
    ({"networks": ["10.0.0.0/8"]}, "16777216 addresses, more than max_addresses"),
    ({"networks": ["not-an-address"]}, "'not-an-address' is not an address or CIDR"),
    ({"timeout": 0}, "timeout must be above 0"),
])
def test_bad_source_fails_with_the_reason(tmp_path, source, change, message):
    result = inventory(tmp_path, dict(source, **change))
    assert result.returncode != 0
    assert message in " ".join((result.stdout + result.stderr).split())


def test_other_file_names_are_not_taken(tmp_path, source):
    result = inventory(tmp_path, source, "lab.yml")
    assert result.returncode != 0  # no plugin accepts it: the source stays unparsed
    assert "ollama_exposed" not in result.stdout
