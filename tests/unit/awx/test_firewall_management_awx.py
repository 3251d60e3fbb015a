# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/firewall tasks/management.yml: an empty firewall_management_cidrs warns loudly, and
fails under AWX / ansible-runner (detected from the controller's environment) instead of
allowing management only from the address the job happens to come from.

Only management.yml runs (include_role tasks_from), on localhost over connection local: it
reads the environment and sets facts, nothing on the machine changes.
"""

import os
import sys

import pytest
import yaml
from ansible_runs import ansible_env, run_playbook

CONTROLLER_VARS = ("AWX_ISOLATED_DATA_DIR", "AWX_HOST")


def run_management(tmp_path, controller_env=None, **role_vars):
    play = [
        {
            "name": "firewall management path",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": {
                "ansible_python_interpreter": sys.executable,
                "firewall_management_source": "192.0.2.7",
                **role_vars,
            },
            "tasks": [
                {
                    "name": "Management path",
                    "ansible.builtin.include_role": {"name": "aisec.ollama.firewall", "tasks_from": "management"},
                },
                {
                    "name": "Show the result",
                    "ansible.builtin.debug": {"msg": "EFFECTIVE={{ firewall_management_cidrs_effective | join(',') }}"},
                },
            ],
        }
    ]
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play))
    env = ansible_env({k: v for k, v in os.environ.items() if k not in CONTROLLER_VARS and not k.startswith("RUNNER_")})
    env.update(controller_env or {})
    return run_playbook("-i", "localhost,", str(playbook), cwd=tmp_path, env=env)


def test_empty_cidrs_outside_a_controller_warn_and_name_the_single_address(tmp_path):
    proc = run_management(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "WARNING: firewall_management_cidrs is empty" in proc.stdout
    assert "ONLY from 192.0.2.7" in proc.stdout
    assert "EFFECTIVE=192.0.2.7/32" in proc.stdout


@pytest.mark.parametrize(
    "name,value", [("AWX_ISOLATED_DATA_DIR", "/runner/artifacts/42"), ("AWX_HOST", "https://awx.example")]
)
def test_empty_cidrs_under_awx_or_runner_fail_before_any_change(tmp_path, name, value):
    proc = run_management(tmp_path, controller_env={name: value})
    assert proc.returncode != 0
    assert "this run comes from AWX / Automation Controller" in proc.stdout
    assert "Set firewall_management_cidrs" in proc.stdout
    assert "EFFECTIVE=" not in proc.stdout


def test_cidrs_given_under_awx_pass_without_warning(tmp_path):
    proc = run_management(
        tmp_path,
        controller_env={"AWX_ISOLATED_DATA_DIR": "/runner/artifacts/42"},
        firewall_management_cidrs=["198.51.100.0/24", "203.0.113.0/28"],
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert "WARNING" not in proc.stdout
    assert "EFFECTIVE=198.51.100.0/24,203.0.113.0/28" in proc.stdout
