#!/usr/bin/env bash
# make demo: a small lab of Ollama servers exposed the way people run them today
# (a native install opened on 0.0.0.0, the official container image published on
# every interface), then what an outsider on the same network can reach.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
tests/images/build.sh
scripts/lab-check.sh
scripts/molecule.sh create demo
scripts/molecule.sh converge demo
echo
echo "=== What an anonymous outsider (demo-client) reaches ==="
# The probe exits non-zero when it could not examine a server (name not resolved, no route,
# timeout...): the demo must not show that as "closed", so it fails here with the reason.
rc=0
podman exec demo-client ollama-outsider-probe demo-native demo-docker || rc=$?
if ((rc != 0)); then
  cat >&2 <<EOT

make demo: FAILED (outsider probe exit status $rc): the outsider could not examine what it was asked
to show; the lines above say which server and why (UNRESOLVED, NO ROUTE, TIMEOUT...).
If a name does not resolve, the lab network may predate the DNS plugin: run
  make clean && make demo
EOT
  exit "$rc"
fi
cat <<'EOT'

Look around yourself:
  podman exec -it demo-client bash                # the outsider
  curl http://demo-native:11434/api/tags           # (from inside demo-client)
  podman exec -it demo-native systemctl status ollama
  podman exec -it demo-docker podman ps            # Ollama as a container
Remove the lab with: make clean
EOT
