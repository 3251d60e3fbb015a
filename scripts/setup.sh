#!/usr/bin/env bash
# Prepare this machine for tests and the lab: apt packages, podman settings, the
# venv in .venv/ and the collection linked into it. Safe to re-run: every step
# checks before it changes anything.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

# catatonit: podman --init (a Recommends that --no-install-recommends drops);
# dnsname: name resolution between containers of a CNI network (podman 4.3);
# chromium: the fleet report's browser test (tests/unit/report) renders the page headless. Its
# Recommends are not needed for that (no sandbox helper, fonts-dejavu-core is on a fresh machine):
# about 120 MB downloaded, 400 MB installed.
apt_packages=(podman runc catatonit golang-github-containernetworking-plugin-dnsname debootstrap
  fuse-overlayfs slirp4netns uidmap git make rsync python3-venv chromium)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "apt: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "apt: all packages present"
fi

# crun cannot run on this cgroup-v1 host and podman's default nofile limit is above
# the hard limit here: use runc and lower the limits (see reference/test-hosts.md).
conf=/etc/containers/containers.conf
wanted=$(cat scripts/containers.conf)
if [[ ! -f $conf ]] || [[ "$(cat "$conf")" != "$wanted" ]]; then
  say "podman: writing $conf"
  mkdir -p /etc/containers
  [[ -f $conf ]] && cp -n "$conf" "$conf.aisec-orig"
  printf '%s\n' "$wanted" >"$conf"
else
  say "podman: $conf already set"
fi

python=${PYTHON:-python3.11}
stamp=.venv/.requirements.sha256
want_hash=$(sha256sum requirements.txt | cut -d' ' -f1)
if [[ ! -x .venv/bin/python ]]; then
  say "venv: creating .venv with $python"
  "$python" -m venv .venv
fi
if [[ ! -f $stamp ]] || [[ "$(cat "$stamp")" != "$want_hash" ]]; then
  say "venv: installing requirements.txt"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements.txt
  echo "$want_hash" >"$stamp"
else
  say "venv: requirements already installed"
fi

scripts/link-collection.sh
