# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/proxy/tasks/tls.yml, proxy_tls_mode 'files': the certificate and key given as content
(PEM text, or base64 of it, as an AWX credential holds them) instead of controller paths.

The task file runs alone on localhost (connection local) writing into a temporary folder; the
play's own 'Reload nginx' handler stands in for the role's, so no nginx is touched.
"""

import base64
import datetime
import stat

import pytest
import yaml
from ansible_runs import REPO, run_on_localhost
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@pytest.fixture(scope="module")
def pem_pair():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ollama.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=200))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert_pem, key_pem


def run_tls(tmp_path, **content):
    play_vars = {
        "proxy_tls_mode": "files",
        "proxy_tls_certificate_src": "",
        "proxy_tls_private_key_src": "",
        "proxy_tls_renew_days": 30,
        "proxy_certificate": str(tmp_path / "server.crt"),
        "proxy_private_key": str(tmp_path / "server.key"),
        **content,
    }
    tasks = [{"name": "Run the role's tls.yml",
              "ansible.builtin.include_tasks": str(REPO / "roles/proxy/tasks/tls.yml")}]
    handlers = [{"name": "Reload nginx", "ansible.builtin.debug": {"msg": "reload requested"}}]
    return run_on_localhost(tmp_path, "tls.yml alone", play_vars, tasks, "-vvv", handlers=handlers)


def _key_body(key_pem):
    return "".join(key_pem.strip().splitlines()[1:-1])


def test_pem_content_is_written_with_modes_and_key_never_shown(tmp_path, pem_pair):
    cert_pem, key_pem = pem_pair
    proc = run_tls(tmp_path, proxy_tls_certificate_content=cert_pem, proxy_tls_private_key_content=key_pem)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert (tmp_path / "server.crt").read_text() == cert_pem.strip() + "\n"
    assert (tmp_path / "server.key").read_text() == key_pem.strip() + "\n"
    assert stat.S_IMODE((tmp_path / "server.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "server.crt").stat().st_mode) == 0o644
    assert "reload requested" in proc.stdout
    output = proc.stdout + proc.stderr
    for line in _key_body(key_pem)[:64], base64.b64encode(key_pem.encode()).decode()[:64]:
        assert line not in output


def test_base64_content_as_a_credential_field_holds_it(tmp_path, pem_pair):
    cert_pem, key_pem = pem_pair
    # base64 wrapped at 76 columns, as `base64` prints it, and as one line
    cert_b64 = base64.encodebytes(cert_pem.encode()).decode()
    key_b64 = base64.b64encode(key_pem.encode()).decode()
    proc = run_tls(tmp_path, proxy_tls_certificate_content=cert_b64, proxy_tls_private_key_content=key_b64)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert (tmp_path / "server.crt").read_text() == cert_pem.strip() + "\n"
    assert (tmp_path / "server.key").read_text() == key_pem.strip() + "\n"
    assert key_b64[:64] not in proc.stdout + proc.stderr


@pytest.mark.parametrize("bad", ["not a certificate", base64.b64encode(b"hello world, not PEM").decode()])
def test_content_neither_pem_nor_base64_of_pem_is_refused_before_writing(tmp_path, pem_pair, bad):
    key_pem = pem_pair[1]
    proc = run_tls(tmp_path, proxy_tls_certificate_content=bad, proxy_tls_private_key_content=key_pem)
    assert proc.returncode != 0
    assert "neither PEM nor base64 of PEM" in proc.stdout
    assert not (tmp_path / "server.crt").exists()
    assert not (tmp_path / "server.key").exists()


def test_paths_still_work(tmp_path, pem_pair):
    cert_pem, key_pem = pem_pair
    (tmp_path / "in.crt").write_text(cert_pem)
    (tmp_path / "in.key").write_text(key_pem)
    proc = run_tls(
        tmp_path, proxy_tls_certificate_src=str(tmp_path / "in.crt"), proxy_tls_private_key_src=str(tmp_path / "in.key")
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert (tmp_path / "server.crt").read_text() == cert_pem


def test_role_declares_and_defaults_the_content_inputs():
    spec = yaml.safe_load((REPO / "roles/proxy/meta/argument_specs.yml").read_text())["argument_specs"]["main"][
        "options"
    ]
    defaults = yaml.safe_load((REPO / "roles/proxy/defaults/main.yml").read_text())
    for name in ("proxy_tls_certificate_content", "proxy_tls_private_key_content"):
        assert spec[name]["type"] == "str"
        assert defaults[name] == ""
    assert spec["proxy_tls_private_key_content"]["no_log"] is True
