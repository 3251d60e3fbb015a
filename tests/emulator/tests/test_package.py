"""package.py builds a release-shaped, reproducible ollama-linux-amd64.tgz."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import tarfile

import pytest
from harness import EMU_DIR, free_port

PACKAGE = EMU_DIR / "package.py"


def build(out, *extra):
    subprocess.run([sys.executable, str(PACKAGE), "--out", str(out), *extra], check=True, capture_output=True)
    return out / "ollama-linux-amd64.tgz"


def test_two_builds_have_the_same_sha256(tmp_path):
    a = build(tmp_path / "a")
    b = build(tmp_path / "b")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def test_sha256sum_file_uses_the_release_format(tmp_path):
    tgz = build(tmp_path)
    line = (tmp_path / "sha256sum.txt").read_text()
    assert line == f"{hashlib.sha256(tgz.read_bytes()).hexdigest()}  ./ollama-linux-amd64.tgz\n"


def test_archive_is_laid_out_like_the_release(tmp_path):
    with tarfile.open(build(tmp_path)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["bin/ollama"].mode & 0o111 and members["lib/ollama"].isdir()
        assert all(m.mtime == 0 and m.uid == 0 for m in members.values())
        assert tar.extractfile("bin/ollama").read().startswith(b"#!/usr/bin/env python3\n")


@pytest.mark.parametrize(("extra", "version"), [((), "0.32.15"), (("--version", "0.33.0"), "0.33.0")])
def test_packaged_binary_runs_version_and_serve(tmp_path, extra, version):
    with tarfile.open(build(tmp_path / "dist", *extra)) as tar:
        tar.extractall(tmp_path / "root", filter="tar")
    binary = tmp_path / "root" / "bin" / "ollama"
    assert os.stat(binary).st_mode & stat.S_IXUSR
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OLLAMA_HOST": f"127.0.0.1:{port}",
           "OLLAMA_MODELS": str(tmp_path / "models")}
    r = subprocess.run([str(binary), "-v"], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert r.stdout.startswith("Warning: could not connect to a running Ollama instance\n")
    proc = subprocess.Popen([str(binary), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _attempt in range(100):
            r = subprocess.run([str(binary), "--version"], env=env, capture_output=True, text=True, check=False)
            if r.stdout.startswith("ollama version is"):
                break
        assert r.stdout == f"ollama version is {version}\n"
    finally:
        proc.terminate()
        proc.wait(5)


def test_a_version_that_is_not_a_release_is_refused(tmp_path):
    r = subprocess.run([sys.executable, str(PACKAGE), "--out", str(tmp_path), "--version", "latest"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "0.33.0" in r.stderr
    assert not (tmp_path / "ollama-linux-amd64.tgz").exists()
