"""The endpoint table is the one source of truth: it must match Ollama's routes."""

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import endpoints

# The route table of reference/ollama.md (server/routes.go), written out independently.
REFERENCE_ROUTES = [
    ("GET", "/", "banner"), ("HEAD", "/", "banner"),
    ("GET", "/api/version", "read"), ("HEAD", "/api/version", "read"), ("GET", "/api/status", "read"),
    ("GET", "/api/tags", "read"), ("HEAD", "/api/tags", "read"), ("GET", "/api/ps", "read"),
    ("POST", "/api/show", "read"),
    ("POST", "/api/generate", "inference"), ("POST", "/api/chat", "inference"),
    ("POST", "/api/embed", "inference"), ("POST", "/api/embeddings", "inference"),
    ("POST", "/v1/chat/completions", "compat"), ("POST", "/v1/completions", "compat"),
    ("POST", "/v1/embeddings", "compat"), ("POST", "/v1/responses", "compat"),
    ("POST", "/v1/audio/transcriptions", "compat"), ("POST", "/v1/messages", "compat"),
    ("GET", "/v1/models", "compat"), ("GET", "/v1/models/llama3", "compat"),
    ("POST", "/api/pull", "management"), ("POST", "/api/push", "management"),
    ("POST", "/api/create", "management"), ("POST", "/api/copy", "management"),
    ("DELETE", "/api/delete", "management"),
    ("POST", "/api/blobs/sha256:" + "0" * 64, "management"), ("HEAD", "/api/blobs/sha256:" + "0" * 64, "management"),
    ("POST", "/api/me", "account"), ("POST", "/api/signout", "account"),
    ("DELETE", "/api/user/keys/abc", "account"),
    ("POST", "/api/experimental/web_search", "experimental"), ("POST", "/api/experimental/web_fetch", "experimental"),
    ("GET", "/api/experimental/model-recommendations", "experimental"),
]


@pytest.mark.parametrize(("method", "path", "expected_class"), REFERENCE_ROUTES)
def test_every_reference_route_is_classified(method, path, expected_class):
    route = endpoints.classify(method, path)
    assert route is not None, f"{method} {path} is not in the table"
    assert route.endpoint_class == expected_class
    assert method in route.methods


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/tags/x", "/api/blobs/", "/api/blobs/a/b", "/admin", "/v1"])
def test_unknown_paths_are_not_classified(path):
    assert endpoints.classify("GET", path) is None


def test_query_string_does_not_change_the_route():
    assert endpoints.classify("GET", "/api/tags?x=1").name == "tags"


def test_default_profile_opens_no_management_account_or_experimental_route():
    classes = {r.endpoint_class for r in endpoints.profile_routes("inference")}
    assert classes == {"inference", "compat", "read"}
    names = {r.name for r in endpoints.profile_routes("inference")}
    assert {"tags", "ps", "show", "version"} <= names


def test_dev_profile_is_generate_only():
    assert [r.path for r in endpoints.profile_routes("dev")] == ["/api/generate"]


def test_readonly_profile_runs_and_changes_nothing():
    classes = {r.endpoint_class for r in endpoints.profile_routes("readonly")}
    assert classes <= {"read", "compat"}
    assert all("POST" not in r.methods or r.name == "show" for r in endpoints.profile_routes("readonly"))


def test_admin_profile_is_everything():
    assert endpoints.profile_routes("admin") == list(endpoints.ROUTES)


def test_names_resolve_to_classes():
    assert endpoints.endpoint_class("pull") == "management"
    assert endpoints.endpoint_class("management") == "management"
    assert endpoints.endpoint_class("all") == "all"
    with pytest.raises(ValueError, match="unknown endpoint 'pul'"):
        endpoints.endpoint_class("pul")
    with pytest.raises(ValueError, match="unknown profile 'root'"):
        endpoints.profile_routes("root")


def test_routes_for_mixes_names_and_classes_without_repeats():
    routes = endpoints.routes_for(["pull", "management", "generate"])
    assert [r.name for r in routes] == ["generate", "pull", "push", "create", "copy", "delete", "blobs"]


def test_emulator_serves_every_route_in_the_table(start_emulator):
    """Each route answers with something other than gin's 404 page (the route exists)."""
    emulator = start_emulator()
    for method, path, _expected in REFERENCE_ROUTES:
        body = b"" if method in ("GET", "HEAD") else b"{}"
        response = emulator.request(method, path, body=body)
        assert response.body != b"404 page not found", f"{method} {path}"
    assert emulator.request("GET", "/api/nonexistent").body == b"404 page not found"


def test_endpoint_names_are_listed_once():
    names = endpoints.endpoint_names()
    assert len(names) == len(set(names))
    assert "banner" in names
