#!/usr/bin/env bash
# make clean: remove the lab's containers and networks (everything molecule or
# the demo created, found by their label and network prefix) and nothing else:
# images, the venv and caches stay.
set -euo pipefail
cd "$(dirname "$0")/.."
# molecule's own destroy first, so its record of the demo is reset too.
if [[ -x .venv/bin/molecule ]]; then
  scripts/molecule.sh destroy demo >/dev/null 2>&1 || echo "==> molecule destroy failed; removing by label"
fi
mapfile -t containers < <(podman ps -a --filter label=aisec.lab --format '{{.Names}}')
if ((${#containers[@]})); then
  echo "==> removing containers: ${containers[*]}"
  podman rm -f -t 2 "${containers[@]}" >/dev/null
fi
mapfile -t networks < <(podman network ls --format '{{.Name}}' | grep '^aisec-' || true)
if ((${#networks[@]})); then
  echo "==> removing networks: ${networks[*]}"
  podman network rm "${networks[@]}" >/dev/null
fi
echo "==> lab removed"
