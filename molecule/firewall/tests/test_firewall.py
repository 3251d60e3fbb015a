"""After converge: what the allowed client, the stranger and the Ollama service can reach."""

from firewall_lab import TARGET, file_hash, live_hash, reaches, rollback_armed


def test_allowed_client_reaches_the_proxy_port(client):
    assert client.request(f"http://{TARGET}:443/", timeout=5).status == 200


def test_ollama_port_is_closed_to_the_allowed_client_though_ollama_listens_on_all_interfaces(target, client):
    assert target.socket("tcp://0.0.0.0:11434").is_listening
    assert target.check_output("curl -s -m 5 http://127.0.0.1:11434/") == "Ollama is running"
    assert not reaches(client, 11434)


def test_stranger_reaches_neither_the_proxy_nor_ollama(stranger):
    assert not reaches(stranger, 443)
    assert not reaches(stranger, 11434)


def test_extra_service_is_open_only_to_its_cidrs(client, stranger):
    assert reaches(client, 9100)
    assert not reaches(stranger, 9100)


def test_unlisted_port_is_dropped_even_though_another_table_accepts_it(target, client):
    assert 'tcp dport 8080 counter' in target.check_output("nft list table inet other_team")
    assert target.socket("tcp://0.0.0.0:8080").is_listening
    assert not reaches(client, 8080)


def test_management_port_is_open_to_the_management_host_only(client, stranger):
    assert reaches(client, 22)
    assert not reaches(stranger, 22)


def test_other_teams_table_is_untouched(target):
    before = target.file("/root/other_team.before").content_string
    assert target.check_output("nft -s list table inet other_team") + "\n" == before


def test_only_our_table_is_added(target):
    tables = set(target.check_output("nft list tables").splitlines())
    assert tables == {"table inet other_team", "table inet aisec_ollama"}


def test_ruleset_is_persisted_and_loaded_at_boot(target):
    persisted = target.file("/etc/nftables.d/aisec-ollama.nft")
    assert persisted.mode == 0o644
    assert persisted.content_string.startswith("#!/usr/sbin/nft -f\n# managed by aisec.ollama.firewall")
    assert live_hash(target) is not None
    assert file_hash(target) == live_hash(target)
    unit = target.service("aisec-ollama-firewall")
    assert unit.is_enabled
    assert "ExecStart=/usr/sbin/nft -f /etc/nftables.d/aisec-ollama.nft" in \
        target.file("/etc/systemd/system/aisec-ollama-firewall.service").content_string


def test_confirmed_apply_leaves_no_rollback_armed(target):
    assert not rollback_armed(target)
    assert not target.file("/run/aisec-ollama-firewall/pending.nft").exists


def test_ollama_user_reaches_only_the_allowed_egress_destination(target):
    curl = "curl -sS -m 5 -o /dev/null -w '%{http_code}'"
    assert target.check_output(f"runuser -u ollama -- {curl} http://firewall-client:8080/") == "200"
    refused = target.run(f"runuser -u ollama -- {curl} http://firewall-stranger:8080/")
    assert refused.rc != 0


def test_egress_limits_apply_to_the_ollama_user_only(target):
    curl = "curl -sS -m 5 -o /dev/null -w '%{http_code}'"
    assert target.check_output(f"{curl} http://firewall-stranger:8080/") == "200"
