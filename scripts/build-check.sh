#!/usr/bin/env bash
# Build the collection tarball the way a release would, then prove it ships only what users
# run: fail if anything from tests, the lab, caches, developer tooling or bytecode got in (a
# build_ignore entry missing from galaxy.yml), or if the tarball is suspiciously large.
#
# Usage: scripts/build-check.sh [--keep DIR]   (--keep copies the tarball to DIR)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${repo_root}"
venv_bin="${repo_root}/.venv/bin"
max_bytes=$((2 * 1024 * 1024))  # a roles+modules collection is tens of KB; MBs means junk got in

keep_dir=""
if [[ "${1:-}" == "--keep" ]]; then
    keep_dir="${2:?--keep needs a directory}"
fi

# Build outside the tree so the tarball never lands in (and gets packed into) the next build.
out_dir="$(mktemp -d "${TMPDIR:-/tmp}/aisec-ollama-build.XXXXXX")"
trap 'rm -rf "${out_dir}"' EXIT

echo "==> ansible-galaxy collection build"
"${venv_bin}/ansible-galaxy" collection build --force --output-path "${out_dir}" "${repo_root}"
tarball="$(find "${out_dir}" -maxdepth 1 -name 'aisec-ollama-*.tar.gz' -print -quit)"
[[ -n "${tarball}" ]] || { echo "build-check: no tarball produced" >&2; exit 1; }

echo "==> checking ${tarball##*/}"
readme="$("${venv_bin}/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["readme"])' galaxy.yml)"
"${venv_bin}/python" - "${tarball}" "${max_bytes}" "${readme}" <<'PY'
import os
import re
import sys
import tarfile

tarball, max_bytes, readme = sys.argv[1], int(sys.argv[2]), sys.argv[3]

# Top-level paths that must never ship, and names that must not appear at any depth.
forbidden_top = ("tests", "molecule", "benchmarks", "scripts", ".venv", ".cache", ".lab",
                 ".ansible", ".git", ".ci", ".github", "build", "dist")
forbidden_any = re.compile(r"(^|/)(__pycache__|\.pytest_cache|\.ruff_cache|\.hypothesis)(/|$)|\.pyc$|\.tar\.gz$")
forbidden_files = {".ansible-lint", ".gitignore", "Makefile", "requirements.txt", "ruff.toml",
                   "ansible.cfg", "changelogs/.plugin-cache.yaml"}

with tarfile.open(tarball) as tar:
    members = tar.getmembers()

names = [m.name[2:] if m.name.startswith("./") else m.name for m in members]
files = [m for m in members if m.isfile()]
# Top-level dot entries (.config/molecule, .vscode, ...) are developer state, never content.
bad = sorted(n for n in names
             if n.split("/", 1)[0] in forbidden_top or n.startswith(".")
             or forbidden_any.search(n) or n in forbidden_files)
links = sorted(m.name for m in members if m.issym() or m.islnk())

size = os.path.getsize(tarball)
print(f"build-check: {len(files)} files, {len(members)} entries, {size} bytes ({size / 1024:.1f} KiB)")
top = sorted({n.split('/', 1)[0] for n in names})
print("build-check: top level: " + " ".join(top))

problems = []
if bad:
    problems.append(f"{len(bad)} entries that must not ship (add them to build_ignore in galaxy.yml):")
    problems.extend(f"  {n}" for n in bad[:50])
    if len(bad) > 50:
        problems.append(f"  ... and {len(bad) - 50} more")
if links:
    problems.append("symlinks in the tarball (ansible-galaxy installs them as-is):")
    problems.extend(f"  {n}" for n in links)
if size > max_bytes:
    problems.append(f"tarball is {size} bytes, over the {max_bytes} byte bound")
# readme (galaxy.yml) is required by Galaxy/Automation Hub imports; the build does not check it.
for required in ("MANIFEST.json", "FILES.json", "meta/runtime.yml", readme):
    if required not in names:
        problems.append(f"{required} missing from the tarball")

if problems:
    print("build-check: FAILED", file=sys.stderr)
    for line in problems:
        print(line, file=sys.stderr)
    sys.exit(1)
PY

if [[ -n "${keep_dir}" ]]; then
    mkdir -p "${keep_dir}"
    cp "${tarball}" "${keep_dir}/"
    echo "build-check: kept ${keep_dir%/}/${tarball##*/}"
fi
echo "build-check: passed"
