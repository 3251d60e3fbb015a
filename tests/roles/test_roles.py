# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles server, proxy and firewall, run with ansible-playbook on this machine.

Everything runs with --check (or --list-tasks) against localhost over connection local: the
platform check on faked OS facts, the tags each role offers, and switches given as strings.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
INVENTORY = Path(__file__).resolve().parent / "inventory" / "hosts.yml"
ROLES = ("server", "proxy", "firewall", "monitoring", "container")
BIN = Path(sys.executable).parent


def _site_packages():
    import sysconfig

    return sysconfig.get_paths()["purelib"]


def run_playbook(playbook, *args, json_output=False):
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=_site_packages(),
        ANSIBLE_FORKS="10",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    if json_output:
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    cmd = [str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(PLAYBOOKS / playbook), *args]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    if json_output:
        assert proc.stdout.strip(), proc.stderr
        return proc, json.loads(proc.stdout)
    return proc, None


@pytest.fixture(scope="module", autouse=True)
def collection_link():
    """aisec.ollama must resolve from this checkout (the same link scripts/lint.sh makes)."""
    link = Path(_site_packages()) / "ansible_collections" / "aisec" / "ollama"
    if not (link.exists() and link.resolve() == REPO):
        subprocess.run([str(REPO / "scripts" / "link-collection.sh")], check=True, capture_output=True)


# --- platform -------------------------------------------------------------------------------

# The only tasks a role may run on a host before its platform check refused it: the argument
# validation Ansible adds and the read-only steps of tasks/platform.yml.
ALLOWED_BEFORE_REFUSAL = (
    "Validating arguments against arg spec",
    "Read the OS facts the platform check needs",
    "Compare the host's OS with the platforms the role is tested on",
    "Refuse a platform the role is not tested on",
)
FAKE_HOSTS = {
    "ubuntu-2204": "Ubuntu 22.04 (OS family Debian)",
    "debian-11": "Debian 11.9 (OS family Debian)",
    "rocky-9": "Rocky 9.4 (OS family RedHat)",
    "debian-14": "Debian 14.0 (OS family Debian)",
}


@pytest.fixture(scope="module")
def refusal_run():
    return run_playbook("platform_refusal.yml", "--check", json_output=True)


def _role_tasks_for_host(play, role, host):
    """The role's tasks that ran on host (not skipped), in order, with their results."""
    ran = []
    for task in play["tasks"]:
        name = task["task"]["name"]
        result = task["hosts"].get(host)
        if result is None or result.get("skipped"):
            continue
        if name.startswith(f"aisec.ollama.{role} : "):
            ran.append((name.split(" : ", 1)[1], result))
    return ran


def supported_names(role):
    """The platforms a role's refusal names: its vars/main.yml <role>_supported_platforms."""
    platforms = yaml.safe_load((REPO / "roles" / role / "vars" / "main.yml").read_text())[f"{role}_supported_platforms"]
    return ", ".join(p["name"] for p in platforms)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("host", sorted(FAKE_HOSTS))
def test_role_refuses_untested_platform_before_any_change(refusal_run, role, host):
    proc, out = refusal_run
    play = out["plays"][0]
    ran = _role_tasks_for_host(play, role, host)
    assert ran, f"aisec.ollama.{role} ran no task on {host}:\n{proc.stderr[-2000:]}"
    for name, result in ran:
        assert name.startswith(ALLOWED_BEFORE_REFUSAL), f"{role} ran {name!r} on {host} before refusing"
        assert not result.get("changed"), f"{role}: {name!r} changed {host}"
    last_name, last_result = ran[-1]
    assert last_name.startswith("Refuse a platform the role is not tested on")
    assert last_result.get("failed"), f"{role} did not refuse {host}"
    expected = f"aisec.ollama.{role} supports {supported_names(role)}; this host runs {FAKE_HOSTS[host]}"
    assert expected in last_result["msg"]


@pytest.mark.parametrize("role", ROLES)
def test_declared_platforms_match_the_checked_ones(role):
    """meta/main.yml, vars/main.yml (the check) and the per-platform vars files agree."""
    role_dir = REPO / "roles" / role
    meta = yaml.safe_load((role_dir / "meta" / "main.yml").read_text())["galaxy_info"]
    supported = yaml.safe_load((role_dir / "vars" / "main.yml").read_text())[f"{role}_supported_platforms"]
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"]
    assert meta["license"] == "GPL-3.0-or-later"
    assert re.fullmatch(r">=\s*" + re.escape(meta["min_ansible_version"]) + r"(\.0)*", runtime), (
        meta["min_ansible_version"],
        runtime,
    )
    codenames = {"12": "bookworm", "13": "trixie"}
    declared = {(p["name"], v) for p in meta["platforms"] for v in p["versions"]}
    checked = {(p["distribution"], codenames.get(p["major"], p["major"])) for p in supported}
    assert declared == checked
    for platform in supported:
        assert (role_dir / "vars" / platform["vars_file"]).is_file()
        # One of the names tasks/platform.yml looks for, most specific first.
        assert platform["vars_file"] in (f"{platform['distribution']}-{platform['major']}.yml",
                                         f"{platform['distribution']}.yml", f"{platform['os_family']}.yml")


def test_tested_platforms_pass_the_check_and_load_their_values():
    proc, out = run_playbook("platform_accepted.yml", "--check", json_output=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    shown = next(t for t in out["plays"][0]["tasks"] if t["task"]["name"] == "Show the values each role loaded")
    assert set(shown["hosts"]) == {"debian-12", "debian-13"}
    # The container role's unit flavour before podman is installed: Debian 12's podman 4.3 has no
    # Quadlet, Debian 13's podman 5.4 has.
    podman = {"debian-12": "4.3", "debian-13": "5.4"}
    # The monitoring role's override of Debian's sshd jail: Debian 12's reads /var/log/auth.log (the
    # role points it at the journal), Debian 13's reads the journal itself (vars/Debian-13.yml).
    sshd_journal = {"debian-12": True, "debian-13": False}
    for host, result in shown["hosts"].items():
        assert result["msg"] == {
            "server_os_unit_dir": "/etc/systemd/system",
            "proxy_os_nginx_group": "www-data",
            "proxy_os_sites_available_dir": "/etc/nginx/sites-available",
            "firewall_os_nft_binary": "/usr/sbin/nft",
            "container_os_podman_version": podman[host],
            "monitoring_os_fail2ban_sshd_journal": sshd_journal[host],
            "monitoring_os_nginx_pid": "/run/nginx.pid",
        }, host


# --- tags -----------------------------------------------------------------------------------

TASK_LINE = re.compile(r"^\s+aisec\.ollama\.(\w+) : (.+?)\tTAGS: \[(.*)\]\s*$")
# A few tasks of each role's validation: they must be listed whatever --tags selects.
ALWAYS = {
    "server": [
        "Refuse a platform the role is not tested on (nothing has changed)",
        "Check inputs that need no facts",
        "Decide whether to install",
    ],
    "proxy": [
        "Refuse a platform the role is not tested on (nothing has changed)",
        "Check that clients must present a credential",
    ],
    "firewall": [
        "Refuse a platform the role is not tested on (nothing has changed)",
        "Choose the backend",
        "Validate the policy and refuse one that would cut the management connection",
    ],
}


def list_tasks(*args):
    proc = run_playbook("all_roles.yml", "--list-tasks", *args)[0]
    assert proc.returncode == 0, proc.stderr
    tasks = []
    for line in proc.stdout.splitlines():
        match = TASK_LINE.match(line)
        if match:
            tasks.append((match.group(1), match.group(2)))
    return tasks


def _names(tasks, role):
    return [name for r, name in tasks if r == role]


@pytest.mark.parametrize(
    ("tags", "present", "absent"),
    [
        (
            "site",
            {
                "proxy": [
                    "Write the site",
                    "Enable the site",
                    "Test the whole nginx configuration",
                    "Create the role's folder (root only, it holds credentials)",
                ]
            },
            {
                "proxy": [
                    "Install nginx (and python3-cryptography for community.crypto on the host)",
                    "CA private key",
                    "Write the credential files",
                ],
                "server": ["Write the sandboxing drop-in", "Download the release archive, verifying its sha256"],
            },
        ),
        (
            "auth",
            {"proxy": ["Write the credential files", "Test the whole nginx configuration"]},
            {"proxy": ["Write the site", "CA private key"]},
        ),
        (
            "tls",
            {"proxy": ["CA private key", "Server certificate signed by the internal CA", "Private key"]},
            {"proxy": ["Write the site", "Start nginx and enable it at boot"]},
        ),
        (
            "install",
            {
                "server": [
                    "Download the release archive, verifying its sha256",
                    "Switch the binary to the pinned version (atomic symlink replacement)",
                ],
                "proxy": ["Install nginx (and python3-cryptography for community.crypto on the host)"],
            },
            {
                "server": ["Write the sandboxing drop-in", "Verify the model store and enforce the allowlists"],
                "proxy": ["Write the site"],
            },
        ),
        (
            "sandbox",
            {
                "server": [
                    "Write the sandboxing drop-in",
                    "Remove the sandboxing drop-in (server_sandbox is false)",
                    "Wait until the server answers on its address",
                ]
            },
            {"server": ["Write the server settings drop-in", "Create the ollama user (system, no login shell)"]},
        ),
        (
            "config",
            {"server": ["Write the server settings drop-in", "Enable and start the service"]},
            {"server": ["Write the sandboxing drop-in", "Download the release archive, verifying its sha256"]},
        ),
        (
            "service",
            {
                "server": [
                    "Create the ollama user (system, no login shell)",
                    "Write the unit (only when none exists; an adopted unit is kept)",
                ],
                "proxy": ["Start nginx and enable it at boot"],
            },
            {"server": ["Write the sandboxing drop-in"], "proxy": ["Write the site"]},
        ),
        (
            "models",
            {"server": ["Verify the model store and enforce the allowlists"]},
            {"server": ["Write the server settings drop-in"], "proxy": ["Write the site"]},
        ),
        (
            "nftables",
            {"firewall": ["Apply through the chosen backend"]},
            {"proxy": ["Write the site"], "server": ["Write the server settings drop-in"]},
        ),
    ],
)
def test_tags_select_their_concern_and_always_validate(tags, present, absent):
    tasks = list_tasks("--tags", tags)
    for role, names in present.items():
        for name in names:
            assert name in _names(tasks, role), f"--tags {tags}: {role} : {name} not listed"
    for role, names in absent.items():
        for name in names:
            assert name not in _names(tasks, role), f"--tags {tags}: {role} : {name} listed"
    for role, names in ALWAYS.items():
        for name in names:
            assert name in _names(tasks, role), f"--tags {tags}: validation {role} : {name} not listed"


def test_skip_tags_keeps_validation():
    tasks = list_tasks("--skip-tags", "install,tls,auth,site,service,sandbox,config,models,verify,nftables")
    for role, names in ALWAYS.items():
        for name in names:
            assert name in _names(tasks, role)
    assert "Write the site" not in _names(tasks, "proxy")
    assert "Install nginx (and python3-cryptography for community.crypto on the host)" not in _names(tasks, "proxy")
    assert "Apply through the chosen backend" not in _names(tasks, "firewall")
    assert "Write the sandboxing drop-in" not in _names(tasks, "server")


def test_validation_comes_first_in_each_role():
    """The platform check is each role's first task, before any task that can change the host."""
    tasks = list_tasks()
    for role in ROLES:
        names = [n for n in _names(tasks, role) if not n.startswith("Validating arguments against arg spec")]
        assert names[0] == "Read the OS facts the platform check needs (when the play gathered none)", names[:3]
        assert names[2].startswith("Refuse a platform the role is not tested on"), names[:3]


# --- booleans from strings --------------------------------------------------------------------

REDIRECT_OPEN = {
    "redirect-string-false": False,
    "redirect-string-no": False,
    "redirect-string-off": False,
    "redirect-string-0": False,
    "redirect-bool-false": False,
    "redirect-string-true": True,
    "redirect-string-yes": True,
    "redirect-string-on": True,
    "redirect-string-1": True,
    "redirect-bool-true": True,
}


def test_firewall_http_redirect_spellings():
    """firewall_http_redirect: "false" (a string, as -e and surveys give it) must not open port 80."""
    # A tag no task carries: only the role's `always` tasks (platform, detection, validation) run.
    proc, out = run_playbook("firewall_redirect.yml", "--check", "--tags", "roles-test-none", json_output=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    shown = out["plays"][0]["tasks"][-1]
    assert shown["task"]["name"] == "Show the inbound allowlist"
    for host, opened in REDIRECT_OPEN.items():
        allow = shown["hosts"][host]["firewall_allow"]
        ports = sorted(rule["port"] for rule in allow)
        assert ports == ([80, 443] if opened else [443]), (host, allow)
