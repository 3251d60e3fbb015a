"""Anthropic Messages API compatibility (/v1/messages), minimal."""

from __future__ import annotations

import hashlib
import time

from ollama_emulator import generation, goformat, jsonbody, names
from ollama_emulator.jsonbody import BodyError, MissingBody
from ollama_emulator.store import ModelNotFound


def anthropic_error(status: int, message: str) -> dict:
    etype = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
    return {"type": "error", "error": {"type": etype, "message": message}}


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


class AnthropicRoutes:
    def anthropic_messages(self, ctx) -> None:
        def fail(status: int, message: str) -> None:
            ctx.json(status, anthropic_error(status, message))

        try:
            req = jsonbody.decode(ctx.body, "MessagesRequest", {"model": "string", "stream": "bool"})
        except MissingBody:
            return fail(400, "missing request body")
        except BodyError as err:
            return fail(400, str(err))
        raw = req.get("model") or ""
        if not raw:
            return fail(400, "model is required")
        if not isinstance(req.get("max_tokens"), int) or req["max_tokens"] <= 0:
            return fail(400, "max_tokens is required and must be positive")
        messages = req.get("messages") or []
        if not messages:
            return fail(400, "messages is required")
        if not names.parse(raw).is_valid():
            return fail(400, "invalid model name")
        try:
            name, m = self.lookup(raw)
        except ModelNotFound:
            return fail(404, f"model '{raw}' not found")
        self.load(name, m, self.cfg.keep_alive)
        users = [_text(x.get("content")) for x in messages if isinstance(x, dict) and x.get("role") == "user"]
        prompt = users[-1] if users else ""
        tokens, reason = generation.plan_tokens(prompt, {"num_predict": req["max_tokens"]}
                                                if req["max_tokens"] < generation.DEFAULT_NUM_PREDICT else {})
        stop = "max_tokens" if reason == "length" else "end_turn"
        mid = "msg_" + hashlib.sha256(f"{time.time()}{prompt}".encode()).hexdigest()[:24]
        n_in = generation.count_prompt_tokens(prompt)
        rate = self.cfg.token_rate
        if not req.get("stream"):
            text = "".join(generation.paced(tokens, rate))
            return ctx.json(200, {
                "id": mid, "type": "message", "role": "assistant", "model": raw,
                "content": [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
                "usage": {"input_tokens": n_in, "output_tokens": len(tokens)},
            })

        def event(kind: str, data: dict) -> bytes:
            return f"event: {kind}\n".encode() + b"data: " + goformat.go_json(data) + b"\n\n"

        with ctx.stream("text/event-stream") as w:
            w.write(event("message_start", {"type": "message_start", "message": {
                "id": mid, "type": "message", "role": "assistant", "model": raw, "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": n_in, "output_tokens": 0}}}))
            w.write(event("content_block_start", {"type": "content_block_start", "index": 0,
                                                  "content_block": {"type": "text", "text": ""}}))
            for tok in generation.paced(tokens, rate):
                if not w.write(event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                             "delta": {"type": "text_delta", "text": tok}})):
                    return
            w.write(event("content_block_stop", {"type": "content_block_stop", "index": 0}))
            w.write(event("message_delta", {"type": "message_delta",
                                            "delta": {"stop_reason": stop, "stop_sequence": None},
                                            "usage": {"output_tokens": len(tokens)}}))
            w.write(event("message_stop", {"type": "message_stop"}))
