#!/usr/bin/env python3
"""make demo's before/after summary, from the second audit's fleet report (ollama-audit-fleet.json,
written with audit_previous_report = the first audit's) and a new discovery sweep of the lab network
(ansible-inventory --list). Exit 0 only when every host of the first audit is hardened in the second
and the sweep finds none of them exposed; 1 otherwise (a host still exposed, restricted, incomplete,
unreachable, gone from the second audit's scope, or Ollama still answering anonymously on a port)."""

import json
import sys


def sweep_line(inventory, name):
    """What the new sweep says about one address."""
    hostvars = inventory.get("_meta", {}).get("hostvars", {}).get(name)
    if not hostvars:
        return "nothing answers on the swept ports"
    return ", ".join("%s %s" % (e["port"], e["verdict"]) for e in hostvars["ollama_discovery"]["endpoints"])


def main(before_path, after_path, sweep_path):
    with open(before_path, encoding="utf-8") as handle:
        before = json.load(handle)
    with open(after_path, encoding="utf-8") as handle:
        after = json.load(handle)
    with open(sweep_path, encoding="utf-8") as handle:
        sweep = json.load(handle)
    still_exposed = set(sweep.get("ollama_exposed", {}).get("hosts", []))
    changes = after.get("changes") or {}
    if changes.get("error"):
        print("the after report could not be compared: %s" % changes["error"])
        return 1
    compared = {row["host"]: row for row in changes.get("hosts", [])}
    after_hosts = {row["host"]: row for row in after["hosts"]}
    not_hardened = []
    print("%-18s %-12s %-12s %-14s %s" % ("host", "kind", "before", "after", "findings closed / still open / new"))
    for host in before["hosts"]:
        name = host["host"]
        was = host["endpoint"].get("verdict") or host["verdict"]
        row, now_host = compared.get(name), after_hosts.get(name)
        if row is None or now_host is None:
            print("%-18s %-12s %-12s %-14s %s" % (name, host.get("deployment"), was, "NOT AUDITED",
                                                  "not in the second audit's scope: nothing is known"))
            not_hardened.append(name)
            continue
        now = now_host["endpoint"].get("verdict") or now_host["verdict"]
        print("%-18s %-12s %-12s %-14s %d / %d / %d" % (
            name, "%s>%s" % (host.get("deployment"), now_host.get("deployment")), was, now,
            len(row["closed"]), len(row["still_open"]), len(row["opened"])))
        for item in row["still_open"] + row["opened"]:
            print("    open: [%s] %s" % (item["severity"], item["title"]))
        print("    new sweep of the lab network: %s" % sweep_line(sweep, name))
        if now != "hardened" or name in still_exposed:
            not_hardened.append(name)
    for name in changes.get("new_hosts", []):
        print("%-18s (new in the second audit: %s)" % (name, after_hosts[name]["endpoint"].get("verdict")))
    if not before["hosts"]:
        print("the first audit found no host: nothing was demonstrated")
        return 1
    if not_hardened:
        print("NOT hardened: %s" % ", ".join(not_hardened))
        return 1
    print("every host is hardened (%d of %d)" % (len(before["hosts"]), len(before["hosts"])))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: demo_summary.py BEFORE.json AFTER.json SWEEP.json")
    sys.exit(main(*sys.argv[1:]))
