# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""aisec.ollama.nft_ruleset: phases, the lockout guard, check mode and idempotence through the module."""

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args
from ansible_collections.aisec.ollama.plugins.module_utils import nft_commit
from ansible_collections.aisec.ollama.plugins.modules import nft_ruleset as module

BASE = {"allow": [{"name": "proxy", "port": 443, "cidrs": ["10.0.0.0/8"]}],
        "management_sources": ["192.0.2.10/32"], "protect_source": "192.0.2.10"}


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


@pytest.fixture
def host(monkeypatch, tmp_path):
    """A fake nft/systemd host behind run_command; its live table is the last file loaded."""
    state = {"live": None, "armed": False, "calls": []}

    def run_command(self, argv, **kwargs):
        state["calls"].append(argv)
        if argv[1:3] == ["list", "table"] or argv[1:4] == ["-s", "list", "table"]:
            return (0, state["live"], "") if state["live"] else (1, "", "no table")
        if argv[0].endswith("nft") and "-c" not in argv:
            with open(argv[-1]) as handle:
                text = handle.read()
            state["live"] = text if "{" in text else None
        if argv[0].endswith("systemd-run"):
            state["armed"] = True
        if argv[0].endswith("systemctl") and argv[1] == "is-active":
            return (0 if state["armed"] else 3), "", ""
        if argv[0].endswith("systemctl") and argv[1] == "stop":
            state["armed"] = False
        return 0, "", ""

    class LocalCommitter(nft_commit.Committer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, state_dir=str(tmp_path / "run"), **kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, **kw: "/usr/sbin/" + name)
    monkeypatch.setattr(module, "Committer", LocalCommitter)
    state["path"] = str(tmp_path / "etc" / "aisec-ollama.nft")
    return state


@pytest.fixture
def run(monkeypatch):
    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs.update(msg=msg, failed=True)
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def _run(args, fail=False):
        with patch_module_args(args):
            with pytest.raises(FailJson if fail else ExitJson) as caught:
                module.main()
        return caught.value.args[0]

    return _run


def test_validate_renders_without_touching_the_host(run, host):
    result = run(dict(BASE, phase="validate"))
    assert result["changed"] is False
    assert 'ip saddr 10.0.0.0/8 tcp dport 443 accept comment "proxy"' in result["content"]
    assert host["calls"] == []


def test_lockout_is_refused_before_anything_runs(run, host):
    result = run(dict(BASE, management_sources=["198.51.100.0/24"]), fail=True)
    assert result["msg"].startswith("refusing to apply")
    assert host["calls"] == []


def test_bad_cidr_fails_with_the_field_named(run, host):
    result = run(dict(BASE, allow=[{"name": "proxy", "port": 443, "cidrs": ["10.0.0.0/33"]}]), fail=True)
    assert "allow[0].sources[0]" in result["msg"]
    assert host["calls"] == []


def test_check_mode_reports_the_diff_and_changes_nothing(run, host):
    result = run(dict(BASE, path=host["path"], _ansible_check_mode=True, _ansible_diff=True))
    assert result["changed"] is True
    assert result["diff"]["before"] == ""
    assert "tcp dport 443" in result["diff"]["after"]
    assert host["live"] is None
    assert not any(a[0].endswith("systemd-run") for a in host["calls"])


def test_apply_then_confirm_then_nothing_to_do(run, host):
    applied = run(dict(BASE, path=host["path"]))
    assert applied["changed"] is True and applied["pending"] is True
    assert host["armed"] is True
    confirmed = run({"phase": "confirm", "path": host["path"]})
    assert confirmed["changed"] is True
    assert host["armed"] is False
    again = run(dict(BASE, path=host["path"]))
    assert again["changed"] is False and again["pending"] is False


def test_without_protect_source_the_module_warns(run, host, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    args = dict(BASE, phase="validate")
    del args["protect_source"]
    run(args)
    assert any("lockout guard" in w for w in warned)


def test_a_table_whose_rules_were_deleted_by_hand_is_re_applied(run, host):
    run(dict(BASE, path=host["path"]))
    run({"phase": "confirm", "path": host["path"]})
    assert run({"phase": "verify", "path": host["path"]})["verified"] is True
    # Someone deletes the proxy rule: the table's comment (its hash) is still the rendered one.
    host["live"] = "\n".join(line for line in host["live"].splitlines() if "dport 443" not in line)
    failed = run({"phase": "verify", "path": host["path"]}, fail=True)
    assert "the loaded table is not the rendered one" in failed["msg"]
    repaired = run(dict(BASE, path=host["path"]))
    assert repaired["changed"] is True and repaired["pending"] is True
    assert "differ from the ones loaded and confirmed" in repaired["repair"]
    assert "tcp dport 443" in host["live"]
    run({"phase": "confirm", "path": host["path"]})
    assert run({"phase": "verify", "path": host["path"]})["verified"] is True


def test_verify_fails_while_a_rollback_is_armed(run, host):
    applied = run(dict(BASE, path=host["path"], confirm_timeout=0))
    assert applied["pending"] is False
    assert run({"phase": "verify", "path": host["path"], "expected_hash": applied["hash"]})["verified"]
    run(dict(BASE, path=host["path"], management_port=2222))  # pending, rollback armed
    failed = run({"phase": "verify", "path": host["path"]}, fail=True)
    assert "still armed" in failed["msg"]


def test_verify_fails_when_the_rendering_was_not_persisted(run, host):
    applied = run(dict(BASE, path=host["path"], confirm_timeout=0))
    failed = run({"phase": "verify", "path": host["path"], "expected_hash": "0" * 64}, fail=True)
    assert applied["hash"] in failed["msg"] and "was not persisted" in failed["msg"]
