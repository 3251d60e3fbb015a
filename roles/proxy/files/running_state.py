# -*- coding: utf-8 -*-
# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the RUNNING nginx serves on loopback, next to what the role wrote (run by tasks/verify.yml).

Usage: running_state.py PORT MARKER_NAME SERVER_NAME SITE_FILE CERT_FILE
Prints one JSON object:
  marker_file     the marker line of the site file on disk
  marker_running  what the running nginx answers for it (None when it does not answer)
  cert_file       SHA-256 of the deployed certificate (the first one in the file: the leaf)
  cert_running    SHA-256 of the certificate the running nginx presents for SERVER_NAME
  errors          why a value could not be read
Only the standard library: it runs on the managed host.
"""

import hashlib
import json
import re
import socket
import ssl
import sys

TIMEOUT = 5


def context():
    # Nothing is trusted or refused here: the served certificate is compared byte for byte with the
    # deployed one instead.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def served(port, name, path=None):
    """(DER certificate, HTTP body or None) from 127.0.0.1:port with SNI and Host = name."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        with context().wrap_socket(raw, server_hostname=name) as tls:
            der = tls.getpeercert(binary_form=True)
            if path is None:
                return der, None
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status + b" ":
        return der, None
    return der, body.decode("ascii", "replace").strip()


def main(argv):
    port, marker_name, server_name, site_file, cert_file = argv
    port = int(port)
    out = {"marker_file": None, "marker_running": None, "cert_file": None, "cert_running": None, "errors": []}
    try:
        with open(site_file, encoding="utf-8") as handle:
            match = re.search(r"^# aisec-ollama-config-marker: ([0-9a-f]{64})$", handle.read(), re.M)
        out["marker_file"] = match.group(1) if match else None
    except OSError as exc:
        out["errors"].append(f"site file: {exc}")
    try:
        with open(cert_file, encoding="ascii") as handle:
            pem = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", handle.read(), re.S)
        out["cert_file"] = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.group(0))).hexdigest() if pem else None
    except (OSError, ValueError) as exc:
        out["errors"].append(f"certificate file: {exc}")
    try:
        _der, out["marker_running"] = served(port, marker_name, "/aisec-ollama-config-marker")
    except (OSError, ssl.SSLError) as exc:
        out["errors"].append(f"marker on 127.0.0.1:{port}: {exc}")
    try:
        der, _body = served(port, server_name)
        out["cert_running"] = hashlib.sha256(der).hexdigest() if der else None
    except (OSError, ssl.SSLError) as exc:
        out["errors"].append(f"certificate on 127.0.0.1:{port} for {server_name}: {exc}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
