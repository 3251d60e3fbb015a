# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-environment.yml: `ansible-builder create` writes a build context that installs this
collection (from the tarball of this checkout) and nothing it does not need.

Only the context is checked: building the image needs the base image, PyPI and Galaxy.
"""

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
TARBALL = f"aisec-ollama-{GALAXY['version']}.tar.gz"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The collection tarball of this checkout and the build context made from it."""
    work = tmp_path_factory.mktemp("ee")
    (work / "execution-environment.yml").write_text((REPO / "execution-environment.yml").read_text())
    build = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", str(REPO), "--output-path", str(work / "dist"), "--force"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    create = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert create.returncode == 0, create.stdout + create.stderr
    return work


def test_definition_is_builder_v3_with_core_and_runner():
    ee = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    assert ee["version"] == 3
    assert ee["dependencies"]["ansible_core"]["package_pip"].startswith("ansible-core>=2.17")
    assert "ansible-runner" in ee["dependencies"]["ansible_runner"]["package_pip"]


def test_collection_entry_follows_galaxy_version():
    """A version bump in galaxy.yml without the EE following would build an image of nothing."""
    ee = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    names = [c["name"] for c in ee["dependencies"]["galaxy"]["collections"]]
    assert f"collections/{TARBALL}" in names
    assert [f["src"] for f in ee["additional_build_files"]] == [f"dist/{TARBALL}"]


def test_context_has_containerfile_installing_core_runner_and_collection(built):
    containerfile = (built / "context" / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-core>=2.17.0,<2.20" in containerfile
    assert "ansible-runner>=2.4.0,<2.5" in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect.py introspect" in containerfile
    requirements = yaml.safe_load((built / "context" / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": f"collections/{TARBALL}", "type": "file"}]
    assert (built / "context" / "_build" / "collections" / TARBALL).is_file()


def test_tarball_in_context_carries_the_ee_needs_not_the_dev_tooling(built):
    with tarfile.open(built / "context" / "_build" / "collections" / TARBALL) as tar:
        names = set(tar.getnames())
        assert {"meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt"} <= names
        # The developers' requirements.txt would be read by builder's introspection if no
        # meta/execution-environment.yml named other files; the EE recipe itself is not shipped.
        assert "requirements.txt" not in names
        assert "execution-environment.yml" not in names
        assert "galaxy.yml" not in names  # ansible-galaxy writes MANIFEST.json instead
        assert "MANIFEST.json" in names


def _introspect(built, collections_root):
    introspect = built / "context" / "_build" / "scripts" / "introspect.py"
    proc = subprocess.run(
        [sys.executable, str(introspect), "introspect", str(collections_root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return yaml.safe_load(proc.stdout)


def test_introspection_of_the_tarball_finds_no_python_or_system_needs(built, tmp_path):
    """What builder's introspect.py reads from the collection installed in the image: nothing."""
    root = tmp_path / "ansible_collections" / "aisec" / "ollama"
    root.mkdir(parents=True)
    with tarfile.open(built / "context" / "_build" / "collections" / TARBALL) as tar:
        tar.extractall(root, filter="data")
    assert _introspect(built, tmp_path) == {"python": [], "system": []}


def test_introspection_of_the_checkout_ignores_the_developers_requirements(built, tmp_path):
    """A checkout installed as a directory (link-collection.sh, type: dir) still has the root
    requirements.txt (molecule, ruff, ...): without meta/execution-environment.yml builder's
    introspection would put all of it into the image."""
    (tmp_path / "ansible_collections" / "aisec").mkdir(parents=True)
    (tmp_path / "ansible_collections" / "aisec" / "ollama").symlink_to(REPO)
    assert _introspect(built, tmp_path) == {"python": [], "system": []}


def test_meta_files_state_no_needs():
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    assert meta["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    for name in ("ee-requirements.txt", "ee-bindep.txt"):
        lines = (REPO / "meta" / name).read_text().splitlines()
        assert [ln for ln in lines if ln.strip() and not ln.startswith("#")] == []
