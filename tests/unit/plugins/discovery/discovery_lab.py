# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Servers that stand beside the Ollama emulator in the discovery tests, each on its own loopback
address: a front that refuses (like a proxy) and may pass some paths to an emulator, the same over
TLS on a port that is not 443, a plain web server that is not Ollama, and a listener that accepts
connections and never answers."""

from __future__ import annotations

import datetime
import http.client
import http.server
import socket
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NET = "127.0.3"  # the lab's addresses: NET.2, NET.3, ...
TIMEOUT = 0.5  # seconds per connection and answer in the tests


def port_free_on(addresses):
    for _attempt in range(50):
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        with socket.socket(family) as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as other:
                    other.bind((address, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on every lab address")


class _Quiet(http.server.BaseHTTPRequestHandler):
    """A handler that answers with reply() and logs nothing."""

    def reply(self, status, content_type, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _front_handler(realm, passed_paths, upstream):
    class Front(_Quiet):
        def do_GET(self):
            if upstream and self.path in passed_paths:
                conn = http.client.HTTPConnection(*upstream, timeout=5)
                conn.request("GET", self.path)
                answer = conn.getresponse()
                self.reply(answer.status, answer.getheader("Content-Type", "text/plain"), answer.read())
                conn.close()
                return
            challenge = [("WWW-Authenticate", f'Basic realm="{realm}"')] if realm is not None else []
            self.reply(401, "application/json", b'{"error":"authentication required"}', challenge)

    return Front


class Servers:
    """Started servers; stop() closes them all."""

    def __init__(self):
        self._servers = []
        self._sockets = []

    def _serve(self, server):
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        return server

    def front(self, address, port, realm="Ollama", passed_paths=(), upstream=None, tls_dir: Path | None = None):
        """401 on every path but passed_paths (relayed to upstream=(host, port)); TLS with tls_dir."""
        server = http.server.ThreadingHTTPServer((address, port), _front_handler(realm, passed_paths, upstream))
        if tls_dir is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self_signed(tls_dir))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        return self._serve(server)

    def web_page(self, address, port):
        """A web server that is not Ollama: 200 on /, 404 elsewhere."""
        class Page(_Quiet):
            def do_GET(self):
                if self.path == "/":
                    self.reply(200, "text/html", b"<html><body>It works</body></html>")
                else:
                    self.reply(404, "text/html", b"not here")

        return self._serve(http.server.ThreadingHTTPServer((address, port), Page))

    def silent(self, address, port):
        """Accepts connections (the kernel does) and never answers."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(64)
        self._sockets.append(sock)
        return sock

    def stop(self):
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for sock in self._sockets:
            sock.close()


def self_signed(folder: Path):
    """(cert path, key path) of a throwaway self-signed certificate in folder."""
    cert_path, key_path = folder / "front.crt", folder / "front.key"
    if not cert_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "front.test")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return str(cert_path), str(key_path)
