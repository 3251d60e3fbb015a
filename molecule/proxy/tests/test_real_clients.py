"""Real clients keep working through the proxy: the ollama and openai Python SDKs.

They run on the stranger's host (installed in /opt/sdk by the client image) against proxy-any
(satisfy any): the stranger is outside the allowlist, so only the SDK's credential lets it in.
No other test spends the stranger's inference budget there.
"""

import json
import shlex
from pathlib import Path

import yaml
from lab_hosts import Outsider

LAB_VARS = yaml.safe_load((Path(__file__).resolve().parents[1] / "vars" / "lab.yml").read_text())
KEY = LAB_VARS["proxy_api_keys"][0]["key"]
USER = LAB_VARS["proxy_basic_auth_users"][0]
CA = "/tmp/aisec-proxy-ca-proxy-any.crt"
BASE = "https://proxy-any"


def run_sdk(script):
    """Run a Python script with the SDKs on the stranger; it prints one JSON document."""
    result = Outsider("proxy-stranger").host.run("/opt/sdk/bin/python -c " + shlex.quote(script))
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def test_ollama_python_client_streams_generate_with_a_bearer_key():
    out = run_sdk(f"""
import json, ollama
client = ollama.Client(host={BASE!r}, headers={{"Authorization": "Bearer {KEY}"}}, verify={CA!r})
chunks = list(client.generate(model="emu-tiny", prompt="alpha beta gamma", stream=True,
                              options={{"num_predict": 4}}))
print(json.dumps({{"n": len(chunks), "done": chunks[-1].done,
                   "text": "".join(c.response for c in chunks)}}))
""")
    assert out["n"] == 5
    assert out["done"] is True
    assert out["text"].split() == ["alpha", "beta", "gamma", "alpha"]


def test_ollama_python_client_lists_models_with_basic_auth():
    out = run_sdk(f"""
import json, ollama
client = ollama.Client(host={BASE!r}, auth=({USER['name']!r}, {USER['password']!r}), verify={CA!r})
print(json.dumps([m.model for m in client.list().models]))
""")
    assert out == ["emu-tiny:latest"]


def test_openai_sdk_streams_chat_completions_with_its_api_key():
    out = run_sdk(f"""
import json, httpx, openai
client = openai.OpenAI(base_url={BASE + "/v1"!r}, api_key={KEY!r}, http_client=httpx.Client(verify={CA!r}))
stream = client.chat.completions.create(model="emu-tiny", stream=True, max_tokens=3,
                                        messages=[{{"role": "user", "content": "alpha beta"}}])
parts = [c.choices[0].delta.content or "" for c in stream if c.choices]
print(json.dumps({{"chunks": len(parts), "text": "".join(parts)}}))
""")
    assert out["chunks"] >= 3
    assert out["text"].strip()


def test_openai_sdk_is_refused_without_a_valid_key():
    out = run_sdk(f"""
import json, httpx, openai
client = openai.OpenAI(base_url={BASE + "/v1"!r}, api_key="not-a-key", http_client=httpx.Client(verify={CA!r}))
try:
    client.models.list()
    print(json.dumps({{"error": None}}))
except openai.APIStatusError as err:
    print(json.dumps({{"error": err.status_code}}))
""")
    assert out["error"] == 401
