"""OpenAI- and Anthropic-compatible routes."""

from __future__ import annotations

import json

MSG = [{"role": "user", "content": "red green"}]


def test_chat_completions_returns_openai_object(emu):
    r = emu.request("POST", "/v1/chat/completions", {"model": "emu-tiny", "messages": MSG, "max_tokens": 3})
    body = r.json()
    assert r.status == 200 and body["object"] == "chat.completion"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "red green red"}
    assert body["usage"]["completion_tokens"] == 3


def test_chat_completions_stream_is_sse_ending_with_done(emu):
    r = emu.request("POST", "/v1/chat/completions", {"model": "emu-tiny", "messages": MSG, "stream": True})
    assert r.header("Content-Type") == "text/event-stream"
    events = [x for x in r.body.decode().split("\n\n") if x]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e[6:]) for e in events[:-1]]
    assert chunks[0]["object"] == "chat.completion.chunk"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_chat_completions_without_messages_is_400(emu):
    r = emu.request("POST", "/v1/chat/completions", {"model": "emu-tiny", "messages": []})
    assert r.status == 400 and r.json()["error"]["type"] == "invalid_request_error"


def test_completions_stream_ends_with_done(emu):
    r = emu.request("POST", "/v1/completions", {"model": "emu-tiny", "prompt": "a b", "stream": True})
    assert r.body.decode().rstrip().endswith("data: [DONE]")
    r = emu.request("POST", "/v1/completions", {"model": "emu-tiny", "prompt": "a b"})
    assert r.json()["object"] == "text_completion"


def test_v1_embeddings_returns_list_of_embeddings(emu):
    r = emu.request("POST", "/v1/embeddings", {"model": "emu-tiny", "input": ["a", "b"]}).json()
    assert r["object"] == "list" and [d["index"] for d in r["data"]] == [0, 1]


def test_v1_models_lists_the_store_in_openai_shape(emu):
    r = emu.request("GET", "/v1/models").json()
    assert r["object"] == "list"
    assert [(m["id"], m["object"]) for m in r["data"]] == [("emu-tiny:latest", "model")]
    assert emu.request("GET", "/v1/models/emu-tiny").json()["id"] == "emu-tiny"
    missing = emu.request("GET", "/v1/models/nope")
    assert missing.status == 404 and missing.json()["error"]["type"] == "not_found_error"


def test_anthropic_messages_minimal(emu):
    r = emu.request("POST", "/v1/messages", {"model": "emu-tiny", "max_tokens": 64, "messages": MSG})
    body = r.json()
    assert r.status == 200 and body["type"] == "message" and body["content"][0]["type"] == "text"
    missing = emu.request("POST", "/v1/messages", {"model": "nope", "max_tokens": 5, "messages": MSG})
    assert missing.status == 404 and missing.json()["type"] == "error"
