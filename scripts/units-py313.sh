#!/usr/bin/env bash
# The unit tests of the modules, module_utils, filters and role templates under Debian 13's
# Python 3.13 (no crypt module), in a container of localhost/aisec-python313 (tests/images/
# python313) with this checkout mounted read-only. Targets run the modules with their own
# Python; this proves they still work where it is 3.13. The awx/ tests and tests/roles drive
# ansible-playbook on the controller (3.11) and stay in scripts/units.sh.
#   scripts/units-py313.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source=tests/images/names.sh
source tests/images/names.sh
podman image exists "$PY313_IMAGE" || { echo "$PY313_IMAGE missing: run tests/images/build.sh python313" >&2; exit 1; }
paths=(tests/unit/plugins tests/unit/roles tests/unit/tools tests/emulator/tests)
# Arguments replace the default paths (scripts/units-py313.sh tests/unit/plugins/filter -k crypt).
(($#)) && paths=()
# ansible_collections/aisec/ollama -> the checkout, as scripts/link-collection.sh does in .venv;
# ansible.posix (its json callback, used by the playbook tests) from the controller's venv.
posix=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections/ansible/posix
exec podman run --rm --network none -v "$repo:/src/ansible_collections/aisec/ollama:ro" \
  -v "$posix:/src/ansible_collections/ansible/posix:ro" \
  -w /src/ansible_collections/aisec/ollama -e PYTHONPATH=/src -e PYTHONDONTWRITEBYTECODE=1 \
  -e HYPOTHESIS_STORAGE_DIRECTORY=/tmp/hypothesis \
  "$PY313_IMAGE" /opt/venv/bin/python -m pytest -q -p no:cacheprovider "${paths[@]}" "$@"
