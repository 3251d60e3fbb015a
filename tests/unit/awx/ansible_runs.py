# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the AWX tests share: the venv's collection path, the environment an ansible-playbook (or
ansible-runner) run gets, and one ansible-playbook call."""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def site_packages():
    """The venv's site-packages: its ansible_collections holds this checkout (scripts/link-collection.sh)."""
    return sysconfig.get_paths()["purelib"]


def ansible_env(base=None):
    """base (default: this process's environment) with the collection path, the project's
    ansible.cfg and no colour."""
    env = dict(os.environ if base is None else base)
    env.update(ANSIBLE_COLLECTIONS_PATH=site_packages(), ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
    return env


def run_playbook(*args, env, cwd=None, timeout=300):
    """ansible-playbook ARGS from the venv; the completed process (output as text), never raising on rc."""
    return subprocess.run([str(BIN / "ansible-playbook"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def run_on_localhost(tmp_path, name, play_vars, tasks, *args, handlers=(), env=None):
    """One play on localhost (connection local, this interpreter) written to tmp_path/play.yml and
    run with ansible-playbook ARGS; the completed process."""
    play = {"name": name, "hosts": "localhost", "connection": "local", "gather_facts": False,
            "vars": {"ansible_python_interpreter": sys.executable, **play_vars}, "tasks": list(tasks)}
    if handlers:
        play["handlers"] = list(handlers)
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([play]))
    return run_playbook("-i", "localhost,", *args, str(playbook), cwd=tmp_path, env=env or ansible_env())
