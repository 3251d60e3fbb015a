#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection, without Docker and without Galaxy.
#
# Usage: scripts/sanity.sh [extra ansible-test sanity args, e.g. --test validate-modules]
#
# Why the detours:
# - ansible-test needs the collection at a real .../ansible_collections/aisec/ollama path and
#   refuses symlinks, so the files git would commit (tracked + untracked-not-ignored) are copied
#   into .cache/ansible-test/ansible_collections/aisec/ollama and the test runs there
#   (with ANSIBLE_TEST_CONTENT_ROOT pinned, see step 3).
# - ansible-test bootstraps pip in each test venv with a get-pip script downloaded from
#   ci-files.testing.ansible.com, which is unreachable here. We pre-seed its cache with a small
#   stand-in that installs pip from the pip wheel (downloaded once from PyPI, kept in .cache/).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${repo_root}"
venv_bin="${repo_root}/.venv/bin"
python="${venv_bin}/python"
python_version="3.11"  # the controller Python (requirements.txt is pinned for it)

for tool in "${python}" "${venv_bin}/ansible-test"; do
    [[ -x "${tool}" ]] || { echo "sanity: ${tool} missing; create the venv from requirements.txt" >&2; exit 1; }
done
# ansible-test finds its helpers (and the python it names) on PATH.
export PATH="${venv_bin}:${PATH}"

# Several people share this checkout: one run at a time, since each run rebuilds the copy.
mkdir -p "${repo_root}/.cache"
exec 9>"${repo_root}/.cache/sanity.lock"
if ! flock -n 9; then
    echo "sanity: another run holds .cache/sanity.lock; waiting for it"
    flock 9
fi

# --- 1. offline pip bootstrap for ansible-test's test venvs --------------------------------
# The pip version ansible-test bootstraps, read from ansible-test itself (24.2 for core 2.19).
pip_version="$("${python}" - "${python_version}" <<'PY'
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])
PY
)"
wheel="pip-${pip_version}-py3-none-any.whl"
wheel_cache="${repo_root}/.cache/pip-bootstrap"
test_cache="${HOME}/.ansible/test/cache"
shim="${test_cache}/get_pip_${pip_version//./_}.py"
marker="# aisec.ollama offline get-pip shim"

mkdir -p "${wheel_cache}" "${test_cache}"
if [[ ! -f "${wheel_cache}/${wheel}" ]]; then
    echo "sanity: fetching ${wheel} from PyPI into ${wheel_cache}"
    "${python}" -m pip download --quiet --no-deps --only-binary=:all: \
        --dest "${wheel_cache}" "pip==${pip_version}"
fi
cmp -s "${wheel_cache}/${wheel}" "${test_cache}/${wheel}" || cp "${wheel_cache}/${wheel}" "${test_cache}/${wheel}"

if [[ -f "${shim}" ]] && ! grep -qF "${marker}" "${shim}"; then
    # A real get-pip script (someone had network): it works, leave it alone.
    echo "sanity: using existing ${shim}"
else
    shim_tmp="$(mktemp "${shim}.XXXXXX")"
    cat > "${shim_tmp}" <<PY
${marker} (written by scripts/sanity.sh).
# ansible-test runs this as get-pip.py: python get_pip_X.py <pip options> pip==X [--no-setuptools] [--no-wheel]
# Instead of the network installer, run pip from the wheel next to this file.
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "${wheel}"))
from pip._internal.cli.main import main  # noqa: E402

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--find-links", here] + args))
PY
    if cmp -s "${shim_tmp}" "${shim}"; then rm -f "${shim_tmp}"; else mv "${shim_tmp}" "${shim}"; fi
fi

# --- 2. copy the collection to a real ansible_collections path -----------------------------
work_root="${repo_root}/.cache/ansible-test"
dest="${work_root}/ansible_collections/aisec/ollama"
# Recreated each run so deleted/renamed files do not linger; tests/output (ansible-test's
# results) is kept aside and restored so later runs stay fast and reports stay readable.
saved_output=""
if [[ -d "${dest}/tests/output" ]]; then
    saved_output="$(mktemp -d "${work_root}/output.XXXXXX")"
    mv "${dest}/tests/output" "${saved_output}/output"
fi
rm -rf "${dest}"
mkdir -p "${dest}"
# Files git would commit: tracked (still present) + untracked-not-ignored.
git -C "${repo_root}" ls-files -z --cached --others --exclude-standard \
    | "${python}" -c '
import os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
for rel in filter(None, sys.stdin.buffer.read().decode().split("\0")):
    s = os.path.join(src, rel)
    if not os.path.lexists(s):  # tracked but deleted in the work tree
        continue
    d = os.path.join(dst, rel)
    os.makedirs(os.path.dirname(d), exist_ok=True)
    shutil.copy2(s, d, follow_symlinks=False)
' "${repo_root}" "${dest}"
if [[ -n "${saved_output}" ]]; then
    mkdir -p "${dest}/tests"
    mv "${saved_output}/output" "${dest}/tests/output"
    rmdir "${saved_output}"
fi
echo "sanity: copied $(cd "${dest}" && find . -type f -not -path './tests/output/*' | wc -l) files to ${dest}"

# --- 3. run ---------------------------------------------------------------------------------
cd "${dest}"
# The copy sits inside this git checkout (in an ignored folder). Left alone, ansible-test walks
# up, finds ../.git, asks git for the copy's files, gets none and skips every test. Pinning the
# content root makes it list the copied files directly.
export ANSIBLE_TEST_CONTENT_ROOT="${dest}"
echo "sanity: ansible-test sanity --python ${python_version} $*"
set +e
"${venv_bin}/ansible-test" sanity --python "${python_version}" --color no "$@"
rc=$?
set -e
if (( rc != 0 )); then
    echo "sanity: FAILED (ansible-test exit ${rc}). Paths above are relative to the collection root;" >&2
    echo "sanity: fix them in ${repo_root}, not in the copy. Reports: ${dest}/tests/output/" >&2
    exit "${rc}"
fi
echo "sanity: passed"
