"""Debian 13 (podman 5): the serving slot is a Quadlet unit, started at boot; the retired slot left none."""

import json

import pytest
from lab_hosts import host, hosts_of_kind

QUADLET_DIR = "/etc/containers/systemd"


@pytest.fixture(scope="module", params=hosts_of_kind("target-podman"))
def node(request):
    return host(request.param)


@pytest.fixture(scope="module")
def slot(node):
    names = node.check_output("podman ps --filter label=aisec.ollama.slot --format '{{.Names}}'").split()
    assert len(names) == 1, names
    return names[0]


def show(node, unit, *properties):
    args = " ".join(f"-p {p}" for p in properties)
    lines = node.check_output(f"systemctl show {args} {unit}").splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_podman_has_quadlet(node):
    version = node.check_output("podman version --format '{{.Client.Version}}'")
    assert tuple(int(p) for p in version.split(".")[:2]) >= (4, 4), version


def test_serving_slot_is_generated_from_its_container_file(node, slot):
    props = show(node, f"{slot}.service", "SourcePath", "FragmentPath", "ActiveState", "UnitFileState")
    assert props["SourcePath"] == f"{QUADLET_DIR}/{slot}.container", props
    assert props["FragmentPath"] == f"/run/systemd/generator/{slot}.service", props
    assert props["ActiveState"] == "active", props
    assert not node.file(f"/etc/systemd/system/{slot}.service").exists


def test_serving_slot_starts_at_boot(node, slot):
    assert "[Install]" in node.file(f"{QUADLET_DIR}/{slot}.container").content_string
    assert node.file(f"/run/systemd/generator/multi-user.target.wants/{slot}.service").exists


def test_only_the_serving_slot_has_a_unit(node, slot):
    files = node.check_output(f"find {QUADLET_DIR} -name '*.container' -printf '%f\\n'").split()
    assert files == [f"{slot}.container"], files
    other = "aisec-ollama-b" if slot.endswith("-a") else "aisec-ollama-a"
    assert show(node, f"{other}.service", "LoadState")["LoadState"] == "not-found"


def test_container_belongs_to_its_unit(node, slot):
    labels = json.loads(node.check_output(f"podman inspect --format '{{{{json .Config.Labels}}}}' {slot}"))
    assert labels.get("PODMAN_SYSTEMD_UNIT") == f"{slot}.service", labels
