"""After playbooks/harden.yml: the outsider finds only an authenticated TLS proxy."""

import json
from pathlib import Path

import pytest
import yaml

LAB = yaml.safe_load((Path(__file__).resolve().parents[1] / "group_vars" / "all.yml").read_text())
CA = "/usr/local/share/aisec-proxy-ca.crt"


@pytest.fixture(scope="module")
def https(target_name):
    return f"https://{target_name}"


def curl(outsider, *args):
    return outsider.host.run("curl -sS --max-time 10 --cacert " + CA + " " + " ".join(args))


def test_ollama_listens_on_loopback_only(target):
    assert target.socket("tcp://127.0.0.1:11434").is_listening
    assert not target.socket("tcp://0.0.0.0:11434").is_listening


def test_outsider_cannot_reach_ollama_port(outsider, target_name):
    result = outsider.host.run(f"curl -sS --max-time 5 http://{target_name}:11434/")
    assert result.rc != 0


def test_outsider_probe_finds_nothing_open_on_11434(outsider, target_name):
    # The firewall drops 11434 (TIMEOUT, exit 3) or nothing listens (closed): never OPEN.
    run = outsider.host.run(f"ollama-outsider-probe --json --timeout 3 {target_name}:11434")
    report = json.loads(run.stdout)[0]
    assert not any(p["reachable"] for p in report["probes"])
    assert {p["state"] for p in report["probes"]} <= {"refused", "timeout"}, report["reason"]


def test_anonymous_request_to_the_proxy_is_refused(outsider, https):
    result = curl(outsider, "-o /dev/null -w '%{http_code}'", https + "/api/tags")
    assert result.stdout == "401"


def test_streaming_generate_works_through_the_proxy_to_loopback_ollama(outsider, https):
    # Proves the whole chain: TLS, the bearer key, the policy, and Ollama bound to loopback
    # accepting the proxy's upstream Host header.
    body = '{"model": "emu-tiny", "prompt": "alpha beta", "options": {"num_predict": 4}}'
    result = curl(outsider, "-N", "-H", f"'Authorization: Bearer {LAB['harden_lab_api_key']}'",
                  "-d", f"'{body}'", https + "/api/generate")
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 5, result.stdout + result.stderr
    assert lines[-1]["done"] is True
    assert "".join(line.get("response", "") for line in lines[:-1]).strip()


def test_management_endpoints_closed_with_credentials(outsider, https):
    auth = f"'Authorization: Bearer {LAB['harden_lab_api_key']}'"
    for method, path in (("DELETE", "/api/delete"), ("POST", "/api/pull"), ("POST", "/api/push"),
                         ("POST", "/api/create")):
        result = curl(outsider, "-o /dev/null -w '%{http_code}'", "-X", method, "-H", auth, "-d", "'{}'", https + path)
        assert result.stdout == "403", (method, path)


def test_model_kept_and_listed_through_the_proxy(outsider, https):
    result = curl(outsider, "-u", f"lab-harden-user:{LAB['harden_lab_password']}", https + "/api/tags")
    assert [m["name"] for m in json.loads(result.stdout)["models"]] == ["emu-tiny:latest"]


def test_audit_judges_the_host_hardened(outsider, https):
    report = json.loads(outsider.host.check_output("cat /tmp/ollama-audit.json"))
    verdicts = {t["target"]: t["verdict"] for t in report["targets"]}
    assert verdicts == {https: "hardened"}, verdicts


def test_audit_authenticated_pass_reaches_inference_with_the_bearer_key(outsider, https):
    # The audit's authenticated pass shares the proxy's rate-limit budget with the anonymous pass:
    # it must still see the inference profile open with the key (a 429 is never "closed").
    report = json.loads(outsider.host.check_output("cat /tmp/ollama-audit.json"))
    target = next(t for t in report["targets"] if t["target"] == https)
    assert target["reachable"]["authenticated"]["inference"] == "open", target.get("not_examined")
    assert target["reachable"]["authenticated"]["management"] == "blocked"


def test_audit_host_report_honours_the_inventory_switches(outsider, target_name):
    # audit_report_dir and audit_models: "false" come only from group_vars/all.yml.
    report = json.loads(outsider.host.check_output("cat /tmp/ollama-audit-hosts.json"))
    rows = {row["host"]: row for row in report["hosts"]}
    assert set(rows) == {target_name}
    row = rows[target_name]
    assert row["verdict"] == "pass" and not row["fails_gate"], row
    assert row["version"] == "0.32.15", row
    assert not any(note.startswith("model store") for note in row["notes"]), row
