"""Decode request bodies as gin's ShouldBindJSON does, with Go's error texts."""

from __future__ import annotations

import json

_WS = " \t\r\n"


class BodyError(Exception):
    """A decoding failure; ``str(err)`` is what Ollama puts in {"error": ...}."""


class MissingBody(BodyError):
    def __init__(self) -> None:
        super().__init__("EOF")


def _quote_char(c: str) -> str:
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    if c.isprintable():
        return f"'{c}'"
    return "'" + json.dumps(c)[1:-1] + "'"


def _container_at(text: str, pos: int) -> str:
    """Which container ('{' or '[') is open at pos, ignoring strings."""
    stack: list[str] = []
    in_str = esc = False
    for ch in text[:pos]:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _syntax_error(text: str, err: json.JSONDecodeError) -> str:
    pos = err.pos
    if pos >= len(text) or err.msg.startswith("Unterminated string"):
        return "unexpected EOF"
    c = text[pos]
    if err.msg.startswith("Expecting value"):
        return f"invalid character {_quote_char(c)} looking for beginning of value"
    if err.msg.startswith("Expecting property name"):
        return f"invalid character {_quote_char(c)} looking for beginning of object key string"
    if err.msg.startswith("Expecting ':'"):
        return f"invalid character {_quote_char(c)} after object key"
    if err.msg.startswith("Expecting ','"):
        if _container_at(text, pos) == "[":
            return f"invalid character {_quote_char(c)} after array element"
        return f"invalid character {_quote_char(c)} after object key:value pair"
    if err.msg.startswith("Invalid control character"):
        return f"invalid character {_quote_char(c)} in string literal"
    return f"invalid character {_quote_char(c)} looking for beginning of value"


def _json_kind(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


_GO_KINDS = {
    "string": ("string",),
    "bool": ("bool",),
    "int": ("number",),
    "float64": ("number",),
    "map[string]interface {}": ("object",),
    "[]api.Message": ("array",),
    "[]string": ("array",),
    "[]int": ("array",),
    "[]api.ImageData": ("array",),
}


def decode(raw: bytes, struct_name: str = "", schema: dict | None = None) -> dict:
    """Return the decoded object or raise BodyError with Go's message.

    ``schema`` maps JSON keys to Go type names checked like encoding/json does.
    """
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip(_WS)
    if not stripped:
        raise MissingBody()
    offset = len(text) - len(stripped)
    try:
        value, _end = json.JSONDecoder().raw_decode(text, offset)
    except json.JSONDecodeError as err:
        raise BodyError(_syntax_error(text, err)) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BodyError(f"json: cannot unmarshal {_json_kind(value)} into Go value of type api.{struct_name}")
    for key, gotype in (schema or {}).items():
        if key not in value or value[key] is None:
            continue
        kind = _json_kind(value[key])
        allowed = _GO_KINDS.get(gotype)
        if allowed and kind not in allowed:
            raise BodyError(
                f"json: cannot unmarshal {kind} into Go struct field {struct_name}.{key} of type {gotype}"
            )
        if gotype == "int" and isinstance(value[key], float) and not value[key].is_integer():
            raise BodyError(
                f"json: cannot unmarshal number {value[key]} into Go struct field {struct_name}.{key} of type int"
            )
    return value


COMMON = {"model": "string", "stream": "bool", "options": "map[string]interface {}"}
GENERATE = {**COMMON, "prompt": "string", "system": "string", "template": "string", "suffix": "string",
            "raw": "bool", "context": "[]int"}
CHAT = {**COMMON, "messages": "[]api.Message"}
EMBED = {**COMMON, "truncate": "bool", "dimensions": "int"}
EMBEDDINGS = {**COMMON, "prompt": "string"}
NAMED = {"model": "string", "name": "string", "stream": "bool", "insecure": "bool"}
CREATE = {**NAMED, "from": "string", "system": "string", "template": "string", "license": "[]string"}
COPY = {"source": "string", "destination": "string"}
SHOW = {"model": "string", "name": "string", "system": "string", "verbose": "bool"}
