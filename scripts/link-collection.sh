#!/usr/bin/env bash
# Make this checkout importable as aisec.ollama from the project venv.
#
# ansible-core scans sys.path for `ansible_collections/` (that is how the collections bundled
# with the `ansible` package are found), so a symlink
#   .venv/lib/pythonX.Y/site-packages/ansible_collections/aisec/ollama -> <repo root>
# lets ansible-playbook, ansible-doc, ansible-lint and molecule resolve aisec.ollama.* without
# installing a copy that would go stale. Idempotent: re-running fixes a wrong or stale link.
# (ansible-test refuses symlinks; scripts/sanity.sh copies the tree instead.)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
python="${repo_root}/.venv/bin/python"

if [[ ! -x "${python}" ]]; then
    echo "link-collection: ${python} not found; create the venv first (python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt)" >&2
    exit 1
fi

# Ask the venv's own interpreter where its site-packages is (no hard-coded pythonX.Y).
site_packages="$("${python}" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
namespace_dir="${site_packages}/ansible_collections/aisec"
link="${namespace_dir}/ollama"

mkdir -p "${namespace_dir}"

if [[ -L "${link}" ]]; then
    if [[ "$(readlink "${link}")" == "${repo_root}" ]]; then
        echo "link-collection: ${link} -> ${repo_root} (already in place)"
        exit 0
    fi
    rm -f "${link}"  # points elsewhere (moved checkout): replace it
elif [[ -e "${link}" ]]; then
    # A real directory here is an installed copy (ansible-galaxy collection install); it would
    # shadow the checkout, so refuse rather than delete someone's files.
    echo "link-collection: ${link} exists and is not a symlink; remove it and re-run" >&2
    exit 1
fi

ln -s "${repo_root}" "${link}"
echo "link-collection: ${link} -> ${repo_root}"
