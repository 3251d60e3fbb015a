"""The model store: Ollama's on-disk layout, tags/show/delete/copy/create really act on it."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from harness import EMU_DIR, MANIFEST_REL


def test_fixture_store_verifies_every_blob_hash_and_size():
    r = subprocess.run([sys.executable, str(EMU_DIR / "fixtures" / "make_fixture.py"), "--verify"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr


def test_fixture_model_layer_starts_with_gguf_magic(emu):
    import json

    manifest = json.loads((emu.models / MANIFEST_REL).read_text())
    model = next(x for x in manifest["layers"] if x["mediaType"] == "application/vnd.ollama.image.model")
    assert (emu.models / "blobs" / model["digest"].replace(":", "-")).read_bytes()[:4] == b"GGUF"


def test_tags_digest_is_sha256_of_the_manifest_file(emu):
    expected = hashlib.sha256((emu.models / MANIFEST_REL).read_bytes()).hexdigest()
    models = emu.request("GET", "/api/tags").json()["models"]
    assert [m["name"] for m in models] == ["emu-tiny:latest"]
    assert models[0]["digest"] == expected
    assert models[0]["model"] == "emu-tiny:latest"
    assert models[0]["details"]["format"] == "gguf"


def test_tags_size_is_the_sum_of_layer_and_config_sizes(emu):
    import json

    manifest = json.loads((emu.models / MANIFEST_REL).read_text())
    total = sum(x["size"] for x in [*manifest["layers"], manifest["config"]])
    assert emu.request("GET", "/api/tags").json()["models"][0]["size"] == total


def test_show_returns_template_system_and_details(emu):
    r = emu.request("POST", "/api/show", {"model": "emu-tiny"})
    assert r.status == 200
    body = r.json()
    assert "{{ .Prompt }}" in body["template"]
    assert body["system"].startswith("You are emu-tiny")
    assert body["details"]["family"] == "emu"
    assert "modelfile" in body and "capabilities" in body


def test_show_without_model_is_400_model_is_required(emu):
    r = emu.request("POST", "/api/show", {})
    assert r.status == 400 and r.json() == {"error": "model is required"}


def test_copy_creates_the_destination_manifest(emu):
    r = emu.request("POST", "/api/copy", {"source": "emu-tiny", "destination": "emu-copy:v1"})
    assert r.status == 200 and r.body == b""
    dst = emu.models / "manifests/registry.ollama.ai/library/emu-copy/v1"
    assert dst.read_bytes() == (emu.models / MANIFEST_REL).read_bytes()
    names = {m["name"] for m in emu.request("GET", "/api/tags").json()["models"]}
    assert names == {"emu-tiny:latest", "emu-copy:v1"}


def test_copy_of_missing_source_is_404(emu):
    r = emu.request("POST", "/api/copy", {"source": "nope", "destination": "x"})
    assert r.status == 404 and r.json() == {"error": 'model "nope" not found'}


def test_delete_removes_the_manifest_and_its_unreferenced_blobs(emu):
    assert emu.request("DELETE", "/api/delete", {"model": "emu-tiny"}).status == 200
    assert not (emu.models / MANIFEST_REL).exists()
    assert list((emu.models / "blobs").iterdir()) == []
    assert emu.request("GET", "/api/tags").json() == {"models": []}


def test_delete_keeps_blobs_still_used_by_another_model(emu):
    emu.request("POST", "/api/copy", {"source": "emu-tiny", "destination": "other"})
    blobs = sorted(p.name for p in (emu.models / "blobs").iterdir())
    assert emu.request("DELETE", "/api/delete", {"model": "emu-tiny"}).status == 200
    assert sorted(p.name for p in (emu.models / "blobs").iterdir()) == blobs
    assert emu.request("POST", "/api/show", {"model": "other"}).status == 200


def test_create_from_an_existing_model_with_a_system_prompt(emu):
    r = emu.request("POST", "/api/create", {"model": "emu-pirate", "from": "emu-tiny", "system": "Arr.",
                                            "stream": False})
    assert r.status == 200 and r.json() == {"status": "success"}
    show = emu.request("POST", "/api/show", {"model": "emu-pirate"}).json()
    assert show["system"] == "Arr."
    assert (emu.models / "manifests/registry.ollama.ai/library/emu-pirate/latest").exists()


def test_create_without_from_or_files_is_400(emu):
    r = emu.request("POST", "/api/create", {"model": "x"})
    assert r.status == 400 and r.json() == {"error": "neither 'from' or 'files' was specified"}


def test_unreferenced_blobs_are_pruned_at_start_unless_noprune(start_emulator, tmp_path):
    import shutil

    from harness import FIXTURE

    for sub, env, survives in (("p", {}, False), ("n", {"OLLAMA_NOPRUNE": "1"}, True)):
        models = tmp_path / sub / "models"
        shutil.copytree(FIXTURE, models)
        orphan = models / "blobs" / ("sha256-" + "1" * 64)
        orphan.write_bytes(b"orphan")
        start_emulator(env, sub=sub)
        assert orphan.exists() is survives
