#!/usr/bin/env python3
"""Build the emulator like an Ollama release: DIR/ollama-linux-amd64.tgz and DIR/sha256sum.txt.

    python3 tests/emulator/package.py --out DIR
    python3 tests/emulator/package.py --zipapp PATH   # only the single-file executable
    python3 tests/emulator/package.py --out DIR --version 0.33.0   # a release claiming another version

The archive holds bin/ollama (a zipapp with shebang ``/usr/bin/env python3``,
mode 0755) and an empty lib/ollama/, as the real tarball does. Output is
reproducible: fixed timestamps, owners and ordering, gzip mtime 0.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.join(HERE, "ollama_emulator")
ARCHIVE = "ollama-linux-amd64.tgz"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
TAR_MTIME = 0
MAIN = b"import sys\n\nfrom ollama_emulator.cli import main\n\nsys.exit(main(sys.argv[1:]))\n"


def _with_version(arc: str, data: bytes, version: str | None) -> bytes:
    """The package's __init__.py with DEFAULT_VERSION set to version (an upgrade's "next" release)."""
    if version is None or arc != "ollama_emulator/__init__.py":
        return data
    text = data.decode("utf-8")
    pattern = re.compile(r'^DEFAULT_VERSION = "[^"]*"$', re.MULTILINE)
    if not pattern.search(text):
        raise SystemExit("package.py: DEFAULT_VERSION not found in ollama_emulator/__init__.py")
    return pattern.sub(f'DEFAULT_VERSION = "{version}"', text).encode("utf-8")


def zipapp_bytes(version: str | None = None) -> bytes:
    """A zipapp built with fixed metadata (python -m zipapp embeds file mtimes)."""
    files: list[tuple[str, bytes]] = [("__main__.py", MAIN)]
    for root, dirs, names in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                arc = os.path.relpath(path, HERE).replace(os.sep, "/")
                with open(path, "rb") as fh:
                    files.append((arc, _with_version(arc, fh.read(), version)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arc, data in sorted(files):
            info = zipfile.ZipInfo(arc, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return b"#!/usr/bin/env python3\n" + buf.getvalue()


def write_zipapp(path: str, version: str | None = None) -> None:
    with open(path, "wb") as fh:
        fh.write(zipapp_bytes(version))
    os.chmod(path, 0o755)  # noqa: S103 - an executable must be executable


def _tarinfo(name: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.size = size
    ti.mtime = TAR_MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    return ti


def tgz_bytes(version: str | None = None) -> bytes:
    app = zipapp_bytes(version)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        tar.addfile(_tarinfo("bin", tarfile.DIRTYPE, 0o755))
        tar.addfile(_tarinfo("bin/ollama", tarfile.REGTYPE, 0o755, len(app)), io.BytesIO(app))
        tar.addfile(_tarinfo("lib", tarfile.DIRTYPE, 0o755))
        tar.addfile(_tarinfo("lib/ollama", tarfile.DIRTYPE, 0o755))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def build(out_dir: str, version: str | None = None) -> str:
    os.makedirs(out_dir, exist_ok=True)
    data = tgz_bytes(version)
    with open(os.path.join(out_dir, ARCHIVE), "wb") as fh:
        fh.write(data)
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out_dir, "sha256sum.txt"), "w", encoding="ascii") as fh:
        fh.write(f"{digest}  ./{ARCHIVE}\n")
    return digest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", help="directory for the .tgz and sha256sum.txt")
    group.add_argument("--zipapp", help="write only the executable zipapp to this path")
    ap.add_argument("--version", help="the version the release reports (default: the emulator's own)")
    args = ap.parse_args()
    if args.version is not None and not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", args.version):
        ap.error(f"--version {args.version!r}: give a release version such as 0.33.0")
    if args.zipapp:
        write_zipapp(args.zipapp, args.version)
        print(args.zipapp)
    else:
        print(f"{build(args.out, args.version)}  ./{ARCHIVE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
