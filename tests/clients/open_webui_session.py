"""Drive a running Open WebUI the way a user does, and say what worked.

Steps: sign up (the first user is the admin), verify the Ollama connection (Settings >
Connections > Verify: GET /api/version through the proxy), list the models, chat not streamed,
chat streamed, four turns with the page's background tasks (title, tags, follow-ups), upload a
small text document (embedded with Ollama through the proxy, one request per chunk, all at
once: Open WebUI's defaults), and ask about the document.

Usage: open_webui_session.py WEBUI_URL PROXY_URL API_KEY MODEL DOCUMENT
Prints one JSON object per step ({"step", "ok", "detail"}); exits 1 when a step failed.
"""

import json
import sys
import time
import urllib.error
import urllib.request
import uuid

webui, proxy, key, model, document = sys.argv[1:6]
token = None
failed = []


def request(method, path, body=None, raw=None, content_type="application/json", timeout=120):
    headers = {"Content-Type": content_type} if (body is not None or raw is not None) else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(webui + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def step(name, ok, detail):
    print(json.dumps({"step": name, "ok": bool(ok), "detail": detail}), flush=True)
    if not ok:
        failed.append(name)


# The first account becomes the admin.
status, text = request(
    "POST",
    "/api/v1/auths/signup",
    {"name": "lab", "email": "lab@lab.example", "password": "lab-only-" + uuid.uuid4().hex},
)
token = json.loads(text).get("token") if status == 200 else None
step("sign up", token, f"HTTP {status}")
if not token:
    sys.exit(1)

status, text = request("POST", "/ollama/verify", {"url": proxy, "key": key})
step("verify connection (GET /api/version)", status == 200 and "version" in text, f"HTTP {status} {text[:200]}")

status, text = request("GET", "/api/models")
ids = [m["id"] for m in json.loads(text).get("data", [])] if status == 200 else []
step("list models", model in ids, f"HTTP {status} {ids}")

chat = {"model": model, "messages": [{"role": "user", "content": "alpha beta gamma"}], "stream": False}
status, text = request("POST", "/api/chat/completions", chat)
try:
    answer = json.loads(text)["choices"][0]["message"]["content"]
except (ValueError, KeyError, IndexError, TypeError):
    answer = ""
step(
    "chat, not streamed",
    status == 200 and answer.strip(),
    f"HTTP {status} {answer[:80]!r} {text[:200] if not answer else ''}",
)

status, text = request("POST", "/api/chat/completions", dict(chat, stream=True))
events = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
pieces = []
for event in events:
    if event != "[DONE]":
        try:
            pieces.append(json.loads(event)["choices"][0]["delta"].get("content") or "")
        except (ValueError, KeyError, IndexError, TypeError):
            pass
step(
    "chat, streamed",
    status == 200 and len(events) > 2 and "".join(pieces).strip(),
    f"HTTP {status}, {len(events)} events, text {''.join(pieces)[:80]!r}",
)

# Four turns back to back, each with the tasks the web page asks for after an answer (title and
# tags on the first turn, follow-up suggestions on every turn): the pattern that met 429 on the
# 4th message before the budgets were per key. Each task is one more upstream /api/chat call.
history, turn_failures = [], []
for turn in range(1, 5):
    history.append({"role": "user", "content": f"turn {turn}: alpha beta gamma"})
    status, text = request("POST", "/api/chat/completions", dict(chat, messages=history))
    try:
        answer = json.loads(text)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        answer = ""
    if status != 200 or not answer.strip():
        turn_failures.append(f"turn {turn} answer: HTTP {status} {text[:120]}")
    history.append({"role": "assistant", "content": answer})
    for task in ["title", "tags", "follow_up"] if turn == 1 else ["follow_up"]:
        status, text = request("POST", f"/api/v1/tasks/{task}/completions", {"model": model, "messages": history})
        if status != 200 or "choices" not in text:
            turn_failures.append(f"turn {turn} {task}: HTTP {status} {text[:120]}")
step("4 chat turns with title, tags and follow-ups", not turn_failures, turn_failures or "every call HTTP 200")

# A small document: multipart by hand (stdlib only).
boundary = uuid.uuid4().hex
with open(document, "rb") as handle:
    content = handle.read()
raw = (
    (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="lab-notes.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n"
    ).encode()
    + content
    + f"\r\n--{boundary}--\r\n".encode()
)
status, text = request("POST", "/api/v1/files/", raw=raw, content_type=f"multipart/form-data; boundary={boundary}")
file_id = json.loads(text).get("id") if status == 200 else None
step("upload a document", file_id, f"HTTP {status}, {len(content)} bytes")
file_status, detail = None, ""
deadline = time.monotonic() + 180
while file_id and time.monotonic() < deadline:
    status, text = request("GET", f"/api/v1/files/{file_id}/process/status")
    data = json.loads(text) if status == 200 else {}
    file_status = data.get("status")
    if file_status in ("completed", "failed"):
        break
    time.sleep(2)
if file_status == "failed":  # the status route gives no reason; the file record keeps it
    status, text = request("GET", f"/api/v1/files/{file_id}")
    detail = (json.loads(text).get("data") or {}).get("error", "") if status == 200 else text[:200]
step("document embedded with Ollama", file_status == "completed", f"status {file_status} {detail}")

if file_status == "completed":
    rag = dict(
        chat, messages=[{"role": "user", "content": "what do the notes say?"}], files=[{"type": "file", "id": file_id}]
    )
    status, text = request("POST", "/api/chat/completions", rag)
    step("chat about the document", status == 200 and "choices" in text, f"HTTP {status} {text[:200]}")

sys.exit(1 if failed else 0)
