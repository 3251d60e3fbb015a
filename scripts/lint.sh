#!/usr/bin/env bash
# Static checks that need no hosts: ruff (Python style and bugs, ruff.toml), ansible-lint
# (production profile, .ansible-lint) and antsibull-changelog lint (changelog fragments, which
# ansible-lint skips). All always run; the script fails if any failed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${repo_root}"
venv_bin="${repo_root}/.venv/bin"

# ansible-lint warns ("PATH altered") unless the venv's bin is on PATH, and it runs
# ansible-playbook/ansible-galaxy from PATH: make sure they are the venv's.
export PATH="${venv_bin}:${PATH}"

# .ansible-lint has offline: true, so ansible-lint does not install this collection for itself;
# aisec.ollama.* must resolve from a path we give. The link makes the checkout appear under the
# venv's site-packages/ansible_collections, next to the bundled dependencies.
"${repo_root}/scripts/link-collection.sh" >/dev/null
site_packages="$("${venv_bin}/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
export ANSIBLE_COLLECTIONS_PATH="${site_packages}"

failed=()

echo "==> ruff check"
if ! "${venv_bin}/ruff" check --config ruff.toml .; then
    failed+=("ruff")
fi

echo "==> ansible-lint (profile from .ansible-lint)"
if ! "${venv_bin}/ansible-lint"; then
    failed+=("ansible-lint")
fi

echo "==> antsibull-changelog lint"
if ! "${venv_bin}/antsibull-changelog" lint; then
    failed+=("antsibull-changelog")
fi

if (( ${#failed[@]} )); then
    echo "lint: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "lint: all passed"
