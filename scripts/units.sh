#!/usr/bin/env bash
# Unit tests: the modules' and module_utils' tests, and the emulator's own tests.
# tests/roles: the roles run with ansible-playbook --check / --list-tasks on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=()
for dir in tests/unit tests/emulator/tests tests/roles; do
  [[ -d $dir ]] && paths+=("$dir")
done
exec .venv/bin/python -m pytest -q -p no:cacheprovider "${paths[@]}" "$@"
