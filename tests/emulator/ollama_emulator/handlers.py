"""Handlers for the native routes (/, /api/*), mirroring server/routes.go."""

from __future__ import annotations

import datetime as dt
import json
import os

from ollama_emulator import generation, goformat, jsonbody, names, registry
from ollama_emulator.jsonbody import BodyError, MissingBody
from ollama_emulator.scheduler import KeepAliveError, parse_keep_alive
from ollama_emulator.store import InvalidDigest, ModelNotFound

JSON_CT = "application/json; charset=utf-8"
NDJSON = "application/x-ndjson"
INVALID_NAME = "invalid model name"


def created_at() -> str:
    return goformat.rfc3339nano(goformat.now_utc())


def cloud_disabled_error(operation: str) -> str:
    return f"ollama cloud is disabled: {operation}"


def is_cloud_ref(raw: str) -> bool:
    return raw.endswith(":cloud") or raw.endswith("-cloud")


class NativeRoutes:
    def __init__(self, app) -> None:
        self.app = app
        self.cfg = app.config
        self.store = app.store
        self.sched = app.scheduler

    # ---- helpers ----------------------------------------------------
    def decode(self, ctx, struct: str, schema: dict) -> dict | None:
        try:
            req = jsonbody.decode(ctx.body, struct, schema)
            if "keep_alive" in req:
                req["_keep_alive"] = parse_keep_alive(req.get("keep_alive"), self.cfg.keep_alive)
            else:
                req["_keep_alive"] = self.cfg.keep_alive
            return req
        except MissingBody:
            ctx.error(400, "missing request body")
        except (BodyError, KeepAliveError) as err:
            ctx.error(400, str(err))
        return None

    def lookup(self, raw: str):
        name = self.store.canonical(names.parse(raw))
        return name, self.store.get(name)

    def details(self, cfg: dict) -> dict:
        return {
            "parent_model": "",
            "format": cfg.get("model_format", ""),
            "family": cfg.get("model_family", ""),
            "families": cfg.get("model_families"),
            "parameter_size": cfg.get("model_type", ""),
            "quantization_level": cfg.get("file_type", ""),
        }

    def load(self, name, m, keep_alive: float) -> None:
        cfg = self.store.config(m)
        self.sched.touch(name.full(), {
            "name": name.display_shortest(),
            "model": name.display_shortest(),
            "size": m.total_size(),
            "digest": m.digest,
            "details": self.details(cfg),
            "context_length": int(self.store.params(m).get("num_ctx") or 4096),
        }, keep_alive)

    def stream_or_wait(self, ctx, req: dict, events, wait_ct: str = "application/json") -> None:
        """streamResponse / waitForStream for progress streams (pull, push, create)."""
        items = list(events)
        if req.get("stream") is False:
            for item in items:
                if "error" in item:
                    ctx.header("Content-Type", wait_ct)
                    ctx.json(item.get("_status", 500), {"error": item["error"]}, wait_ct)
                    return
            latest = items[-1] if items else {"status": ""}
            ctx.json(200, latest, wait_ct)
            return
        if items and "error" in items[0]:
            ctx.json(items[0].get("_status", 500), {"error": items[0]["error"]}, "application/json")
            return
        with ctx.stream(NDJSON) as w:
            for item in items:
                clean = {k: v for k, v in item.items() if not k.startswith("_")}
                if not w.write(goformat.go_json(clean) + b"\n"):
                    return

    # ---- general ----------------------------------------------------
    def banner(self, ctx) -> None:
        ctx.text(200, "Ollama is running")

    def version(self, ctx) -> None:
        ctx.json(200, {"version": self.cfg.version})

    def status(self, ctx) -> None:
        source = "env" if self.cfg.no_cloud else "none"
        ctx.json(200, {"cloud": {"disabled": self.cfg.no_cloud, "source": source}})

    # ---- inventory --------------------------------------------------
    def tags(self, ctx) -> None:
        models = []
        for name, m in self.store.manifests().items():
            cfg = self.store.config(m)
            models.append({
                "name": name.display_shortest(),
                "model": name.display_shortest(),
                "modified_at": goformat.rfc3339nano(goformat.local_time(m.mtime)),
                "size": m.total_size(),
                "digest": m.digest,
                "details": self.details(cfg),
                "_mtime": m.mtime,
            })
        models.sort(key=lambda x: -int(x["_mtime"]))
        for item in models:
            del item["_mtime"]
        ctx.json(200, {"models": models})

    def ps(self, ctx) -> None:
        out = []
        for item in self.sched.loaded():
            expires = dt.datetime.fromtimestamp(min(item["expires"], 253402300799)).astimezone()
            out.append({
                "name": item["name"], "model": item["model"], "size": item["size"], "digest": item["digest"],
                "details": item["details"], "expires_at": goformat.rfc3339nano(expires),
                "size_vram": 0, "context_length": item["context_length"],
            })
        ctx.json(200, {"models": out})

    def show(self, ctx) -> None:
        req = self.decode(ctx, "ShowRequest", jsonbody.SHOW)
        if req is None:
            return
        raw = req.get("model") or req.get("name") or ""
        if not raw:
            return ctx.error(400, "model is required")
        if not names.parse(raw).is_valid():
            return ctx.error(400, INVALID_NAME)
        # ShowHandler sets req.Model = name.DisplayShortest() (after getExistingName) before the
        # lookup, so a missing model is named as model:tag ("model 'R:latest' not found"), not as sent.
        name = self.store.canonical(names.parse(raw))
        try:
            m = self.store.get(name)
        except ModelNotFound:
            return ctx.error(404, f"model '{name.display_shortest()}' not found")
        ctx.json(200, self.show_body(name, m, req))

    def show_body(self, name, m, req: dict) -> dict:
        cfg = self.store.config(m)
        params = self.store.params(m)
        system = req.get("system") or self.store.layer_text(m, "system")
        template = self.store.layer_text(m, "template")
        license_text = self.store.layer_text(m, "license")
        lines = []
        for k in sorted(params):
            vals = params[k] if isinstance(params[k], list) else [params[k]]
            lines += [f"{k:<30} {json.dumps(v)}" for v in vals]
        modelfile = (
            '# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n'
            f"# FROM {name.display_shortest()}\n\n"
            f"FROM {os.path.join(self.store.blobs_dir, m.layers[0]['digest'].replace(':', '-')) if m.layers else ''}\n"
            f'TEMPLATE """{template}"""\n'
            + (f'SYSTEM """{system}"""\n' if system else "")
            + "".join(f"PARAMETER {k} {json.dumps(v)}\n" for k in sorted(params)
                      for v in (params[k] if isinstance(params[k], list) else [params[k]]))
            + (f'LICENSE """{license_text}"""\n' if license_text else "")
        )
        family = cfg.get("model_family", "")
        body = {}
        if license_text:
            body["license"] = license_text
        body.update({"modelfile": modelfile, "parameters": "\n".join(lines), "template": template})
        if system:
            body["system"] = system
        body["details"] = self.details(cfg)
        body["model_info"] = {
            "general.architecture": family,
            "general.file_type": 0,
            "general.parameter_count": 1024,
            "general.quantization_version": 2,
            f"{family}.context_length": int(params.get("num_ctx") or 2048),
            f"{family}.embedding_length": generation.EMBED_DIM,
        }
        body["capabilities"] = ["completion"]
        body["modified_at"] = goformat.rfc3339nano(goformat.local_time(m.mtime))
        return body

    # ---- inference --------------------------------------------------
    def _model_for_inference(self, ctx, raw: str, empty_status: int, empty_msg: str):
        if not raw:
            ctx.error(empty_status, empty_msg)
            return None
        if not names.parse(raw.removesuffix(":cloud")).is_valid():
            ctx.error(400, INVALID_NAME)
            return None
        if is_cloud_ref(raw):
            if self.cfg.no_cloud:
                ctx.error(403, cloud_disabled_error("remote model is unavailable"))
            else:
                ctx.error(502, "remote model is unavailable")
            return None
        try:
            return self.lookup(raw)
        except ModelNotFound:
            ctx.error(404, f"model '{raw}' not found")
            return None

    def _check_logprobs(self, ctx, req) -> bool:
        tl = req.get("top_logprobs") or 0
        if isinstance(tl, (int, float)) and (tl < 0 or tl > 20):
            ctx.error(400, "top_logprobs must be between 0 and 20")
            return False
        return True

    def _think_refused(self, ctx, req, raw) -> bool:
        think = req.get("think")
        if think is True or (isinstance(think, str) and think in ("high", "medium", "low")):
            ctx.error(400, f"{json.dumps(raw)} does not support thinking")
            return True
        return False

    def generate(self, ctx) -> None:
        req = self.decode(ctx, "GenerateRequest", jsonbody.GENERATE)
        if req is None or not self._check_logprobs(ctx, req):
            return
        raw = req.get("model") or ""
        found = self._model_for_inference(ctx, raw, 404, f"model '{raw}' not found")
        if not found:
            return
        name, m = found
        prompt = req.get("prompt") or ""
        ka = req["_keep_alive"]
        if prompt == "" and ka == 0 and "keep_alive" in req:
            self.sched.unload(name.full())
            return ctx.json(200, {"model": raw, "created_at": created_at(), "response": "", "done": True,
                                  "done_reason": "unload"})
        if req.get("raw") and (req.get("template") or req.get("system") or req.get("context")):
            return ctx.error(400, "raw mode does not support template, system, or context")
        if self._think_refused(ctx, req, raw):
            return
        timer = generation.Timer()
        self.load(name, m, ka)
        timer.mark_loaded()
        if prompt == "":
            return ctx.json(200, {"model": raw, "created_at": created_at(), "response": "", "done": True,
                                  "done_reason": "load"})
        system = req.get("system") or self.store.layer_text(m, "system")
        rendered = (system + "\n" if system and not req.get("raw") else "") + prompt
        tokens, reason = generation.plan_tokens(prompt, req.get("options"))

        def final(text: str) -> dict:
            out = {"model": raw, "created_at": created_at(), "response": text, "done": True,
                   "done_reason": reason}
            if not req.get("raw"):
                out["context"] = generation.token_ids(rendered + " " + "".join(tokens))
            out.update(timer.metrics(generation.count_prompt_tokens(rendered), len(tokens)))
            return out

        def chunk(tok: str) -> dict:
            return {"model": raw, "created_at": created_at(), "response": tok, "done": False}

        self._answer(ctx, req, tokens, chunk, final, lambda: self.load(name, m, ka))

    def chat(self, ctx) -> None:
        req = self.decode(ctx, "ChatRequest", jsonbody.CHAT)
        if req is None or not self._check_logprobs(ctx, req):
            return
        raw = req.get("model") or ""
        found = self._model_for_inference(ctx, raw, 400, "model is required")
        if not found:
            return
        name, m = found
        messages = req.get("messages") or []
        ka = req["_keep_alive"]
        if not messages and ka == 0 and "keep_alive" in req:
            self.sched.unload(name.full())
            return ctx.json(200, {"model": raw, "created_at": created_at(),
                                  "message": {"role": "assistant", "content": ""}, "done": True,
                                  "done_reason": "unload"})
        if req.get("tools"):
            return ctx.error(400, f"{name.full()} does not support tools")
        if self._think_refused(ctx, req, raw):
            return
        timer = generation.Timer()
        self.load(name, m, ka)
        timer.mark_loaded()
        if not messages:
            return ctx.json(200, {"model": raw, "created_at": created_at(),
                                  "message": {"role": "assistant", "content": ""}, "done": True,
                                  "done_reason": "load"})
        for msg in messages:
            if not isinstance(msg, dict):
                return ctx.error(400, "json: cannot unmarshal into Go struct field ChatRequest.messages of type "
                                      "api.Message")
        user = [x.get("content") or "" for x in messages if x.get("role") == "user"]
        prompt = user[-1] if user else (messages[-1].get("content") or "")
        rendered = " ".join(str(x.get("content") or "") for x in messages)
        tokens, reason = generation.plan_tokens(prompt, req.get("options"))

        def final(text: str) -> dict:
            out = {"model": raw, "created_at": created_at(), "message": {"role": "assistant", "content": text},
                   "done": True, "done_reason": reason}
            out.update(timer.metrics(generation.count_prompt_tokens(rendered), len(tokens)))
            return out

        def chunk(tok: str) -> dict:
            return {"model": raw, "created_at": created_at(),
                    "message": {"role": "assistant", "content": tok}, "done": False}

        self._answer(ctx, req, tokens, chunk, final, lambda: self.load(name, m, ka))

    def _answer(self, ctx, req: dict, tokens: list, chunk, final, loaded) -> None:
        """One JSON object (stream: false) or NDJSON chunks paced at the token rate, then final.

        ``loaded`` refreshes the model's keep-alive once generation is over, as Ollama does.
        """
        rate = self.cfg.token_rate
        if req.get("stream") is False:
            text = "".join(generation.paced(tokens, rate))
            loaded()
            return ctx.json(200, final(text))
        with ctx.stream(NDJSON) as w:
            for tok in generation.paced(tokens, rate):
                if not w.write(goformat.go_json(chunk(tok)) + b"\n"):
                    return None
            loaded()
            w.write(goformat.go_json(final("")) + b"\n")
        return None

    def _embed_model(self, ctx, raw: str, empty_status: int, empty_msg: str):
        if not raw:
            ctx.error(empty_status, empty_msg)
            return None
        if not names.parse(raw).is_valid():
            ctx.error(400, INVALID_NAME)
            return None
        try:
            return self.lookup(raw)
        except ModelNotFound:
            ctx.error(404, f"model {goformat.go_quote(raw)} not found, try pulling it first")
            return None

    def embed(self, ctx) -> None:
        req = self.decode(ctx, "EmbedRequest", jsonbody.EMBED)
        if req is None:
            return
        raw = req.get("model") or ""
        inp = req.get("input")
        if isinstance(inp, str):
            inputs = [inp] if inp else []
        elif isinstance(inp, list):
            if not all(isinstance(x, str) for x in inp):
                return ctx.error(400, "invalid input type")
            inputs = inp
        elif inp is None:
            inputs = []
        else:
            return ctx.error(400, "invalid input type")
        if not raw:
            return ctx.error(404, f"model '{raw}' not found")
        found = self._embed_model(ctx, raw, 404, f"model '{raw}' not found")
        if not found:
            return
        name, m = found
        timer = generation.Timer()
        self.load(name, m, req["_keep_alive"])
        timer.mark_loaded()
        if not inputs:
            return ctx.json(200, {"model": raw, "embeddings": []})
        dims = req.get("dimensions") or 0
        vectors = []
        for text in inputs:
            vec = generation.embedding(text)
            if 0 < dims < len(vec):
                norm = sum(v * v for v in vec[:dims]) ** 0.5 or 1.0
                vec = [round(v / norm, 7) for v in vec[:dims]]
            vectors.append(vec)
        metrics = timer.metrics(sum(generation.count_prompt_tokens(t) for t in inputs), 0)
        ctx.json(200, {"model": raw, "embeddings": vectors, "total_duration": metrics["total_duration"],
                       "load_duration": metrics["load_duration"], "prompt_eval_count": metrics["prompt_eval_count"]})

    def embeddings(self, ctx) -> None:
        req = self.decode(ctx, "EmbeddingRequest", jsonbody.EMBEDDINGS)
        if req is None:
            return
        raw = req.get("model") or ""
        found = self._embed_model(ctx, raw, 400, "model is required")
        if not found:
            return
        name, m = found
        self.load(name, m, req["_keep_alive"])
        prompt = req.get("prompt") or ""
        ctx.json(200, {"embedding": generation.embedding(prompt) if prompt else []})

    # ---- model management -------------------------------------------
    def pull(self, ctx) -> None:
        req = self.decode(ctx, "PullRequest", jsonbody.NAMED)
        if req is None:
            return
        raw = req.get("model") or req.get("name") or ""
        name = names.parse(raw)
        if not raw or not name.is_valid():
            return ctx.error(400, INVALID_NAME)
        name = self.store.canonical(name)
        events = [{"status": "pulling manifest"}, {"error": registry.pull_error(name)}]
        self.stream_or_wait(ctx, req, events)

    def push(self, ctx) -> None:
        req = self.decode(ctx, "PushRequest", jsonbody.NAMED)
        if req is None:
            return
        raw = req.get("model") or req.get("name") or ""
        if not raw:
            return ctx.error(400, "model is required")
        name = self.store.canonical(names.parse(raw))
        events: list[dict] = [{"status": "retrieving manifest"}]
        try:
            m = self.store.get(name)
            first = (m.layers or [m.config_layer])[0]
            events.append({"error": registry.push_blob_error(name, first.get("digest", ""))})
        except ModelNotFound:
            events.append({"status": "couldn't retrieve manifest"})
            events.append({"error": f"open {self.store.manifest_path(name)}: no such file or directory"})
        self.stream_or_wait(ctx, req, events)

    def create(self, ctx) -> None:
        req = self.decode(ctx, "CreateRequest", jsonbody.CREATE)
        if req is None:
            return
        raw = req.get("model") or req.get("name") or ""
        name = names.parse(raw)
        if not name.is_valid():
            return ctx.error(400, INVALID_NAME)
        name = self.store.canonical(name)
        self.stream_or_wait(ctx, req, self._create_events(name, req))

    def _create_events(self, name, req: dict) -> list[dict]:
        src_raw = req.get("from") or ""
        if not src_raw:
            if req.get("files"):
                return [{"error": "the emulator cannot create models from files", "_status": 400}]
            return [{"error": "neither 'from' or 'files' was specified", "_status": 400}]
        src_name = names.parse(src_raw)
        if not src_name.is_valid():
            return [{"error": INVALID_NAME, "_status": 400}]
        src_name = self.store.canonical(src_name)
        try:
            src = self.store.get(src_name)
        except ModelNotFound:
            return [{"status": "pulling manifest"}, {"error": registry.pull_error(src_name)}]
        overrides: dict[str, bytes] = {}
        if req.get("system"):
            overrides["system"] = str(req["system"]).encode()
        if req.get("template"):
            overrides["template"] = str(req["template"]).encode()
        if isinstance(req.get("parameters"), dict) and req["parameters"]:
            merged = {**self.store.params(src), **req["parameters"]}
            overrides["params"] = json.dumps(merged, separators=(",", ":"), sort_keys=True).encode()
        if req.get("license"):
            lic = req["license"]
            overrides["license"] = ("\n".join(lic) if isinstance(lic, list) else str(lic)).encode()
        _created, statuses = self.store.create_from(name, src, overrides)
        return [{"status": s} for s in statuses] + [{"status": "writing manifest"}, {"status": "success"}]

    def copy(self, ctx) -> None:
        req = self.decode(ctx, "CopyRequest", jsonbody.COPY)
        if req is None:
            return
        src_raw, dst_raw = req.get("source") or "", req.get("destination") or ""
        src = names.parse(src_raw)
        if not src.is_valid():
            return ctx.error(400, f"source {goformat.go_quote(src_raw)} is invalid")
        dst = names.parse(dst_raw)
        if not dst.is_valid():
            return ctx.error(400, f"destination {goformat.go_quote(dst_raw)} is invalid")
        try:
            self.store.copy(self.store.canonical(src), self.store.canonical(dst))
        except ModelNotFound:
            return ctx.error(404, f"model {goformat.go_quote(src_raw)} not found")
        ctx.empty(200)

    def delete(self, ctx) -> None:
        req = self.decode(ctx, "DeleteRequest", jsonbody.NAMED)
        if req is None:
            return
        raw = req.get("model") or req.get("name") or ""
        if not raw:
            return ctx.error(400, "model is required")
        name = names.parse(raw)
        if not name.is_valid():
            return ctx.error(400, f"name {goformat.go_quote(raw)} is invalid")
        try:
            name = self.store.canonical(name)
            self.store.delete(name)
        except ModelNotFound:
            return ctx.error(404, f"model '{raw}' not found")
        self.sched.unload(name.full())
        ctx.empty(200)

    def head_blob(self, ctx) -> None:
        digest = ctx.params.get("digest", "")
        try:
            exists = self.store.has_blob(digest)
        except InvalidDigest as err:
            return ctx.error(400, str(err))
        if not exists:
            return ctx.error(404, f"blob {goformat.go_quote(digest)} not found")
        ctx.empty(200)

    def create_blob(self, ctx) -> None:
        digest = ctx.params.get("digest", "")
        try:
            if self.store.has_blob(digest):
                return ctx.empty(200)
        except InvalidDigest as err:
            return ctx.error(400, str(err))
        data = ctx.body
        actual = self.store.write_blob(data)  # upstream stores the layer under its real digest first
        if actual != digest:
            return ctx.error(400, f"digest mismatch, expected {goformat.go_quote(digest)}, "
                                  f"got {goformat.go_quote(actual)}")
        ctx.empty(201)

    # ---- account / experimental (offline, signed out) ----------------
    def whoami(self, ctx) -> None:
        ctx.send(200, b"null", JSON_CT)

    def signout(self, ctx) -> None:
        ctx.error(500, "there was an error signing out")

    def _web(self, ctx, operation: str) -> None:
        if not ctx.body.strip():
            return ctx.error(400, "missing request body")
        if self.cfg.no_cloud:
            return ctx.error(403, cloud_disabled_error(operation))
        ctx.error(502, operation)

    def web_search(self, ctx) -> None:
        self._web(ctx, "web search is unavailable")

    def web_fetch(self, ctx) -> None:
        self._web(ctx, "web fetch is unavailable")

    def model_recommendations(self, ctx) -> None:
        ctx.json(200, {"recommendations": []})
