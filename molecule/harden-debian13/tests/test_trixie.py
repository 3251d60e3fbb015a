"""The target really is Debian 13, with the versions that break Debian 12 assumptions.

The roles' modules ran on this host's Python (3.13, no crypt module); the outsider's checks in
../harden/tests/test_harden.py prove the result (basic auth against hashes nginx checks with
trixie's libxcrypt, the nftables ruleset, the sandboxed unit under systemd 257); the monitoring
layer's fail2ban 1.1 and Debian 13's own sshd jail are checked here.
"""

import re
import shlex


def test_target_runs_debian_13(target):
    assert target.file("/etc/debian_version").content_string.startswith("13.")
    assert target.system_info.codename == "trixie"


def test_python_is_3_13_without_crypt(target):
    assert target.check_output("python3 -c 'import sys; print(sys.version_info[:2])'") == "(3, 13)"
    # The proxy's htpasswd filter must not need it (plugins/filter/proxy_htpasswd.py).
    assert target.run("python3 -c 'import crypt'").rc != 0


def test_python_3_13_is_the_only_interpreter_the_modules_could_run_on(target):
    # So the converge's modules (ollama_config, nft_ruleset, ollama_version_check, ...) ran on 3.13.
    found = target.check_output("ls /usr/bin/ | grep -E '^python[0-9.]*$' | sort").split()
    assert found == ["python3", "python3.13"], found


def test_systemd_257_runs_the_sandboxed_ollama(target):
    version = int(re.match(r"systemd (\d+)", target.check_output("systemctl --version")).group(1))
    assert version >= 257
    assert target.service("ollama").is_running
    assert target.check_output("systemctl show ollama -p ProtectSystem --value") == "strict"


def test_nftables_1_1_holds_the_roles_table(target):
    assert target.check_output("nft --version").startswith("nftables v1.1")
    tables = target.check_output("nft list tables").splitlines()
    assert "table inet aisec_ollama" in tables, tables


def test_nginx_1_26_serves_the_proxy(target):
    out = target.run("nginx -v").stderr
    assert re.search(r"nginx/1\.(2[6-9]|[3-9]\d)", out), out
    assert target.service("nginx").is_running
    assert target.socket("tcp://0.0.0.0:443").is_listening


def test_python_3_13_clients_trust_the_proxys_internal_ca(target, target_name):
    # Python 3.13's default TLS context adds VERIFY_X509_STRICT (a CA needs key usage and a
    # subject key identifier, a leaf an authority key identifier): the ollama and openai SDKs
    # on 3.13 refuse a chain that 3.11 accepted. Over loopback (allowed by the proxy), with the
    # target's name for SNI and the name check.
    script = (
        "import socket, ssl\n"
        "ctx = ssl.create_default_context(cafile='/etc/nginx/aisec-ollama/tls/ca.crt')\n"
        "assert ctx.verify_flags & ssl.VERIFY_X509_STRICT\n"
        "with socket.create_connection(('127.0.0.1', 443), timeout=10) as raw:\n"
        f"    with ctx.wrap_socket(raw, server_hostname='{target_name}') as tls:\n"
        "        print(tls.version())\n"
    )
    result = target.run(f"python3 -c {shlex.quote(script)}")
    assert result.rc == 0 and result.stdout.strip().startswith("TLSv1."), result.stderr


def test_fail2ban_1_1_bans_into_the_firewalls_sets_on_python_3_13(target):
    # The monitoring layer on trixie: fail2ban 1.1 (on Python 3.13, which dropped the asyncore and
    # asynchat it uses) runs the role's auth jail with the action that fills the firewall role's
    # ban sets, and the detection daemon runs on the same interpreter.
    assert target.check_output("fail2ban-client --version").startswith("Fail2Ban v1.1")
    assert target.service("fail2ban").is_running
    actions = target.check_output("fail2ban-client get aisec-ollama-auth actions")
    assert "aisec-ollama-nftset" in actions, actions
    assert target.check_output("nft list set inet aisec_ollama banned_ipv4").startswith("table inet aisec_ollama")
    assert target.service("aisec-ollama-monitor").is_running
    main_pid = target.check_output("systemctl show aisec-ollama-monitor -p MainPID --value")
    # /proc/PID/exe of another user's process needs CAP_SYS_PTRACE; its command line does not.
    argv = target.check_output(f"tr '\\0' ' ' < /proc/{main_pid}/cmdline").split()
    assert argv[0] == "/usr/bin/python3", argv
    assert target.check_output("readlink -f /usr/bin/python3") == "/usr/bin/python3.13"


def test_debians_own_sshd_jail_reads_the_journal_without_the_roles_override(target):
    # Debian 13 packages the sshd jail with backend = systemd (Debian 12's read /var/log/auth.log,
    # which the role redirected to the journal with its own file); trixie keeps no auth.log here.
    assert not target.file("/etc/fail2ban/jail.d/aisec-ollama-sshd-journal.local").exists
    assert "backend = systemd" in target.file("/etc/fail2ban/jail.d/defaults-debian.conf").content_string
    assert not target.file("/var/log/auth.log").exists
    assert "sshd" in target.check_output("fail2ban-client status")
