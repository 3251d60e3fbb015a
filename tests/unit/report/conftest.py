# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's tests: the page in Chromium, and audit.yml writing it (with tests/unit/awx's
playbook helpers)."""
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "awx"))

from ansible_runs import REPO, site_packages


@pytest.fixture(scope="session", autouse=True)
def collection_link():
    """The collection linked into the venv, for the playbook runs of these tests."""
    link = Path(site_packages()) / "ansible_collections" / "aisec" / "ollama"
    if not (link.exists() and link.resolve() == REPO):
        subprocess.run([str(REPO / "scripts" / "link-collection.sh")], check=True, capture_output=True)
