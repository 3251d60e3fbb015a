#!/usr/bin/env bash
# Opt-in (`make test-clients`, NOT part of `make test`: Open WebUI and its dependencies are
# several GB): Open WebUI 0.12.4, installed from PyPI in its own venv under .cache/open-webui,
# started on this machine against the proxy lab (molecule/proxy's proxy-target, the role's
# default profile and limits) with the lab's API key and internal CA, as docs/clients.md says.
# It verifies the connection, lists models, chats streamed and not, uploads a small document
# embedded with Ollama, then reads the proxy's access log for any 4xx/5xx of Open WebUI's calls.
# The lab is created and converged if needed (`molecule converge`), with this machine's address
# on the lab network added to proxy_allowed_cidrs; it is left running (`scripts/molecule.sh
# destroy proxy` removes it). Exit 0 only when every step worked and the log shows no refusal.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cache=$repo/.cache/open-webui
venv=$cache/venv
port=${OPEN_WEBUI_PORT:-8089}
model=emu-tiny:latest
export PATH="$repo/.venv/bin:$PATH"
mkdir -p "$cache"

echo "==> Open WebUI 0.12.4 in $venv"
if ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("open-webui") != "0.12.4")' 2>/dev/null; then
    python3 -m venv "$venv"   # Python 3.11 here; Open WebUI 0.12.4 needs 3.11 or 3.12
    # torch first, pinned: 2.13.0 is the CPU build on this machine's disk. Left to open-webui's
    # dependencies, pip would take a CUDA build (several GB).
    "$venv/bin/pip" install -q 'torch==2.13.0'
    "$venv/bin/pip" install -q 'open-webui==0.12.4'
fi

echo "==> the proxy lab (molecule/proxy)"
scripts/molecule.sh create proxy
address() { podman inspect "$1" --format "{{range .NetworkSettings.Networks}}{{.$2}}{{end}}"; }
target_ip=$(address proxy-target IPAddress)
client_ip=$(address proxy-client IPAddress)
gateway_ip=$(address proxy-target Gateway)   # this machine, as the proxy sees it
[[ -n $target_ip && -n $client_ip && -n $gateway_ip ]] || { echo "lab addresses not found" >&2; exit 1; }
printf '{"proxy_allowed_cidrs": ["%s/32", "%s/32", "127.0.0.0/8"]}\n' "$client_ip" "$gateway_ip" >"$cache/lab-extra-vars.json"
molecule converge -s proxy -- -e "@$cache/lab-extra-vars.json" >"$cache/converge.log" 2>&1 ||
    { tail -30 "$cache/converge.log"; echo "converge failed: $cache/converge.log" >&2; exit 1; }
podman exec proxy-target cat /etc/nginx/aisec-ollama/tls/ca.crt >"$cache/ca.crt"
key=$(.venv/bin/python -c 'import yaml; print(yaml.safe_load(open("molecule/proxy/vars/lab.yml"))["proxy_api_keys"][0]["key"])')
log=/var/log/nginx/aisec-ollama-access.json
log_start=$(podman exec proxy-target sh -c "wc -l < $log")

echo "==> Open WebUI on 127.0.0.1:$port, Ollama connection https://proxy-target ($target_ip) with the lab key"
rm -rf "$cache/data" && mkdir -p "$cache/data"
env DATA_DIR="$cache/data" WEBUI_SECRET_KEY="lab-only-$RANDOM$RANDOM" \
    OFFLINE_MODE=true HF_HUB_OFFLINE=1 ANONYMIZED_TELEMETRY=false DO_NOT_TRACK=true SCARF_NO_ANALYTICS=true \
    ENABLE_OPENAI_API=false \
    OLLAMA_BASE_URLS=https://proxy-target \
    OLLAMA_API_CONFIGS="{\"0\": {\"enable\": true, \"key\": \"$key\"}}" \
    AIOHTTP_CLIENT_SSL_CERT_FILE="$cache/ca.crt" \
    RAG_EMBEDDING_ENGINE=ollama RAG_EMBEDDING_MODEL="$model" \
    RAG_OLLAMA_BASE_URL=https://proxy-target RAG_OLLAMA_API_KEY="$key" \
    "$venv/bin/python" tests/clients/open_webui_run.py "$port" "proxy-target=$target_ip" \
    >"$cache/open-webui.log" 2>&1 &
webui_pid=$!
trap 'kill "$webui_pid" 2>/dev/null || true; wait "$webui_pid" 2>/dev/null || true' EXIT
for _ in $(seq 150); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    kill -0 "$webui_pid" 2>/dev/null || { tail -40 "$cache/open-webui.log"; echo "Open WebUI exited" >&2; exit 1; }
    sleep 2
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { tail -40 "$cache/open-webui.log"; echo "Open WebUI did not start" >&2; exit 1; }

# About 10 KB of text: 12 embed calls (one per chunk; chunks of 1000 characters, overlap 100) when run.
.venv/bin/python -c '
import sys
lines = ["Lab note %d: the proxy in front of Ollama answers JSON errors and keeps budgets per key." % i for i in range(120)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")' "$cache/lab-notes.txt"

echo "==> a user's session"
session_rc=0
"$venv/bin/python" tests/clients/open_webui_session.py "http://127.0.0.1:$port" https://proxy-target "$key" "$model" \
    "$cache/lab-notes.txt" || session_rc=$?

echo "==> the proxy's access log for Open WebUI's requests (client $gateway_ip)"
log_rc=0
podman exec proxy-target sh -c "tail -n +$((log_start + 1)) $log" | .venv/bin/python -c '
import collections, json, sys
client = sys.argv[1]
entries = [json.loads(line) for line in sys.stdin if line.strip()]
mine = [e for e in entries if e["client"] == client]
counts = collections.Counter((e["method"], e["path"], e["status"]) for e in mine)
for (method, path, status), n in sorted(counts.items()):
    print(f"  {n:4d} x {status} {method} {path}")
refused = [e for e in mine if e["status"] >= 400]
for e in refused:
    print("  REFUSED:", json.dumps(e))
print(f"  {len(mine)} requests from Open WebUI, {len(refused)} with status >= 400")
sys.exit(1 if refused or not mine else 0)' "$gateway_ip" || log_rc=$?

if ((session_rc || log_rc)); then
    echo "test-clients: FAILED (session rc=$session_rc, access log rc=$log_rc; Open WebUI log: $cache/open-webui.log)" >&2
    exit 1
fi
echo "test-clients: Open WebUI 0.12.4 worked through the proxy with the default profile and limits"
