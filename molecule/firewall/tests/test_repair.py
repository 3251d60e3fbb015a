"""A host left half-applied is repaired by a re-run: the role compares the LOADED table with the one it
rendered (rule for rule, as recorded at the last confirmed load), not only the hash in the table's
comment, which survives a rule deleted or a chain flushed by hand."""

import re

from firewall_lab import TARGET, file_hash, live_hash, reaches, rollback_armed, run_playbook


def delete_rule(target, chain, comment):
    listing = target.check_output(f"nft -a list chain inet aisec_ollama {chain}")
    handle = re.search(rf'comment "{comment}" # handle (\d+)', listing).group(1)
    target.check_output(f"nft delete rule inet aisec_ollama {chain} handle {handle}")


def recap(out):
    return out.split("PLAY RECAP")[-1].split(TARGET)[1].split("\n")[0]


def test_rerun_repairs_a_rule_deleted_by_hand(target, client):
    before = live_hash(target)
    assert reaches(client, 9100)
    delete_rule(target, "input", "metrics")
    assert not reaches(client, 9100)
    assert live_hash(target) == before  # the comment still claims the rendered table
    rc, out = run_playbook()
    assert rc == 0, out
    assert "re-applying table inet aisec_ollama" in out
    assert "changed=0" not in recap(out)
    assert reaches(client, 9100)
    assert live_hash(target) == file_hash(target) == before
    assert not rollback_armed(target)


def test_rerun_repairs_a_flushed_forward_chain(target):
    before = live_hash(target)
    target.check_output("nft flush chain inet aisec_ollama forward")
    rc, out = run_playbook()
    assert rc == 0, out
    assert "published container port" in target.check_output("nft list chain inet aisec_ollama forward")
    assert live_hash(target) == before


def test_rerun_after_the_repair_changes_nothing(target):
    rc, out = run_playbook()
    assert rc == 0, out
    assert "changed=0" in recap(out), out
