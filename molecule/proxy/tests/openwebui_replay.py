"""Open WebUI's upstream request pattern against an Ollama connection, replayed through the proxy.

Run on a lab client with python3 (stdlib only); tests/test_front_ends.py passes this file's text
to `python3 -c` with one JSON argument and reads one JSON document from stdout.

The pattern (issue 17, from a run of Open WebUI 0.12.4 against the proxy): "Verify connection"
GET /api/version, the model list GET /api/tags, the model's details POST /api/show, then per
chat turn three POST /api/chat calls (the streamed answer, then the follow-ups and the title or
tags task, not streamed), and a document upload as one POST /api/embed per chunk (Open WebUI's
default embedding batch size is 1), all chunks at once (its defaults ENABLE_ASYNC_EMBEDDING=True
and RAG_EMBEDDING_CONCURRENT_REQUESTS=0, no cap: retrieval/utils.py gathers every batch), with
one more embed per turn for the query of a chat that uses the document. Each request on a new TLS
connection, as Open WebUI's per-request sessions do.

Argument: {"host", "ca", "auth" (the Authorization value), "model", "turns", "chunks",
"pause" (seconds between turns: the user reading and typing), "rag_turns"}. The upload's
connections are all opened first and their requests sent together (a barrier), so the proxy
sees them in flight at the same time, as with Open WebUI's unbounded gather.
Output: {"requests": [{"step", "method", "path", "status", "content_type", "retry_after",
"error"}], "seconds"}; "error" is the parsed body's "error" for a status >= 400 (or the raw body
start when it is not JSON).
"""

import http.client
import json
import ssl
import sys
import threading
import time

cfg = json.loads(sys.argv[1])
ctx = ssl.create_default_context(cafile=cfg["ca"])
log = []
lock = threading.Lock()  # the upload's threads append to log


def call(step, method, path, body=None, stream=False, barrier=None):
    conn = http.client.HTTPSConnection(cfg["host"], 443, context=ctx, timeout=60)
    if barrier is not None:
        conn.connect()
        barrier.wait()
    headers = {"Authorization": cfg["auth"], "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    entry = {"step": step, "method": method, "path": path, "status": resp.status,
             "content_type": resp.getheader("Content-Type") or "", "retry_after": resp.getheader("Retry-After")}
    if resp.status >= 400:
        try:
            entry["error"] = json.loads(raw)["error"]
        except (ValueError, KeyError, TypeError):
            entry["error"] = None
            entry["raw"] = raw[:200].decode(errors="replace")
    elif stream:
        # NDJSON: the last line must say done.
        lines = [line for line in raw.decode().splitlines() if line.strip()]
        entry["done"] = bool(lines) and json.loads(lines[-1]).get("done") is True
    with lock:
        log.append(entry)
    return entry


def chat(step, text, stream):
    body = {"model": cfg["model"], "stream": stream, "messages": [{"role": "user", "content": text}],
            "options": {"num_predict": 6}}
    return call(step, "POST", "/api/chat", body, stream=stream)


start = time.monotonic()
# Settings > Connections > Ollama > Verify connection, then the model list and the model.
call("verify connection", "GET", "/api/version")
call("model list", "GET", "/api/tags")
call("model details", "POST", "/api/show", {"model": cfg["model"]})
for turn in range(cfg["turns"]):
    if turn:
        time.sleep(cfg["pause"])
    chat(f"turn {turn} answer", f"question number {turn}", True)
    chat(f"turn {turn} follow-ups", "suggest follow-up questions", False)
    chat(f"turn {turn} {'title' if turn == 0 else 'tags'}", "generate a short title", False)
# A document upload: one embed per chunk (about 1 KB of text each), every chunk at once.
barrier = threading.Barrier(cfg["chunks"], timeout=60)
uploads = [threading.Thread(target=call, args=(f"upload chunk {chunk}", "POST", "/api/embed",
                                               {"model": cfg["model"],
                                                "input": [f"chunk {chunk} of the document " + "lorem ipsum " * 80]}),
                            kwargs={"barrier": barrier})
           for chunk in range(cfg["chunks"])]
for thread in uploads:
    thread.start()
for thread in uploads:
    thread.join()
# Chat turns about the document: the query embedded, then the three chat calls.
for turn in range(cfg["rag_turns"]):
    time.sleep(cfg["pause"])
    call(f"rag turn {turn} query", "POST", "/api/embed", {"model": cfg["model"], "input": ["what does it say"]})
    chat(f"rag turn {turn} answer", "what does the document say", True)
    chat(f"rag turn {turn} follow-ups", "suggest follow-up questions", False)
    chat(f"rag turn {turn} tags", "generate tags", False)
print(json.dumps({"requests": log, "seconds": round(time.monotonic() - start, 1)}))
