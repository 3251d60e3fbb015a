"""pytest plugin for molecule verify steps: the scenario's hosts as testinfra hosts.

Hosts are reached with testinfra's native podman backend (podman://NAME), which is
far faster than going through the Ansible inventory. Load it from a scenario's
tests/conftest.py with ``pytest_plugins = ["lab_hosts"]``.
"""

import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import testinfra
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
FIXTURE_MODELS = PROJECT_DIR / "tests" / "emulator" / "fixtures" / "models"


def _inventory():
    """The inventory molecule/shared/create.yml wrote for this scenario."""
    ephemeral = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    path = Path(ephemeral or ".", "inventory", "molecule_inventory.yml")
    if not ephemeral or not path.exists():
        pytest.fail(f"{path} not found: run these tests through `molecule verify` after `molecule create`")
    return yaml.safe_load(path.read_text())


def hosts_of_kind(kind):
    hosts = _inventory()["all"]["children"]["molecule"]["hosts"]
    return [name for name, hostvars in hosts.items() if hostvars.get("lab_kind") == kind]


def hosts_in_group(group):
    return list(_inventory()["all"]["children"].get(group, {}).get("hosts", {}))


def host(name):
    return testinfra.get_host(f"podman://{name}")


@dataclass
class Response:
    status: int
    body: str
    headers: str


class Outsider:
    """The client container: every request crosses the scenario network."""

    def __init__(self, name):
        self.name = name
        self.host = host(name)

    def request(self, url, method="GET", body=None, headers=(), timeout=10, cacert=None):
        marker = "\n__AISEC_STATUS__"
        args = ["curl", "-sS", "-D", "/dev/stderr", "-o", "-", "-w", marker + "%{http_code}",
                "-X", method, "--max-time", str(timeout)]
        for header in headers:
            args += ["-H", header]
        if cacert:
            args += ["--cacert", cacert]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "--data-binary", body]
        result = self.host.run(shlex.join([*args, url]))
        out, _marker, status = result.stdout.rpartition(marker)
        if not status.isdigit():
            raise AssertionError(f"curl to {url} failed: rc={result.rc} {result.stderr.strip()}")
        return Response(int(status), out, result.stderr)

    def json(self, url, **kwargs):
        response = self.request(url, **kwargs)
        return response.status, json.loads(response.body) if response.body else None


def fixture_manifests():
    """Model name as Ollama lists it -> its manifest file, from the shipped fixture store."""
    manifests = {}
    for tag_file in sorted((FIXTURE_MODELS / "manifests").glob("*/*/*/*")):
        registry, namespace, model, tag = tag_file.relative_to(FIXTURE_MODELS / "manifests").parts
        prefix = "" if (registry, namespace) == ("registry.ollama.ai", "library") else f"{registry}/{namespace}/"
        manifests[f"{prefix}{model}:{tag}"] = tag_file
    return manifests


def fixture_model_names():
    """Model names as Ollama lists them, derived from the shipped fixture store."""
    return list(fixture_manifests())


@pytest.fixture(scope="session")
def targets():
    return [host(name) for name in hosts_of_kind("target") + hosts_of_kind("target-podman")]


@pytest.fixture(scope="session")
def target():
    names = hosts_of_kind("target")
    assert names, "this scenario has no host of kind 'target'"
    return host(names[0])


@pytest.fixture(scope="session")
def target_name():
    return hosts_of_kind("target")[0]


@pytest.fixture(scope="session")
def outsider():
    names = hosts_of_kind("client")
    assert names, "this scenario has no host of kind 'client'"
    return Outsider(names[0])
