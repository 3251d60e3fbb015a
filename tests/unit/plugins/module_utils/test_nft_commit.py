# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nft_commit: the commit-confirm sequence against a fake host (nft and systemd simulated)."""

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import nft_ruleset as rs
from ansible_collections.aisec.ollama.plugins.module_utils.nft_commit import CommitError, Committer


class FakeHost:
    """nft keeps one table (its listing is the last file loaded); systemd keeps one timer."""

    def __init__(self, live=None):
        self.live = live
        self.armed = False
        self.calls = []
        self.fail = set()  # "check", "load", "systemd-run"

    def run(self, argv):
        self.calls.append(argv)
        if argv[:3] == ["nft", "list", "table"] or argv[:4] == ["nft", "-s", "list", "table"]:
            return (0, self.live, "") if self.live else (1, "", "No such file or directory")
        if argv[0] == "nft":
            path = argv[-1]
            check = "-c" in argv
            if ("check" if check else "load") in self.fail:
                return 1, "", "Error: syntax error"
            if not check:
                with open(path) as handle:
                    text = handle.read()
                self.live = text if "{" in text else None
            return 0, "", ""
        if argv[0] == "systemd-run":
            if "systemd-run" in self.fail:
                return 1, "", "Failed to start transient timer unit"
            self.armed = True
            return 0, "", ""
        if argv[:2] == ["systemctl", "is-active"]:
            return (0 if self.armed else 3), "", ""
        if argv[:2] == ["systemctl", "stop"]:
            self.armed = False
        return 0, "", ""

    def fire_rollback(self, committer):
        self.armed = False
        self.run(["nft", "-f", committer.rollback_path])

    def kinds(self):
        return [" ".join(a[:2]) for a in self.calls]


def content(port=22):
    return rs.render(rs.build_policy("aisec_ollama", [], [11434], ["192.0.2.10/32"], port))


@pytest.fixture
def host():
    return FakeHost(live=content())


@pytest.fixture
def committer(host, tmp_path):
    return Committer(host.run, "aisec_ollama", str(tmp_path / "etc" / "aisec-ollama.nft"), "rb",
                     state_dir=str(tmp_path / "run"))


def test_apply_arms_the_rollback_before_loading_the_new_table(host, committer):
    result = committer.apply(content(2222), 30)
    kinds = host.kinds()
    assert kinds.index("systemd-run --unit") < kinds.index("nft -f")
    run = next(a for a in host.calls if a[0] == "systemd-run")
    assert "--on-active" in run and "30s" in run and run[-3:] == ["nft", "-f", committer.rollback_path]
    assert result["pending"] is True
    assert rs.content_hash(host.live) == rs.content_hash(content(2222))


def test_apply_does_not_persist_until_confirmed(host, committer):
    committer.apply(content(2222), 30)
    assert committer.persisted() is None
    assert committer.pending() == content(2222)


def test_confirm_disarms_the_rollback_and_persists(host, committer):
    committer.apply(content(2222), 30)
    assert committer.confirm() is True
    assert host.armed is False
    assert committer.persisted() == content(2222)
    assert committer.pending() is None
    assert committer.confirm() is False  # nothing pending any more


def test_unconfirmed_apply_restores_the_previous_table(host, committer):
    committer.apply(content(2222), 30)
    host.fire_rollback(committer)
    assert rs.content_hash(host.live) == rs.content_hash(content())


def test_rollback_of_a_table_that_did_not_exist_removes_it(tmp_path):
    host = FakeHost(live=None)
    committer = Committer(host.run, "aisec_ollama", str(tmp_path / "f.nft"), "rb", state_dir=str(tmp_path / "run"))
    committer.apply(content(), 30)
    host.fire_rollback(committer)
    assert host.live is None


def test_late_confirmation_fails_and_persists_nothing(host, committer):
    committer.apply(content(2222), 30)
    host.fire_rollback(committer)
    with pytest.raises(CommitError, match="too late"):
        committer.confirm()
    assert committer.persisted() is None


def test_apply_refuses_while_an_earlier_rollback_is_armed(host, committer):
    host.armed = True
    with pytest.raises(CommitError, match="still armed"):
        committer.apply(content(2222), 30)
    assert "nft -f" not in host.kinds()


def test_no_rollback_timer_means_nothing_is_applied(host, committer):
    host.fail.add("systemd-run")
    with pytest.raises(CommitError, match="nothing applied"):
        committer.apply(content(2222), 30)
    assert "nft -f" not in host.kinds()
    assert rs.content_hash(host.live) == rs.content_hash(content())


def test_failed_load_disarms_the_rollback(host, committer):
    host.fail.add("load")
    with pytest.raises(CommitError, match="failed to load"):
        committer.apply(content(2222), 30)
    assert host.armed is False
    assert committer.persisted() is None


def test_unrestorable_live_table_stops_the_apply(host, committer):
    host.fail.add("check")
    with pytest.raises(CommitError, match="cannot be saved"):
        committer.apply(content(2222), 30)
    assert "nft -f" not in host.kinds()


def test_zero_timeout_applies_and_persists_at_once(host, committer):
    result = committer.apply(content(2222), 0)
    assert result["pending"] is False
    assert "systemd-run --unit" not in host.kinds()
    assert committer.persisted() == content(2222)


def test_check_uses_nft_dash_c(host, committer):
    committer.check(content())
    assert host.calls[-1][:2] == ["nft", "-c"]
    host.fail.add("check")
    with pytest.raises(CommitError, match="rejected"):
        committer.check(content())


def test_confirmed_load_is_recorded_and_verifies(host, committer):
    committer.apply(content(2222), 30)
    assert committer.verify(content(2222)) is not None  # pending: not confirmed yet
    committer.confirm()
    assert committer.verify(content(2222)) is None


def test_verify_finds_a_rule_deleted_by_hand_though_the_comment_still_matches(host, committer):
    committer.apply(content(2222), 0)
    host.live = host.live.replace('tcp dport 2222 accept comment "management"', "")
    assert rs.content_hash(host.live) == rs.content_hash(content(2222))
    problem = committer.verify(content(2222))
    assert problem and "differ from the ones loaded and confirmed" in problem


def test_verify_finds_a_table_loaded_from_an_older_file(host, committer):
    committer.apply(content(2222), 0)
    host.live = content(22)
    assert "carries hash" in committer.verify(content(2222))


def test_verify_finds_a_missing_table(host, committer):
    committer.apply(content(2222), 0)
    host.live = None
    assert "is not loaded" in committer.verify(content(2222))


def test_verify_without_a_record_does_not_trust_the_comment(host, committer):
    assert "no record" in committer.verify(content())
