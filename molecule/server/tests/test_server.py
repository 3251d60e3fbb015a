"""The server role took the exposed host over: loopback only, sandboxed, pinned, models intact."""

import hashlib
import json

import pytest
from lab_hosts import FIXTURE_MODELS

MODELS_DIR = "/usr/share/ollama/.ollama/models"
EMU_TINY = "manifests/registry.ollama.ai/library/emu-tiny/latest"


def show(target, *props):
    out = target.check_output("systemctl show ollama --no-pager " + " ".join(f"-p {p}" for p in props))
    return dict(line.split("=", 1) for line in out.splitlines())


def read_json(target, path):
    return json.loads(target.file(path).content_string)


def test_ollama_listens_on_loopback_only(target):
    assert target.socket("tcp://127.0.0.1:11434").is_listening
    assert not target.socket("tcp://0.0.0.0:11434").is_listening
    listeners = target.check_output("ss -ltnH 'sport = :11434'")
    assert all(line.split()[3] == "127.0.0.1:11434" for line in listeners.splitlines())


def test_outsider_can_no_longer_connect(outsider, target_name):
    result = outsider.host.run(f"curl -sS --max-time 5 http://{target_name}:11434/")
    assert result.rc != 0
    assert "Connection refused" in result.stderr or "Failed to connect" in result.stderr


def test_effective_environment_is_the_managed_one(target):
    env = show(target, "Environment")["Environment"].split()
    assert "OLLAMA_HOST=127.0.0.1:11434" in env
    assert "OLLAMA_NO_CLOUD=true" in env
    assert "OLLAMA_DEBUG_LOG_REQUESTS=false" in env
    assert f"OLLAMA_MODELS={MODELS_DIR}" in env
    assert "OLLAMA_HOST=0.0.0.0" not in env


def test_conflicting_override_was_taken_over_with_a_backup(target):
    override = target.file("/etc/systemd/system/ollama.service.d/override.conf").content_string
    assert '# disabled by aisec.ollama (ollama_config)' in override
    backups = target.check_output("ls /etc/systemd/system/ollama.service.d/ | grep -c '^override.conf\\.' || true")
    assert int(backups) >= 1


def test_service_runs_sandboxed(target):
    props = show(target, "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
                 "RestrictAddressFamilies", "SystemCallFilter", "CapabilityBoundingSet", "ReadWritePaths",
                 "User", "ActiveState")
    assert props["ActiveState"] == "active"
    assert props["User"] == "ollama"
    assert props["NoNewPrivileges"] == "yes"
    assert props["ProtectSystem"] == "strict"
    assert props["ProtectHome"] == "yes"
    assert props["PrivateTmp"] == "yes"
    assert props["PrivateDevices"] == "yes"
    assert set(props["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"}
    assert props["SystemCallFilter"]  # @system-service expanded by systemd
    assert props["CapabilityBoundingSet"] == ""
    assert MODELS_DIR in props["ReadWritePaths"].split()


def test_server_process_has_no_capabilities(target):
    pid = show(target, "MainPID")["MainPID"]
    status = target.file(f"/proc/{pid}/status").content_string
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["CapBnd"].strip() == "0000000000000000"
    assert fields["NoNewPrivs"].strip() == "1"


def test_model_still_listed_with_the_same_digest(target):
    expected = hashlib.sha256((FIXTURE_MODELS / EMU_TINY).read_bytes()).hexdigest()
    tags = json.loads(target.check_output("curl -sS http://127.0.0.1:11434/api/tags"))
    listed = {m["name"]: m["digest"] for m in tags["models"]}
    assert listed.get("emu-tiny:latest") == expected


def test_unapproved_model_was_removed_and_shared_blobs_kept(target):
    assert not target.file(f"{MODELS_DIR}/manifests/registry.ollama.ai/library/rogue").exists
    tags = json.loads(target.check_output("curl -sS http://127.0.0.1:11434/api/tags"))
    assert [m["name"] for m in tags["models"]] == ["emu-tiny:latest"]
    for blob in (FIXTURE_MODELS / "blobs").iterdir():
        assert target.file(f"{MODELS_DIR}/blobs/{blob.name}").exists


def test_tampered_blob_is_reported_corrupt(target):
    report = read_json(target, "/root/aisec-tamper-report.json")
    corrupt = [(c["digest"], c["status"]) for c in report["corrupt"]]
    assert corrupt == [("sha256:e60b0b98d75f1782f47b875562ff8adef904f65a44c634a1bee633f12c4907e0", "sha256")]


@pytest.mark.parametrize("case", ["bad_host", "bad_sum"])
def test_bad_input_fails_and_leaves_the_host_as_it_was(target, case):
    checks = read_json(target, "/root/aisec-failure-checks.json")
    assert checks[f"{case}_failed"] is True, checks
    assert checks[f"{case}_unchanged"] is True, checks


def test_invalid_ollama_host_is_named_in_the_error(target):
    checks = read_json(target, "/root/aisec-failure-checks.json")
    assert "OLLAMA_HOST" in checks["bad_host_msg"]


def test_wrong_checksum_is_named_in_the_error(target):
    checks = read_json(target, "/root/aisec-failure-checks.json")
    assert "checksum" in checks["bad_sum_msg"].lower()


def test_downgrade_switched_the_binary_and_the_version_check_ran(target):
    assert target.file("/usr/local/bin/ollama").linked_to == "/opt/ollama/0.32.15/bin/ollama"
    assert target.file("/opt/ollama/0.33.0/bin/ollama").exists  # the upgrade before it
    assert target.check_output("ollama -v").startswith("ollama version is 0.32.15")
    check = read_json(target, "/root/aisec-version-check.json")
    assert check["version"] == "0.32.15" and check["source"] == "binary"
    assert check["gate_reasons"] == []
