"""Routes, status codes and bodies from ollama.md (server/routes.go)."""

from __future__ import annotations

import hashlib

import pytest

ZERO_DIGEST = "sha256:" + "0" * 64


def test_banner_get_and_head_answer_ollama_is_running(emu):
    r = emu.request("GET", "/")
    assert (r.status, r.body) == (200, b"Ollama is running")
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    h = emu.request("HEAD", "/")
    assert (h.status, h.body) == (200, b"")
    assert h.header("Content-Length") == "17"


def test_version_route_reports_the_configured_version(start_emulator):
    emu = start_emulator({"OLLAMA_EMULATOR_VERSION": "0.1.33"})
    r = emu.request("GET", "/api/version")
    assert r.status == 200 and r.json() == {"version": "0.1.33"}
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    assert emu.request("HEAD", "/api/version").status == 200


def test_default_version_is_0_32_15(emu):
    assert emu.request("GET", "/api/version").json() == {"version": "0.32.15"}


def test_responses_carry_a_date_and_no_server_header(emu):
    r = emu.request("GET", "/api/version")
    assert r.header("Date")
    assert r.header("Server") is None


def test_unknown_path_is_404_page_not_found(emu):
    r = emu.request("GET", "/no/such/path")
    assert (r.status, r.body) == (404, b"404 page not found")


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/pull"), ("POST", "/api/tags"), ("GET", "/api/generate"),
                                              ("PUT", "/"), ("POST", "/api/ps")])
def test_known_path_with_wrong_method_is_405(emu, method, path):
    r = emu.request(method, path)
    assert (r.status, r.body) == (405, b"405 method not allowed")


@pytest.mark.parametrize(("version", "status"), [("0.16.1", 404), ("0.16.2", 200), ("0.32.15", 200)])
def test_status_route_exists_from_0_16_2(start_emulator, version, status):
    emu = start_emulator({"OLLAMA_EMULATOR_VERSION": version})
    r = emu.request("GET", "/api/status")
    assert r.status == status
    if status == 200:
        assert r.json()["cloud"]["disabled"] is False


ROUTE_TABLE = [
    ("GET", "/"), ("HEAD", "/"), ("GET", "/api/version"), ("HEAD", "/api/version"), ("GET", "/api/status"),
    ("GET", "/api/tags"), ("HEAD", "/api/tags"), ("GET", "/api/ps"), ("POST", "/api/show"),
    ("POST", "/api/generate"), ("POST", "/api/chat"), ("POST", "/api/embed"), ("POST", "/api/embeddings"),
    ("POST", "/v1/chat/completions"), ("POST", "/v1/completions"), ("POST", "/v1/embeddings"),
    ("POST", "/v1/responses"), ("POST", "/v1/audio/transcriptions"), ("POST", "/v1/messages"),
    ("GET", "/v1/models"), ("GET", "/v1/models/emu-tiny"), ("POST", "/api/pull"), ("POST", "/api/push"),
    ("POST", "/api/create"), ("POST", "/api/copy"), ("DELETE", "/api/delete"), ("POST", f"/api/blobs/{ZERO_DIGEST}"),
    ("HEAD", f"/api/blobs/{ZERO_DIGEST}"), ("POST", "/api/me"), ("POST", "/api/signout"),
    ("DELETE", "/api/user/keys/abc"), ("POST", "/api/experimental/web_search"),
    ("POST", "/api/experimental/web_fetch"), ("GET", "/api/experimental/model-recommendations"),
]


def test_every_route_of_the_reference_table_is_served(emu):
    for method, path in ROUTE_TABLE:
        r = emu.request(method, path)
        assert r.body != b"404 page not found" and r.status != 405, (method, path, r.status)


@pytest.mark.parametrize("path", ["/api/generate", "/api/chat"])
def test_generate_and_chat_on_missing_model_answer_404_model_not_found(emu, path):
    r = emu.request("POST", path, {"model": "R"})
    assert r.status == 404 and r.json() == {"error": "model 'R' not found"}


@pytest.mark.parametrize(("sent", "named"), [
    ("R", "R:latest"),
    ("R:7b", "R:7b"),
    ("library/R", "R:latest"),
    ("registry.ollama.ai/library/R", "R:latest"),
    ("someone/R", "someone/R:latest"),
    ("example.com/someone/R:v1", "example.com/someone/R:v1"),
])
def test_show_on_missing_model_names_it_as_display_shortest_model_tag(emu, sent, named):
    # server/routes.go ShowHandler (v0.32.15) sets req.Model = name.DisplayShortest() before the
    # lookup; types/model/name.go DisplayShortest always writes model:tag.
    r = emu.request("POST", "/api/show", {"model": sent})
    assert r.status == 404 and r.json() == {"error": f"model '{named}' not found"}


def test_show_on_missing_tag_of_an_existing_model_reuses_the_stored_case(emu):
    # getExistingName canonicalises parts that exist (case-insensitively) before DisplayShortest.
    r = emu.request("POST", "/api/show", {"name": "EMU-TINY:nosuchtag"})
    assert r.status == 404 and r.json() == {"error": "model 'emu-tiny:nosuchtag' not found"}


def test_embed_on_missing_model_says_try_pulling_it_first(emu):
    r = emu.request("POST", "/api/embed", {"model": "R", "input": "x"})
    assert r.status == 404 and r.json() == {"error": 'model "R" not found, try pulling it first'}


def test_delete_of_missing_model_answers_404(emu):
    r = emu.request("DELETE", "/api/delete", {"model": "R"})
    assert r.status == 404 and r.json() == {"error": "model 'R' not found"}


def test_openai_chat_on_missing_model_uses_openai_error_shape(emu):
    r = emu.request("POST", "/v1/chat/completions", {"model": "R", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status == 404
    err = r.json()["error"]
    assert err["type"] == "not_found_error" and "not found" in err["message"]


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/pull"), ("POST", "/api/push"), ("POST", "/api/create"),
                                              ("POST", "/api/copy")])
def test_empty_body_on_management_routes_is_400_missing_request_body(emu, method, path):
    before = sorted(p.relative_to(emu.models) for p in emu.models.rglob("*"))
    r = emu.request(method, path)
    assert r.status == 400 and r.json() == {"error": "missing request body"}
    assert sorted(p.relative_to(emu.models) for p in emu.models.rglob("*")) == before


def test_malformed_json_is_400_with_go_decoder_text(emu):
    r = emu.request("POST", "/api/generate", b"{bad")
    assert r.status == 400
    assert r.json() == {"error": "invalid character 'b' looking for beginning of object key string"}
    r = emu.request("POST", "/api/generate", b'{"model": 1}')
    assert r.status == 400 and "cannot unmarshal number" in r.json()["error"]


def test_head_blob_with_zero_digest_is_404_and_malformed_digest_is_400(emu):
    assert emu.request("HEAD", f"/api/blobs/{ZERO_DIGEST}").status == 404
    assert emu.request("HEAD", "/api/blobs/sha256:abc").status == 400
    assert emu.request("HEAD", "/api/blobs/../../etc/passwd").status in (400, 404)


def test_head_blob_finds_a_fixture_blob(emu):
    blob = next((emu.models / "blobs").iterdir()).name
    assert emu.request("HEAD", "/api/blobs/" + blob.replace("-", ":", 1)).status == 200


def test_post_blob_is_created_when_the_digest_matches(emu):
    data = b"some new layer"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r = emu.request("POST", f"/api/blobs/{digest}", data)
    assert r.status == 201
    assert (emu.models / "blobs" / digest.replace(":", "-")).read_bytes() == data
    assert emu.request("HEAD", f"/api/blobs/{digest}").status == 200
    assert emu.request("POST", f"/api/blobs/{digest}", data).status == 200


def test_post_blob_with_wrong_digest_is_400_and_not_stored_under_that_digest(emu):
    r = emu.request("POST", f"/api/blobs/{ZERO_DIGEST}", b"not zeros")
    assert r.status == 400 and "digest mismatch" in r.json()["error"]
    assert not (emu.models / "blobs" / ZERO_DIGEST.replace(":", "-")).exists()


def test_account_routes_answer_as_an_offline_signed_out_server(emu):
    me = emu.request("POST", "/api/me")
    assert me.status == 200 and me.body == b"null"
    assert emu.request("POST", "/api/signout").status == 500
    assert emu.request("DELETE", "/api/user/keys/abc").status == 500


def test_trailing_slash_redirects_like_gin(emu):
    r = emu.request("GET", "/api/tags/")
    assert r.status == 301 and r.header("Location") == "/api/tags"
