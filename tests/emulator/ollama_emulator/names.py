"""Model names, as types/model/name.go parses and prints them."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"
MISSING = "!MISSING!"


@dataclass(frozen=True)
class Name:
    host: str = ""
    namespace: str = ""
    model: str = ""
    tag: str = ""

    def is_valid(self) -> bool:
        parts = (("host", self.host), ("namespace", self.namespace), ("model", self.model), ("tag", self.tag))
        return all(_valid_part(kind, part) for kind, part in parts)

    def display_shortest(self) -> str:
        prefix = ""
        if self.host.lower() != DEFAULT_HOST:
            prefix = f"{self.host}/{self.namespace}/"
        elif self.namespace.lower() != DEFAULT_NAMESPACE:
            prefix = f"{self.namespace}/"
        return f"{prefix}{self.model}:{self.tag}"

    def full(self) -> str:
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"

    def filepath(self) -> str:
        return os.path.join(self.host, self.namespace, self.model, self.tag)

    def key(self) -> tuple[str, str, str, str]:
        return (self.host.lower(), self.namespace.lower(), self.model.lower(), self.tag.lower())


def _cut_promised(s: str, sep: str) -> tuple[str, str, bool]:
    i = s.rfind(sep)
    if i < 0:
        return s, "", False
    return (s[:i] or MISSING), (s[i + 1 :] or MISSING), True


def parse_bare(s: str) -> Name:
    host = namespace = tag = ""
    if s.rfind(":") > s.rfind("/"):
        s, tag, _found = _cut_promised(s, ":")
    s, model, promised = _cut_promised(s, "/")
    if not promised:
        return Name("", "", s, tag)
    s, namespace, promised = _cut_promised(s, "/")
    if not promised:
        return Name("", s, model, tag)
    scheme, sep, rest = s.partition("://")
    host = rest if sep else scheme
    return Name(host, namespace, model, tag)


def parse(s: str) -> Name:
    """model.ParseName: fill missing parts from registry.ollama.ai/library/_:latest."""
    bare = parse_bare(s)
    return Name(
        bare.host or DEFAULT_HOST,
        bare.namespace or DEFAULT_NAMESPACE,
        bare.model,
        bare.tag or DEFAULT_TAG,
    )


def _alnum_us(c: str) -> bool:
    return c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9")


def _valid_part(kind: str, s: str) -> bool:
    limit = 350 if kind == "host" else 80
    if not 1 <= len(s) <= limit:
        return False
    for i, c in enumerate(s):
        if i == 0:
            if not _alnum_us(c):
                return False
            continue
        if c in "_-":
            continue
        if c == ".":
            if kind == "namespace":
                return False
            continue
        if c == ":":
            if kind != "host":
                return False
            continue
        if not _alnum_us(c):
            return False
    return True
