#!/usr/bin/env bash
# Build the collection tarball the way a release would, then prove it ships only what users
# run: fail if anything from tests, the lab, caches, developer tooling or bytecode got in (a
# build_ignore entry missing from galaxy.yml), or if the tarball is suspiciously large.
# Then check what a user meets:
#   - the shipped README (galaxy.yml readme:) mentions no make target (the Makefile is not
#     shipped) and every relative link in it resolves inside the tarball;
#   - the tarball installs (ansible-galaxy collection install --offline) into a clean
#     collections path that holds the NEWEST community.general and community.crypto the package
#     index serves (taken from the newest `ansible` wheel, cached in .cache/newest-ansible/),
#     the collections its content references are exactly its galaxy.yml dependencies, and every
#     option its roles pass to those modules still exists there.
#
# Usage: scripts/build-check.sh [--keep DIR]   (--keep copies the tarball to DIR)
# Env:   AISEC_NEWEST_ANSIBLE_PYTHON  Python version to ask the index for (default 3.14: the
#                                     newest ansible needs a newer Python than the venv's)
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

echo "==> checking the shipped README (${readme})"
"${venv_bin}/python" - "${tarball}" "${readme}" Makefile <<'PY'
import os
import posixpath
import re
import sys
import tarfile

tarball, readme, makefile = sys.argv[1], sys.argv[2], sys.argv[3]
with tarfile.open(tarball) as tar:
    names = {m.name[2:] if m.name.startswith("./") else m.name for m in tar.getmembers()}
    text = tar.extractfile(tar.getmember(readme)).read().decode("utf-8")

problems = []
# Make targets: the repository's Makefile is not shipped, so `make <target>` means nothing to a user.
targets = {"demo", "test", "setup", "images", "lint", "sanity", "units", "build-check", "molecule", "clean", "help"}
if os.path.exists(makefile):
    with open(makefile, encoding="utf-8") as fh:
        for line in fh:
            m = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", line)
            if m and not m.group(1).startswith("."):
                targets.add(m.group(1))
            if line.startswith(".PHONY:"):
                targets.update(line.split(":", 1)[1].split())
make_re = re.compile(r"(?:^|[\s`(;&|$])make(?:\s+-\S+)*(?:\s+[A-Z_]+=\S*)*\s+(" +
                     "|".join(re.escape(t) for t in sorted(targets, key=len, reverse=True)) + r")(?![\w-])")
for n, line in enumerate(text.splitlines(), 1):
    for m in make_re.finditer(line):
        problems.append(f"{readme}:{n}: mentions `make {m.group(1)}` (the Makefile is not shipped)")
    if re.match(r"^\s*\$?\s*make\s*(#.*)?$", line):
        problems.append(f"{readme}:{n}: runs `make` (the Makefile is not shipped)")

# Links: inline [x](target), images, reference definitions, HTML href/src; not inside code.
prose = re.sub(r"(?ms)^(\s*)(```|~~~).*?^\1\2[^\n]*$", "", text)
prose = re.sub(r"`[^`\n]*`", "", prose)
links = re.findall(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", prose)
links += re.findall(r"(?m)^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", prose)
links += re.findall(r"(?i)\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", prose)
base = posixpath.dirname(readme)
checked = 0
for link in links:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link) or link.startswith(("#", "//")):
        continue  # absolute URL, mailto:, in-page anchor
    path = link.split("#", 1)[0].split("?", 1)[0]
    if not path:
        continue
    checked += 1
    target = posixpath.normpath(posixpath.join(base, path))
    if path.startswith("/") or target == ".." or target.startswith("../"):
        problems.append(f"{readme}: link {link!r} points outside the collection")
    elif target not in names and not any(n.startswith(target.rstrip("/") + "/") for n in names):
        problems.append(f"{readme}: link {link!r} resolves to {target!r}, which is not in the tarball")
print(f"build-check: {readme}: {checked} relative links checked, {len(targets)} make targets looked for")
if problems:
    print("build-check: FAILED (shipped README)", file=sys.stderr)
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
PY

echo "==> installing ${tarball##*/} beside the newest community.general and community.crypto"
cache_dir="${repo_root}/.cache/newest-ansible"
index_python="${AISEC_NEWEST_ANSIBLE_PYTHON:-3.14}"
mkdir -p "${cache_dir}"
newest="$("${venv_bin}/pip" index versions ansible --python-version "${index_python}" --only-binary=:all: 2>/dev/null \
          | sed -n 's/^ansible (\([^)]*\))$/\1/p' | head -n 1 || true)"
if [[ -n "${newest}" ]]; then
    wheel="$(find "${cache_dir}" -maxdepth 1 -name "ansible-${newest}-*.whl" -print -quit)"
    if [[ -z "${wheel}" ]]; then
        echo "build-check: downloading ansible ${newest} (the newest the index serves) into ${cache_dir#"${repo_root}"/}"
        "${venv_bin}/pip" download --quiet --no-deps --only-binary=:all: --python-version "${index_python}" \
            -d "${cache_dir}" "ansible==${newest}"
        wheel="$(find "${cache_dir}" -maxdepth 1 -name "ansible-${newest}-*.whl" -print -quit)"
        [[ -n "${wheel}" ]] || { echo "build-check: pip download gave no ansible-${newest} wheel" >&2; exit 1; }
        find "${cache_dir}" -maxdepth 1 -name 'ansible-*.whl' ! -name "${wheel##*/}" -delete  # one wheel, ~50 MB
    else
        echo "build-check: ansible ${newest} is the newest the index serves (cached)"
    fi
else
    wheel="$(find "${cache_dir}" -maxdepth 1 -name 'ansible-*.whl' -print | sort -V | tail -n 1)"
    [[ -n "${wheel}" ]] || { echo "build-check: cannot ask the package index for the newest ansible and nothing is cached in ${cache_dir}" >&2; exit 1; }
    echo "build-check: WARNING: the package index did not answer; using the cached ${wheel##*/}, which may not be the newest" >&2
fi

collections="${out_dir}/collections"
"${venv_bin}/python" - "${wheel}" "${collections}" <<'PY'
import json
import sys
import zipfile

wheel, dest = sys.argv[1], sys.argv[2]
# community.general and community.crypto, and what they depend on in turn (as the ansible package has it).
todo, done = ["community.general", "community.crypto"], set()
with zipfile.ZipFile(wheel) as zf:
    while todo:
        fqcn = todo.pop(0)
        if fqcn in done:
            continue
        done.add(fqcn)
        prefix = "ansible_collections/" + fqcn.replace(".", "/") + "/"
        members = [m for m in zf.namelist() if m.startswith(prefix)]
        if not members:
            sys.exit(f"build-check: {wheel} has no {fqcn}")
        zf.extractall(dest, members)
        info = json.loads(zf.read(prefix + "MANIFEST.json"))["collection_info"]
        todo.extend(info.get("dependencies") or {})
        print(f"build-check: {fqcn} {info['version']} (from {wheel.rsplit('/', 1)[-1]})")
PY

# Only the clean path: neither the venv's bundled collections nor ~/.ansible may satisfy a dependency.
export ANSIBLE_COLLECTIONS_PATH="${collections}" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
if ! "${venv_bin}/ansible-galaxy" collection install --offline -p "${collections}" "${tarball}"; then
    echo "build-check: FAILED: ${tarball##*/} does not install beside the newest community.general/community.crypto" \
         "(check the dependencies in galaxy.yml: lower bounds only)" >&2
    exit 1
fi

# The collections the installed content references are exactly its dependencies, and every option
# its roles and playbooks pass to their modules exists in the newest releases.
installed="${collections}/ansible_collections/aisec/ollama"
"${venv_bin}/python" - "${installed}" "${wheel}" "${venv_bin}/ansible-doc" <<'PY'
import json
import os
import re
import subprocess
import sys
import zipfile

import yaml

root, wheel, ansible_doc = sys.argv[1], sys.argv[2], sys.argv[3]
with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as fh:
    deps = set(json.load(fh)["collection_info"]["dependencies"])
with zipfile.ZipFile(wheel) as zf:
    known = {"/".join(n.split("/")[1:3]).replace("/", ".") for n in zf.namelist()
             if n.startswith("ansible_collections/") and n.count("/") >= 3}
known -= {"aisec.ollama"}
fqcn = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(known)) + r")\.([a-z_][a-z0-9_]*)\b")

referenced = {}
module_options = {}


def walk_tasks(node, where):
    if isinstance(node, list):
        for item in node:
            walk_tasks(item, where)
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.count(".") == 2 and key.rsplit(".", 1)[0] in known:
                if isinstance(value, dict):
                    module_options.setdefault(key, {}).update({opt: where for opt in value})
            walk_tasks(value, where)


for top in ("roles", "playbooks", "plugins", "meta"):
    for dirpath, _dirs, files in os.walk(os.path.join(root, top)):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except UnicodeDecodeError:
                continue
            if name.endswith(".py"):
                # `from ansible.utils.display import ...` is ansible-core, not the ansible.utils collection.
                text = re.sub(r"^\s*(from|import)\s+ansible\.\S+.*$", "", text, flags=re.MULTILINE)
            for m in fqcn.finditer(text):
                referenced.setdefault(m.group(1), set()).add(rel)
            if name.endswith((".yml", ".yaml")) and top in ("roles", "playbooks") and "/meta/" not in f"/{rel}":
                walk_tasks(yaml.safe_load(text), rel)

problems = []
for coll in sorted(set(referenced) - deps - {"ansible.builtin"}):
    problems.append(f"content uses {coll} (in {', '.join(sorted(referenced[coll]))}) but galaxy.yml does not depend on it")
for coll in sorted(deps - set(referenced)):
    problems.append(f"galaxy.yml depends on {coll}, which no shipped content references")

modules = sorted(m for m in module_options if not m.startswith("ansible.builtin."))
if modules:
    out = subprocess.run([ansible_doc, "--json", "-t", "module", *modules], check=False, capture_output=True, text=True)
    if out.returncode:
        problems.append(f"ansible-doc failed for {' '.join(modules)}: {out.stderr.strip()[-500:]}")
    else:
        docs = json.loads(out.stdout)
        for mod in modules:
            options = (docs.get(mod) or {}).get("doc", {}).get("options") or {}
            accepted = set(options) | {a for o in options.values() for a in o.get("aliases") or []}
            accepted |= {"mode", "owner", "group", "seuser", "serole", "setype", "selevel", "unsafe_writes", "attributes"}
            for opt, where in sorted(module_options[mod].items()):
                if opt not in accepted:
                    problems.append(f"{where}: {mod} has no option {opt!r} in the newest release")
        print("build-check: options checked against the newest releases: " +
              ", ".join(f"{m} ({len(module_options[m])})" for m in modules))
print("build-check: collections referenced: " + ", ".join(sorted(referenced)) + "; dependencies: " + ", ".join(sorted(deps)))
if problems:
    print("build-check: FAILED (installed content against the newest dependencies)", file=sys.stderr)
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
PY

if [[ -n "${keep_dir}" ]]; then
    mkdir -p "${keep_dir}"
    cp "${tarball}" "${keep_dir}/"
    echo "build-check: kept ${keep_dir%/}/${tarball##*/}"
fi
echo "build-check: passed"
