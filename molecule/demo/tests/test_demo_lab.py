"""The demo lab shows two exposed servers, and the outsider's probe says so."""

import json

import pytest
from lab_hosts import fixture_model_names, hosts_of_kind

# Probes whose reachability proves the whole unauthenticated API is open.
MUST_BE_OPEN = {"banner", "version", "list models", "running models", "generate", "delete model", "pull model"}


@pytest.fixture(scope="module")
def probe_report(outsider):
    names = hosts_of_kind("target") + hosts_of_kind("target-podman")
    out = outsider.host.check_output("ollama-outsider-probe --json " + " ".join(names))
    return {report["target"]: report for report in json.loads(out)}


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
        opened = {p["probe"] for p in report["probes"] if p["reachable"]}
        assert MUST_BE_OPEN <= opened, f"{target}: only {sorted(opened)} reachable"


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
    # The probe must be able to say "closed": the client itself runs no Ollama.
    out = outsider.host.check_output("ollama-outsider-probe --json 127.0.0.1:11434")
    report = json.loads(out)[0]
    assert not any(p["reachable"] for p in report["probes"])
