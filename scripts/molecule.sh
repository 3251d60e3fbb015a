#!/usr/bin/env bash
# Run one molecule command for one scenario with the project's venv and images.
#   scripts/molecule.sh test exposed
#   scripts/molecule.sh converge demo
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:?usage: scripts/molecule.sh ACTION SCENARIO}
scenario=${2:?usage: scripts/molecule.sh ACTION SCENARIO}
[[ -f molecule/$scenario/molecule.yml ]] || { echo "no such scenario: molecule/$scenario" >&2; exit 2; }
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-false}
exec molecule "$action" -s "$scenario"
