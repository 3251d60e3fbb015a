"""Issue 11 (server items): running state verified and repaired, insecure settings in other unit
files, a container host refused, a custom models directory on a fresh host."""

import json

import pytest
from lab_hosts import host, hosts_of_kind


def show(h, *props):
    out = h.check_output("systemctl show ollama --no-pager " + " ".join(f"-p {p}" for p in props))
    return dict(line.split("=", 1) for line in out.splitlines())


def process_env(h):
    pid = show(h, "MainPID")["MainPID"]
    # root in a container has no CAP_SYS_PTRACE: read it as the service's own user
    raw = h.check_output(f"runuser -u ollama -- cat /proc/{pid}/environ | tr '\\0' '\\n'")
    return dict(line.split("=", 1) for line in raw.splitlines() if "=" in line)


def read_json(h, path):
    return json.loads(h.file(path).content_string)


@pytest.fixture(scope="module")
def podman_host():
    return host(hosts_of_kind("target-podman")[0])


def test_process_runs_without_settings_from_other_dropins_and_env_files(target):
    env = process_env(target)
    assert "OLLAMA_ORIGINS" not in env  # was * in 10-cors.conf, a drop-in BEFORE aisec.conf
    assert env["OLLAMA_DEBUG_LOG_REQUESTS"] == "false"  # was 1 in EnvironmentFile=/etc/default/ollama
    assert env["OLLAMA_HOST"] == "127.0.0.1:11434"
    assert env["OLLAMA_NO_CLOUD"] == "true"


def test_insecure_lines_in_other_files_were_commented_out_with_backups(target):
    cors = target.file("/etc/systemd/system/ollama.service.d/10-cors.conf").content_string
    assert "# disabled by aisec.ollama (ollama_config)" in cors
    assert "EnvironmentFile=-/etc/default/ollama" in cors
    envfile = target.file("/etc/default/ollama").content_string
    assert "# disabled by aisec.ollama (ollama_config)" in envfile
    backups = target.check_output("ls /etc/systemd/system/ollama.service.d/ | grep -c '^10-cors.conf\\.' || true")
    assert int(backups) >= 1
    assert int(target.check_output("ls /etc/default/ | grep -c '^ollama\\.' || true")) >= 1


def test_half_applied_host_was_restarted_by_the_rerun(target):
    repair = read_json(target, "/root/aisec-repair.json")
    assert "0.0.0.0:11434" in repair["listeners_before"], repair  # the lie the old role accepted
    assert repair["config_changed"] is False, repair  # nothing on disk to change ...
    assert repair["restarted"] is True, repair  # ... and still restarted, from the running state
    listeners = target.check_output("ss -ltnH 'sport = :11434'").splitlines()
    assert [line.split()[3] for line in listeners] == ["127.0.0.1:11434"]


def test_container_host_is_refused_before_any_change(podman_host):
    check = read_json(podman_host, "/root/aisec-container-check.json")
    assert check["failed"] is True, check
    assert check["unchanged"] is True, check
    assert "container" in check["msg"] and '"ollama"' in check["msg"], check["msg"]
    assert "aisec.ollama.container" in check["msg"]


def test_fresh_host_with_custom_models_dir_runs_sandboxed(podman_host):
    props = show(podman_host, "ActiveState", "ReadWritePaths", "NRestarts")
    assert props["ActiveState"] == "active", props
    assert "/srv/ollama-models" in props["ReadWritePaths"].split()
    home = podman_host.file("/usr/share/ollama/.ollama")
    assert home.is_directory and home.user == "ollama"
    assert process_env(podman_host)["OLLAMA_MODELS"] == "/srv/ollama-models"
    assert podman_host.socket("tcp://127.0.0.1:11434").is_listening
