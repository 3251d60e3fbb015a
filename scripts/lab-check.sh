#!/usr/bin/env bash
# Lab self-check, run at the start of `make demo` and `make test` (a few seconds): what the lab
# needs from the host and a fresh Debian machine may lack.
#   1. podman --init works (package catatonit);
#   2. two containers on a fresh podman network resolve each other by name (podman 4 with CNI:
#      package golang-github-containernetworking-plugin-dnsname);
#   3. a published port answers from the host.
# Uses the lab's client image (no download). Its containers carry the label aisec.lab and its
# network the prefix aisec-, so scripts/clean.sh removes anything a killed run leaves behind.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2034  # read by names.sh
repo=$PWD
# shellcheck source=../tests/images/names.sh
source tests/images/names.sh

id=aisec-labcheck-$$
net=$id
server=$id-server
client=$id-client
started=$SECONDS

fail() {
  printf '\nlab-check: FAILED: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

cleanup() {
  podman rm -f -t 0 "$server" "$client" >/dev/null 2>&1 || true
  podman network rm -f "$net" >/dev/null 2>&1 || true
}
trap cleanup EXIT

podman image exists "$CLIENT_IMAGE" ||
  fail "the lab image $CLIENT_IMAGE is missing" "build the images first: tests/images/build.sh (make images)"

# 1. --init (every client container of the lab uses it)
if ! out=$(podman run --rm --init --label aisec.lab=lab-check "$CLIENT_IMAGE" true 2>&1); then
  if [[ $out == *container-init* || $out == *catatonit* ]]; then
    fail "podman --init does not work: the Debian package catatonit is missing" \
      "podman said: $out" "fix: apt-get install catatonit   (scripts/setup.sh installs it)"
  fi
  fail "podman cannot start a container with --init" "podman said: $out"
fi
echo "lab-check: podman --init works"

# 2. names between containers on a fresh network
podman network create "$net" >/dev/null
podman run -d --init --name "$server" --label aisec.lab=lab-check --network "$net" \
  -p 127.0.0.1::8080 "$CLIENT_IMAGE" python3 -m http.server 8080 >/dev/null
if ! out=$(podman run --rm --init --name "$client" --label aisec.lab=lab-check --network "$net" "$CLIENT_IMAGE" \
  python3 -c '
import socket, sys, time, urllib.request
name = sys.argv[1]
try:
    address = socket.gethostbyname(name)
except OSError as exc:
    sys.exit("name %s does not resolve: %s" % (name, exc))
for _ in range(50):
    try:
        urllib.request.urlopen("http://%s:8080/" % name, timeout=2).read()
        break
    except OSError as exc:
        error = exc
        time.sleep(0.1)
else:
    sys.exit("%s resolves to %s but does not answer on 8080: %s" % (name, address, error))
' "$server" 2>&1); then
  if [[ $out == *"does not resolve"* ]]; then
    dns="dnsname plugin missing from /usr/lib/cni"
    [[ -x /usr/lib/cni/dnsname ]] && dns="/usr/lib/cni/dnsname is there now: remove lab networks made without it (make clean)"
    fail "containers on a podman network do not resolve each other by name" \
      "$out" \
      "podman $(podman version --format '{{.Client.Version}}') uses the $(podman info --format '{{.Host.NetworkBackend}}') backend; its DNS comes from the Debian package" \
      "golang-github-containernetworking-plugin-dnsname ($dns)" \
      "fix: apt-get install golang-github-containernetworking-plugin-dnsname   (scripts/setup.sh installs it)," \
      "     then make clean: networks created while it was missing stay without DNS"
  fi
  fail "containers on one podman network cannot talk to each other" "$out"
fi
echo "lab-check: containers resolve each other by name"

# 3. a published port answers from the host
port=$(podman port "$server" 8080/tcp | head -n1)
port=${port##*:}
if ! out=$(python3 - "$port" 2>&1 <<'EOF'
import sys, time, urllib.request
for _ in range(50):
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=2).read()
        break
    except OSError as exc:
        error = exc
        time.sleep(0.1)
else:
    sys.exit("127.0.0.1:%s: %s" % (sys.argv[1], error))
EOF
); then
  fail "a port published with podman -p does not answer from the host" "$out" \
    "check the containernetworking-plugins package (portmap) and the host firewall"
fi
echo "lab-check: a published port answers from the host"
echo "lab-check: OK ($((SECONDS - started)) s)"
