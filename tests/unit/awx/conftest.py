# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
import subprocess
from pathlib import Path

import pytest
from ansible_runs import REPO, site_packages


@pytest.fixture(scope="session", autouse=True)
def collection_link():
    """The collection linked into the venv, for the playbook runs of these tests."""
    link = Path(site_packages()) / "ansible_collections" / "aisec" / "ollama"
    if not (link.exists() and link.resolve() == REPO):
        subprocess.run([str(REPO / "scripts" / "link-collection.sh")], check=True, capture_output=True)
