"""make demo's before/after summary, from the second audit's fleet report (ollama-audit-fleet.json,
written with audit_previous_report = the first audit's) and a new discovery sweep of the lab network
(ansible-inventory --list). Exit 0 only when every host of the first audit is hardened in the second
and the sweep finds none of them exposed; 1 otherwise (a host still exposed, restricted, incomplete,
unreachable, gone from the second audit's scope, or Ollama still answering anonymously on a port)."""

import json
import sys

ROW = "{:<12} {:<22} {:<10} {:<10} {}"


def plain(value):
    """ansible-inventory --list writes the plugin's strings as {"__ansible_unsafe": "..."}."""
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value


def sweep_line(inventory, name):
    """What the new sweep says about one address."""
    hostvars = inventory.get("_meta", {}).get("hostvars", {}).get(name)
    if not hostvars:
        # An aisec.ollama.proxy refuses a TLS handshake that names no server (SNI), as a sweep by
        # address sends it: the port is open, nothing answers, and the host is not listed.
        return "not listed (nothing answered as Ollama to an anonymous sweep by address)"
    endpoints = hostvars["ollama_discovery"]["endpoints"]
    return ", ".join(f"port {plain(e['port'])} {plain(e['verdict'])}" for e in endpoints)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(before_path, after_path, sweep_path):
    before, after, sweep = load(before_path), load(after_path), load(sweep_path)
    still_exposed = set(sweep.get("ollama_exposed", {}).get("hosts", []))
    changes = after.get("changes") or {}
    if changes.get("error"):
        print(f"the after report could not be compared: {changes['error']}")
        return 1
    compared = {row["host"]: row for row in changes.get("hosts", [])}
    after_hosts = {row["host"]: row for row in after["hosts"]}
    not_hardened = []
    print(
        ROW.format(
            "host", "deployment", "before", "after", "findings closed / still open / new; advisories of its version"
        )
    )
    for host in before["hosts"]:
        name = host["host"]
        was = host["endpoint"].get("verdict") or host["verdict"]
        row, now_host = compared.get(name), after_hosts.get(name)
        if row is None or now_host is None:
            print(
                ROW.format(
                    name,
                    host.get("deployment"),
                    was,
                    "NOT AUDITED",
                    "not in the second audit's scope: nothing is known",
                )
            )
            not_hardened.append(name)
            continue
        now = now_host["endpoint"].get("verdict") or now_host["verdict"]
        findings = {key: [i for i in row[key] if i["kind"] == "finding"] for key in ("closed", "still_open", "opened")}
        advisories = [i for i in row["still_open"] + row["opened"] if i["kind"] == "advisory"]
        counts = "{} / {} / {}; {}".format(
            *(len(findings[k]) for k in ("closed", "still_open", "opened")), len(advisories)
        )
        print(ROW.format(name, f"{host.get('deployment')} -> {now_host.get('deployment')}", was, now, counts))
        for item in findings["still_open"] + findings["opened"]:
            print(f"    open: [{item['severity']}] {item['title']}")
        print(
            f"    audited at {now_host['endpoint'].get('url')};"
            f" a new sweep of the lab network: {sweep_line(sweep, name)}"
        )
        if now != "hardened" or name in still_exposed:
            not_hardened.append(name)
    for name in changes.get("new_hosts", []):
        print(f"{name}: new in the second audit ({after_hosts[name]['endpoint'].get('verdict')})")
    if not before["hosts"]:
        print("the first audit found no host: nothing was demonstrated")
        return 1
    if not_hardened:
        print(f"NOT hardened: {', '.join(not_hardened)}")
        return 1
    total = len(before["hosts"])
    print(
        f"every host is hardened ({total} of {total}); the advisories of the installed version stay listed"
        " until it is upgraded."
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: demo_summary.py BEFORE.json AFTER.json SWEEP.json")
    sys.exit(main(*sys.argv[1:]))
