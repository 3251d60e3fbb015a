"""The demo lab shows two exposed servers, and the outsider's probe says so."""

import json
import subprocess

import pytest
from lab_hosts import PROJECT_DIR, fixture_model_names, hosts_of_kind

# Probes whose reachability proves the whole unauthenticated API is open.
MUST_BE_OPEN = {"banner", "version", "list models", "running models", "generate", "delete model", "pull model"}


@pytest.fixture(scope="module")
def probe_run(outsider):
    names = hosts_of_kind("target") + hosts_of_kind("target-podman")
    return outsider.host.run("ollama-outsider-probe --json " + " ".join(names))


@pytest.fixture(scope="module")
def probe_report(probe_run):
    return {report["target"]: report for report in json.loads(probe_run.stdout)}


def test_outsider_examined_both_servers(probe_run, probe_report):
    # A name that does not resolve (no DNS on the lab network), no route or a timeout is a
    # failure of the lab, never "closed": the probe exits non-zero and says why.
    assert probe_run.rc == 0, probe_run.stderr
    for target, report in probe_report.items():
        assert report["examined"], f"{target}: {report['reason']}"


def test_both_kinds_of_install_are_in_the_lab():
    assert hosts_of_kind("target") and hosts_of_kind("target-podman")


def test_container_install_runs_the_image_as_documented(targets):
    docker_host = next(t for t in targets if t.run("command -v podman").rc == 0)
    inspect = json.loads(docker_host.check_output("podman container inspect ollama"))[0]
    assert inspect["State"]["Running"]
    assert "OLLAMA_HOST=0.0.0.0:11434" in inspect["Config"]["Env"]
    bindings = inspect["HostConfig"]["PortBindings"]["11434/tcp"]
    assert bindings[0]["HostIp"] in ("", "0.0.0.0")


def test_outsider_reaches_every_exposed_server(probe_report):
    assert len(probe_report) == 2
    for target, report in probe_report.items():
        opened = {p["probe"] for p in report["probes"] if p["state"] == "open"}
        assert MUST_BE_OPEN <= opened, f"{target}: only {sorted(opened)} reachable ({report['reason']})"


def test_probe_reports_what_each_server_discloses(probe_report):
    for target, report in probe_report.items():
        assert sorted(report["disclosed"]["models"]) == sorted(fixture_model_names()), target
        assert report["disclosed"]["version"], target


def test_outsider_sees_the_models_of_both(outsider):
    for name in hosts_of_kind("target") + hosts_of_kind("target-podman"):
        status, body = outsider.json(f"http://{name}:11434/api/tags")
        assert status == 200
        assert sorted(m["name"] for m in body["models"]) == sorted(fixture_model_names())


def test_probe_reports_a_closed_port_as_closed(outsider):
    # The probe must be able to say "closed": the client itself runs no Ollama (refused).
    out = outsider.host.check_output("ollama-outsider-probe --json 127.0.0.1:11434")
    report = json.loads(out)[0]
    assert {p["state"] for p in report["probes"]} == {"refused"}
    assert report["examined"]


def test_probe_says_when_a_name_does_not_resolve(outsider):
    run = outsider.host.run("ollama-outsider-probe aisec-demo-no-such-host")
    assert run.rc == 3
    assert "UNRESOLVED" in run.stdout and "closed" not in run.stdout.replace("what is closed here", "")
    assert "could not examine" in run.stderr


def test_discovery_from_the_lab_network_finds_both_servers_exposed(tmp_path):
    # make demo's step 2: the inventory plugin sweeps the lab network from the controller (podman's
    # bridge gateway, excluded), as scripts/demo.sh writes its source.
    network = json.loads(subprocess.check_output(["podman", "network", "inspect", "aisec-demo"]))[0]
    subnet = (network.get("subnets") or network["plugins"][0]["ipam"]["ranges"][0])[0]
    source = tmp_path / "lab.ollama_discovery.yml"
    source.write_text(
        "plugin: aisec.ollama.ollama_discovery\n"
        f"networks: [{subnet['subnet']}]\nexclude: [{subnet['gateway']}]\nports: [11434, 443]\ntimeout: 1.0\n"
    )
    listed = json.loads(subprocess.check_output(["ansible-inventory", "-i", str(source), "--list"], cwd=PROJECT_DIR))
    addresses = {
        name: json.loads(subprocess.check_output(["podman", "inspect", name]))[0]["NetworkSettings"]["Networks"][
            "aisec-demo"
        ]["IPAddress"]
        for name in hosts_of_kind("target") + hosts_of_kind("target-podman")
    }
    assert sorted(listed["ollama_exposed"]["hosts"]) == sorted(addresses.values())
    for address in addresses.values():
        endpoints = listed["_meta"]["hostvars"][address]["ollama_discovery"]["endpoints"]
        assert [(e["port"], _plain(e["verdict"])) for e in endpoints] == [(11434, "exposed")], endpoints


def _plain(value):
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value
