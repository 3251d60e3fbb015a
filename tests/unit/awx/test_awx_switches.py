# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switches as an AWX survey (or -e key=value) sends them: strings. "false", "no" and "0" are
non-empty strings, so a switch read without `| bool` would be true for all of them. Each is read
as meant by harden.yml (which layers run), audit.yml (report files in the EE, the unexamined
gate), and every boolean input of the roles goes through `| bool` where it is used.
"""

import re
from pathlib import Path

import pytest
import yaml
from test_audit_runner import LOCAL, run_runner
from test_harden_inputs import run_harden

REPO = Path(__file__).resolve().parents[3]
TRUE = ["true", "Yes", "1"]
FALSE = ["false", "No", "0"]
# A layer that runs starts with its argument validation: an invalid boolean input of that role
# stops it there, before any task, which proves it ran without letting it touch this machine.
LAYERS = {
    "harden_server": "server_sandbox",
    "harden_proxy": "proxy_listen_ipv6",
    "harden_firewall": "firewall_http_redirect",
    "harden_monitoring": "monitoring_ban",
}


@pytest.mark.parametrize("value", TRUE + FALSE)
@pytest.mark.parametrize("switch", sorted(LAYERS))
def test_harden_layer_switch_strings(tmp_path, switch, value):
    switches = {name: "false" for name in LAYERS} | {switch: value}
    proc, report = run_harden(tmp_path, {}, switches=switches, host_vars={LAYERS[switch]: "maybe"})
    refused = f"argument '{LAYERS[switch]}' is of type str and we were unable to convert to bool"
    if value in TRUE:
        assert proc.returncode != 0 and refused in proc.flat, proc.stdout[-3000:]
    else:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        assert "Validation of arguments failed" not in proc.flat
        assert report is not None


@pytest.mark.parametrize("value", TRUE + FALSE)
def test_audit_report_on_controller_strings(tmp_path, value):
    reports = tmp_path / "reports"
    reports.mkdir()
    proc, artifacts, stats = run_runner(
        tmp_path, {"audit_report_dir": str(reports), "audit_report_on_controller": value}
    )
    flat = " ".join(proc.stdout.split())
    if value in TRUE:
        assert (artifacts / "status").read_text() == "successful", proc.stdout[-3000:]
        assert (reports / "ollama-audit-hosts.json").is_file()
        assert stats["audit_result_report"] == f"localhost:{reports}"
    else:
        assert (artifacts / "status").read_text() == "failed"
        assert "would be written on the controller (localhost)" in flat
        assert list(reports.iterdir()) == []


@pytest.mark.parametrize("value", TRUE + FALSE)
def test_audit_fail_on_unexamined_strings(tmp_path, value):
    hosts = {
        "localhost": {**LOCAL, "audit_target": "https://127.0.0.1:1"},
        "gone": {"ansible_host": "127.0.0.1", "ansible_port": 1, "audit_target": "https://127.0.0.1:2"},
    }
    proc, artifacts, stats = run_runner(
        tmp_path, {"audit_hosts": "all", "audit_fail_on_unexamined": value}, hosts=hosts, drop=("audit_target",)
    )
    assert stats["audit_result_verdicts"] == {"localhost": "pass", "gone": "not_examined"}
    expected = "failed" if value in TRUE else "successful"
    assert (artifacts / "status").read_text() == expected, proc.stdout[-3000:]
    assert stats["audit_result_gate"] == ("failed" if value in TRUE else "passed")


def _role_bools():
    for role in sorted((REPO / "roles").iterdir()):
        specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
        for spec in specs.values():
            for name, option in spec["options"].items():
                if option.get("type") == "bool":
                    yield role, name


def _expressions(role):
    """Every Jinja expression of a role: conditionals (raw Jinja) and {{ }} / {% %} in strings."""

    def strings(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from strings(v, k)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v, key)
        elif isinstance(node, str):
            if key in ("when", "that", "failed_when", "changed_when", "until"):
                yield node
            else:
                yield from re.findall(r"\{\{.*?\}\}|\{%.*?%\}", node, re.S)

    for path in sorted((role / "tasks").glob("*.yml")) + sorted((role / "handlers").glob("*.yml")):
        yield from ((path, text) for text in strings(yaml.safe_load(path.read_text())))
    for path in sorted((role / "templates").glob("*.j2")):
        yield from ((path, text) for text in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", path.read_text(), re.S))


@pytest.mark.parametrize(("role", "name"), list(_role_bools()), ids=lambda x: getattr(x, "name", x))
def test_every_boolean_role_input_is_read_through_bool(role, name):
    """argument_specs accepts "false" for a bool but leaves the variable a string: each use must
    convert it, or "false" would count as true."""
    uses, raw = 0, []
    for path, text in _expressions(role):
        for match in re.finditer(rf"\b{name}\b", text):
            uses += 1
            if not re.match(r"\s*\|\s*bool\b", text[match.end() :]):
                raw.append(f"{path.relative_to(REPO)}: {text.strip()[:120]}")
    assert uses, f"{name} is never read"
    assert raw == []
