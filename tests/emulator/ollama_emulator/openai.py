"""OpenAI-compatible routes (/v1/*), shaped like openai/openai.go and middleware/openai.go."""

from __future__ import annotations

import random
import re
import time

from ollama_emulator import generation, goformat, jsonbody, names
from ollama_emulator.jsonbody import BodyError, MissingBody
from ollama_emulator.store import ModelNotFound

SSE = "text/event-stream"


def oai_error(status: int, message: str) -> dict:
    etype = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
    return {"error": {"message": message, "type": etype, "param": None, "code": None}}


class OpenAIRoutes:
    """Mixed into the handler set; relies on NativeRoutes helpers (store, cfg, load)."""

    def _oai_fail(self, ctx, status: int, message: str) -> None:
        ctx.json(status, oai_error(status, message))

    def _oai_body(self, ctx) -> dict | None:
        try:
            return jsonbody.decode(ctx.body, "ChatCompletionRequest", {"model": "string", "stream": "bool"})
        except MissingBody:
            self._oai_fail(ctx, 400, "EOF")
        except BodyError as err:
            self._oai_fail(ctx, 400, str(err))
        return None

    def _oai_model(self, ctx, raw: str, missing_status: int = 404):
        if not raw or not names.parse(raw).is_valid():
            self._oai_fail(ctx, 400, "model is required" if not raw else "invalid model name")
            return None
        try:
            return self.lookup(raw)
        except ModelNotFound:
            self._oai_fail(ctx, missing_status, f"model '{raw}' not found")
            return None

    @staticmethod
    def _num_predict(req: dict) -> dict:
        opts = {}
        mt = req.get("max_tokens", req.get("max_completion_tokens"))
        if isinstance(mt, int) and not isinstance(mt, bool):
            opts["num_predict"] = mt
        return opts

    def _oai_generate(self, ctx, raw: str, prompt: str, req: dict, kind: str) -> None:
        found = self._oai_model(ctx, raw)
        if not found:
            return
        name, m = found
        self.load(name, m, self.cfg.keep_alive)
        tokens, reason = generation.plan_tokens(prompt, self._num_predict(req))
        finish = "length" if reason == "length" else "stop"
        created = int(time.time())
        ident = ("chatcmpl-" if kind == "chat" else "cmpl-") + str(random.randint(0, 999))  # noqa: S311
        usage = {"prompt_tokens": generation.count_prompt_tokens(prompt), "completion_tokens": len(tokens),
                 "total_tokens": generation.count_prompt_tokens(prompt) + len(tokens)}
        rate = self.cfg.token_rate

        if not req.get("stream"):
            text = "".join(generation.paced(tokens, rate))
            if kind == "chat":
                choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
                obj = "chat.completion"
            else:
                choice = {"text": text, "index": 0, "finish_reason": finish}
                obj = "text_completion"
            return ctx.json(200, {"id": ident, "object": obj, "created": created, "model": raw,
                                  "system_fingerprint": "fp_ollama", "choices": [choice], "usage": usage})

        def chunk(tok: str, fin) -> bytes:
            if kind == "chat":
                choice = {"index": 0, "delta": {"role": "assistant", "content": tok}, "finish_reason": fin}
                obj = "chat.completion.chunk"
            else:
                choice = {"text": tok, "index": 0, "finish_reason": fin}
                obj = "text_completion"
            body = {"id": ident, "object": obj, "created": created, "model": raw,
                    "system_fingerprint": "fp_ollama", "choices": [choice]}
            return b"data: " + goformat.go_json(body) + b"\n\n"

        include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
        with ctx.stream(SSE) as w:
            for tok in generation.paced(tokens, rate):
                if not w.write(chunk(tok, None)):
                    return
            w.write(chunk("", finish))
            if include_usage:
                body = {"id": ident, "object": "chat.completion.chunk" if kind == "chat" else "text_completion",
                        "created": created, "model": raw, "system_fingerprint": "fp_ollama", "choices": [],
                        "usage": usage}
                w.write(b"data: " + goformat.go_json(body) + b"\n\n")
            w.write(b"data: [DONE]\n\n")

    def oai_chat(self, ctx) -> None:
        req = self._oai_body(ctx)
        if req is None:
            return
        messages = req.get("messages") or []
        if not messages:
            return self._oai_fail(ctx, 400, "[] is too short - 'messages'")
        user = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        prompt = user[-1] if user else ""
        if isinstance(prompt, list):
            prompt = " ".join(p.get("text", "") for p in prompt if isinstance(p, dict))
        self._oai_generate(ctx, req.get("model") or "", str(prompt or ""), req, "chat")

    def oai_completions(self, ctx) -> None:
        req = self._oai_body(ctx)
        if req is None:
            return
        prompt = req.get("prompt")
        if isinstance(prompt, list):
            prompt = prompt[0] if prompt else ""
        self._oai_generate(ctx, req.get("model") or "", str(prompt or ""), req, "completion")

    def oai_embeddings(self, ctx) -> None:
        req = self._oai_body(ctx)
        if req is None:
            return
        inp = req.get("input")
        if inp in (None, "", []):
            return self._oai_fail(ctx, 400, "invalid input")
        inputs = [inp] if isinstance(inp, str) else inp
        if not all(isinstance(x, str) for x in inputs):
            return self._oai_fail(ctx, 400, "invalid input")
        raw = req.get("model") or ""
        if not raw:
            return self._oai_fail(ctx, 400, "model is required")
        try:
            name, m = self.lookup(raw)
        except ModelNotFound:
            return self._oai_fail(ctx, 404, f"model {goformat.go_quote(raw)} not found, try pulling it first")
        self.load(name, m, self.cfg.keep_alive)
        data = [{"object": "embedding", "embedding": generation.embedding(t), "index": i} for i, t in enumerate(inputs)]
        n = sum(generation.count_prompt_tokens(t) for t in inputs)
        ctx.json(200, {"object": "list", "data": data, "model": raw, "usage": {"prompt_tokens": n, "total_tokens": n}})

    def oai_models(self, ctx) -> None:
        data = []
        for name, m in sorted(self.store.manifests().items(), key=lambda kv: -kv[1].mtime):
            data.append({"id": name.display_shortest(), "object": "model", "created": int(m.mtime),
                         "owned_by": name.namespace})
        ctx.json(200, {"object": "list", "data": data})

    def oai_model(self, ctx) -> None:
        raw = ctx.params.get("model", "")
        found = self._oai_model(ctx, raw)
        if not found:
            return
        name, m = found
        ctx.json(200, {"id": raw, "object": "model", "created": int(m.mtime), "owned_by": name.namespace})

    def oai_responses(self, ctx) -> None:
        req = self._oai_body(ctx)
        if req is None:
            return
        inp = req.get("input")
        if isinstance(inp, list):
            texts = [x.get("content") for x in inp if isinstance(x, dict) and x.get("role") == "user"]
            inp = texts[-1] if texts else ""
            if isinstance(inp, list):
                inp = " ".join(p.get("text", "") for p in inp if isinstance(p, dict))
        raw = req.get("model") or ""
        found = self._oai_model(ctx, raw)
        if not found:
            return
        name, m = found
        self.load(name, m, self.cfg.keep_alive)
        opts = {"num_predict": req["max_output_tokens"]} if isinstance(req.get("max_output_tokens"), int) else {}
        tokens, _reason = generation.plan_tokens(str(inp or ""), opts)
        text = "".join(generation.paced(tokens, self.cfg.token_rate))
        n_in = generation.count_prompt_tokens(str(inp or ""))
        rid = "resp_" + str(random.randint(0, 999999))  # noqa: S311
        ctx.json(200, {
            "id": rid, "object": "response", "created_at": int(time.time()), "status": "completed", "model": raw,
            "output": [{"type": "message", "id": "msg_" + rid[5:], "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": text, "annotations": []}]}],
            "usage": {"input_tokens": n_in, "output_tokens": len(tokens), "total_tokens": n_in + len(tokens)},
        })

    def oai_images(self, ctx) -> None:
        req = self._oai_body(ctx)
        if req is None:
            return
        raw = req.get("model") or ""
        if self._oai_model(ctx, raw):
            self._oai_fail(ctx, 400, f"{goformat.go_quote(raw)} does not support image generation")

    def oai_transcriptions(self, ctx) -> None:
        m = re.search(rb'name="model"\r\n\r\n([^\r\n]*)', ctx.body)
        raw = m.group(1).decode("utf-8", "replace") if m else ""
        if self._oai_model(ctx, raw):
            self._oai_fail(ctx, 400, f"{goformat.go_quote(raw)} does not support audio transcription")
