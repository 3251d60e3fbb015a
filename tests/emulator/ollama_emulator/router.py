"""The route table of server/routes.go and gin's 404/405/redirect rules."""

from __future__ import annotations

from dataclasses import dataclass


def version_tuple(v: str) -> tuple[int, ...]:
    core = v.lstrip("v").split("-")[0].split("+")[0]
    out = []
    for part in core.split("."):
        digits = "".join(c for c in part if c.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


# (method, pattern, handler name, first version that has it)
ROUTES: list[tuple[str, str, str, str]] = [
    ("HEAD", "/", "banner", ""),
    ("GET", "/", "banner", ""),
    ("HEAD", "/api/version", "version", ""),
    ("GET", "/api/version", "version", ""),
    ("GET", "/api/status", "status", "0.16.2"),
    ("POST", "/api/pull", "pull", ""),
    ("POST", "/api/push", "push", ""),
    ("HEAD", "/api/tags", "tags", ""),
    ("GET", "/api/tags", "tags", ""),
    ("POST", "/api/show", "show", ""),
    ("DELETE", "/api/delete", "delete", ""),
    ("POST", "/api/me", "whoami", ""),
    ("POST", "/api/signout", "signout", ""),
    ("DELETE", "/api/user/keys/:encodedKey", "signout", ""),
    ("POST", "/api/create", "create", ""),
    ("POST", "/api/blobs/:digest", "create_blob", ""),
    ("HEAD", "/api/blobs/:digest", "head_blob", ""),
    ("POST", "/api/copy", "copy", ""),
    ("POST", "/api/experimental/web_search", "web_search", ""),
    ("POST", "/api/experimental/web_fetch", "web_fetch", ""),
    ("GET", "/api/experimental/model-recommendations", "model_recommendations", ""),
    ("GET", "/api/ps", "ps", ""),
    ("POST", "/api/generate", "generate", ""),
    ("POST", "/api/chat", "chat", ""),
    ("POST", "/api/embed", "embed", ""),
    ("POST", "/api/embeddings", "embeddings", ""),
    ("POST", "/v1/chat/completions", "oai_chat", ""),
    ("POST", "/v1/completions", "oai_completions", ""),
    ("POST", "/v1/embeddings", "oai_embeddings", ""),
    ("GET", "/v1/models", "oai_models", ""),
    ("GET", "/v1/models/:model", "oai_model", ""),
    ("POST", "/v1/responses", "oai_responses", ""),
    ("POST", "/v1/images/generations", "oai_images", ""),
    ("POST", "/v1/images/edits", "oai_images", ""),
    ("POST", "/v1/audio/transcriptions", "oai_transcriptions", ""),
    ("POST", "/v1/messages", "anthropic_messages", ""),
]


@dataclass
class Match:
    kind: str  # "route", "redirect", "405", "404"
    handler: str = ""
    params: dict | None = None
    location: str = ""


def _match(pattern: str, path: str) -> dict | None:
    pp = pattern.split("/")
    sp = path.split("/")
    if len(pp) != len(sp):
        return None
    params = {}
    for a, b in zip(pp, sp, strict=True):
        if a.startswith(":"):
            if not b:
                return None
            params[a[1:]] = b
        elif a != b:
            return None
    return params


class Router:
    def __init__(self, version: str) -> None:
        v = version_tuple(version)
        self.routes = [(m, p, h) for m, p, h, since in ROUTES if not since or v >= version_tuple(since)]

    def _find(self, method: str, path: str):
        for m, p, h in self.routes:
            if m == method:
                params = _match(p, path)
                if params is not None:
                    return h, params
        return None

    def resolve(self, method: str, path: str) -> Match:
        found = self._find(method, path)
        if found:
            return Match("route", found[0], found[1])
        if path != "/" and any(route[0] == method for route in self.routes):
            alt = path[:-1] if path.endswith("/") else path + "/"
            if alt and self._find(method, alt):
                return Match("redirect", location=alt)
        for m, _p, _h in self.routes:
            if m != method and self._find(m, path):
                return Match("405")
        return Match("404")
