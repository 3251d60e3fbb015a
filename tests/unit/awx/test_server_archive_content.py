# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/server/tasks/archive_local.yml: the release archive given as base64 content (as an AWX
credential or a vault file holds it) instead of a controller path.

The task file runs alone on localhost (connection local); the "host's" download directory and the
controller's temporary directory are both folders of the test, so the test sees what is copied
and that the decoded copy is gone afterwards.
"""

import base64
import hashlib
import io
import tarfile

import pytest
from ansible_runs import ansible_env, run_on_localhost


@pytest.fixture(scope="module")
def archive():
    """A small .tgz with a bin/ollama entry, like the release's layout."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        payload = b"#!/bin/sh\necho 'ollama version is 0.32.15'\n"
        info = tarfile.TarInfo("bin/ollama")
        info.size = len(payload)
        info.mode = 0o755
        tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def run_archive_tasks(tmp_path, tasks_file="archive_local.yml", **role_vars):
    downloads = tmp_path / "downloads"
    downloads.mkdir(exist_ok=True)
    controller_tmp = tmp_path / "controller-tmp"
    controller_tmp.mkdir(exist_ok=True)
    play_vars = {
        "server_download_dir": str(downloads),
        "server_ollama_version": "0.32.15",
        "server_arch": "amd64",
        "server_archive_path": "",
        "server_archive_content": "",
        **role_vars,
    }
    # include_role: the role's defaults apply under the play's vars, as in a real run.
    tasks = [{"name": f"Run the role's {tasks_file}",
              "ansible.builtin.include_role": {"name": "aisec.ollama.server", "tasks_from": tasks_file}}]
    env = ansible_env()
    env["TMPDIR"] = str(controller_tmp)
    result = run_on_localhost(tmp_path, f"{tasks_file} alone", play_vars, tasks, env=env)
    return result, downloads / "ollama-0.32.15-linux-amd64.tgz", controller_tmp


def test_base64_content_with_line_breaks_lands_byte_for_byte(tmp_path, archive):
    # `base64` wraps at 76 columns, as a multiline credential field keeps it.
    wrapped = base64.encodebytes(archive).decode()
    assert "\n" in wrapped.strip()
    result, dest, controller_tmp = run_archive_tasks(
        tmp_path, server_archive_content=wrapped, server_archive_sha256=hashlib.sha256(archive).hexdigest())
    assert result.returncode == 0, result.stdout + result.stderr
    assert dest.read_bytes() == archive
    assert list(controller_tmp.iterdir()) == [], "the decoded copy must not stay on the controller"


def test_wrong_sha256_copies_nothing_and_cleans_up(tmp_path, archive):
    result, dest, controller_tmp = run_archive_tasks(
        tmp_path, server_archive_content=base64.b64encode(archive).decode(), server_archive_sha256="0" * 64)
    assert result.returncode != 0
    assert "server_archive_content (decoded): sha256 " + hashlib.sha256(archive).hexdigest() in result.stdout
    assert "Nothing installed" in result.stdout
    assert not dest.exists()
    assert list(controller_tmp.iterdir()) == []


def test_text_that_is_not_base64_fails_with_a_fix(tmp_path, archive):
    result, dest, controller_tmp = run_archive_tasks(
        tmp_path, server_archive_content="this is a path, not base64", server_archive_sha256="0" * 64)
    assert result.returncode != 0
    assert "server_archive_content is not base64 text" in result.stdout, result.stdout
    assert "base64 -w0" in result.stdout
    assert not dest.exists()
    assert list(controller_tmp.iterdir()) == []


def test_content_never_reaches_the_log(tmp_path, archive):
    encoded = base64.b64encode(archive).decode()
    result, _dest, _controller_tmp = run_archive_tasks(tmp_path, server_archive_content=encoded,
                                                       server_archive_sha256=hashlib.sha256(archive).hexdigest())
    assert result.returncode == 0, result.stdout + result.stderr
    assert encoded[:40] not in result.stdout + result.stderr


def test_path_still_works(tmp_path, archive):
    source = tmp_path / "ollama-linux-amd64.tgz"
    source.write_bytes(archive)
    result, dest, _controller_tmp = run_archive_tasks(
        tmp_path, server_archive_path=str(source), server_archive_sha256=hashlib.sha256(archive).hexdigest())
    assert result.returncode == 0, result.stdout + result.stderr
    assert dest.read_bytes() == archive


def test_path_and_content_together_are_refused_before_any_change(tmp_path, archive):
    source = tmp_path / "ollama-linux-amd64.tgz"
    source.write_bytes(archive)
    result, dest, _controller_tmp = run_archive_tasks(
        tmp_path, tasks_file="validate_input.yml", server_archive_path=str(source),
        server_archive_content=base64.b64encode(archive).decode(),
        server_archive_sha256=hashlib.sha256(archive).hexdigest())
    assert result.returncode != 0
    message = " ".join(result.stdout.split())
    assert "server_archive_path and server_archive_content are not both set" in message, result.stdout
    assert not dest.exists()
