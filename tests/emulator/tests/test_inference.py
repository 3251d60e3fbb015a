"""Inference: NDJSON streaming at OLLAMA_EMULATOR_TOKEN_RATE, deterministic text, /api/ps, embeddings."""

from __future__ import annotations

import json
import math

PROMPT = "alpha beta gamma"


def test_generate_streams_ndjson_chunks_at_the_configured_rate(start_emulator):
    emu = start_emulator({"OLLAMA_EMULATOR_TOKEN_RATE": "20"})
    resp, lines = emu.timed_lines("/api/generate", {"model": "emu-tiny", "prompt": PROMPT,
                                                    "options": {"num_predict": 10}})
    assert resp.status == 200
    assert resp.header("Content-Type") == "application/x-ndjson"
    assert resp.header("Transfer-Encoding") == "chunked"
    chunks = [json.loads(line) for _at, line in lines]
    assert len(chunks) == 11
    assert all(c["done"] is False for c in chunks[:-1]) and chunks[-1]["done"] is True
    spread = lines[-1][0] - lines[0][0]
    assert 0.35 <= spread <= 2.0, spread  # 10 tokens at 20/s: 9 gaps of 50 ms, then the final chunk


def test_token_rate_zero_streams_as_fast_as_possible(start_emulator):
    emu = start_emulator({"OLLAMA_EMULATOR_TOKEN_RATE": "0"})
    _first, lines = emu.timed_lines("/api/generate", {"model": "emu-tiny", "prompt": PROMPT,
                                                      "options": {"num_predict": 50}})
    assert len(lines) == 51 and lines[-1][0] - lines[0][0] < 0.5


def test_generate_final_chunk_has_the_real_metric_fields(emu):
    chunks = emu.request("POST", "/api/generate", {"model": "emu-tiny", "prompt": PROMPT}).lines()
    final = chunks[-1]
    for key in ("model", "created_at", "response", "done", "done_reason", "total_duration", "load_duration",
                "prompt_eval_count", "eval_count", "eval_duration"):
        assert key in final, key
    assert final["done_reason"] == "stop"
    assert final["eval_count"] == len(chunks) - 1


def test_generate_text_is_deterministic_and_derived_from_the_prompt(emu):
    body = {"model": "emu-tiny", "prompt": PROMPT, "stream": False, "options": {"num_predict": 4}}
    a = emu.request("POST", "/api/generate", body).json()
    b = emu.request("POST", "/api/generate", body).json()
    assert a["response"] == b["response"] == "alpha beta gamma alpha"
    assert a["done"] is True and a["done_reason"] == "length"


def test_generate_stream_false_returns_one_json_object(emu):
    r = emu.request("POST", "/api/generate", {"model": "emu-tiny", "prompt": PROMPT, "stream": False})
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    assert r.json()["done"] is True and r.body.count(b"\n") == 0


def test_chat_streams_assistant_message_chunks(emu):
    chunks = emu.request("POST", "/api/chat", {"model": "emu-tiny", "messages": [{"role": "user", "content": "hi"}],
                                               "options": {"num_predict": 3}}).lines()
    assert [c["message"]["role"] for c in chunks] == ["assistant"] * 4
    assert "".join(c["message"]["content"] for c in chunks) == "hi hi hi"
    assert chunks[-1]["done"] is True


def test_ps_is_empty_until_a_model_is_used_then_lists_it(emu):
    assert emu.request("GET", "/api/ps").json() == {"models": []}
    emu.request("POST", "/api/generate", {"model": "emu-tiny", "prompt": "x", "stream": False})
    models = emu.request("GET", "/api/ps").json()["models"]
    assert [m["name"] for m in models] == ["emu-tiny:latest"]
    assert models[0]["expires_at"]


def test_keep_alive_zero_unloads_the_model(emu):
    emu.request("POST", "/api/generate", {"model": "emu-tiny", "prompt": "x", "stream": False})
    r = emu.request("POST", "/api/generate", {"model": "emu-tiny", "keep_alive": 0})
    assert r.json()["done_reason"] == "unload"
    assert emu.request("GET", "/api/ps").json() == {"models": []}


def test_embed_returns_deterministic_unit_vectors(emu):
    a = emu.request("POST", "/api/embed", {"model": "emu-tiny", "input": ["one", "two"]}).json()
    b = emu.request("POST", "/api/embed", {"model": "emu-tiny", "input": ["one", "two"]}).json()
    assert a["embeddings"] == b["embeddings"] and len(a["embeddings"]) == 2
    assert a["embeddings"][0] != a["embeddings"][1]
    assert math.isclose(sum(v * v for v in a["embeddings"][0]), 1.0, rel_tol=1e-4)


def test_legacy_embeddings_route_returns_one_vector(emu):
    r = emu.request("POST", "/api/embeddings", {"model": "emu-tiny", "prompt": "one"}).json()
    assert r["embedding"] == emu.request("POST", "/api/embed", {"model": "emu-tiny", "input": "one"}).json()[
        "embeddings"][0]
