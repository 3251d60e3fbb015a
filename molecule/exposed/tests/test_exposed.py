"""The exposed host looks exactly like a native install people leave open."""

import uuid

import pytest
from lab_hosts import fixture_model_names

MODELS_DIR = "/usr/share/ollama/.ollama/models"


@pytest.fixture(scope="module")
def base_url(target_name):
    return f"http://{target_name}:11434"


def test_install_script_layout_is_in_place(target):
    assert target.file("/usr/local/bin/ollama").mode & 0o111
    user = target.user("ollama")
    assert user.home == "/usr/share/ollama"
    assert user.shell == "/bin/false"
    unit = target.file("/etc/systemd/system/ollama.service").content_string
    assert "ExecStart=/usr/local/bin/ollama serve" in unit
    assert "User=ollama" in unit
    assert target.file(f"{MODELS_DIR}/manifests").is_directory
    assert target.file(f"{MODELS_DIR}/blobs").user == "ollama"


def test_ollama_runs_as_its_user_and_listens_on_every_interface(target):
    service = target.service("ollama")
    assert service.is_running
    assert service.is_enabled
    assert target.socket("tcp://0.0.0.0:11434").is_listening
    assert target.process.get(comm="python3", user="ollama") is not None


def test_cli_reports_the_server_version(target):
    out = target.check_output("ollama -v")
    assert out.startswith("ollama version is ")


def test_outsider_sees_the_banner(outsider, base_url):
    response = outsider.request(base_url + "/")
    assert response.status == 200
    assert response.body == "Ollama is running"


def test_outsider_lists_the_models(outsider, base_url):
    status, body = outsider.json(base_url + "/api/tags")
    assert status == 200
    listed = sorted(model["name"] for model in body["models"])
    assert listed == sorted(fixture_model_names())


def test_outsider_reads_the_version(outsider, base_url):
    status, body = outsider.json(base_url + "/api/version")
    assert status == 200
    assert body["version"]


def test_outsider_reaches_model_deletion(outsider, base_url):
    # A model that does not exist: Ollama answers 404 "not found" from its
    # handler, which proves the route is reachable without deleting anything.
    missing = f"aisec-probe-{uuid.uuid4().hex[:8]}"
    response = outsider.request(base_url + "/api/delete", method="DELETE", body=f'{{"model": "{missing}"}}')
    assert response.status == 404
    assert "not found" in response.body
    status, body = outsider.json(base_url + "/api/tags")
    assert status == 200
    assert sorted(m["name"] for m in body["models"]) == sorted(fixture_model_names())
