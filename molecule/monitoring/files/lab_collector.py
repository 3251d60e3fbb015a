"""The lab's central collector: a webhook receiver (HTTP POST, one JSON body per line in
/tmp/webhook.jsonl) and a TLS syslog receiver (RFC 5425 octet-counted or newline-framed
messages, one per line in /tmp/collector.log). Test-only."""

import http.server
import socketserver
import ssl
import sys
import threading


class Webhook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open("/tmp/webhook.jsonl", "ab") as out:
            out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Syslog(socketserver.StreamRequestHandler):
    def handle(self):
        buffer = b""
        while True:
            chunk = self.request.recv(65536)
            if not chunk:
                break
            buffer += chunk
            with open("/tmp/collector.log", "ab") as out:
                while buffer:
                    head, space, rest = buffer.partition(b" ")
                    if space and head.isdigit() and len(rest) >= int(head):
                        out.write(rest[: int(head)].rstrip(b"\n") + b"\n")
                        buffer = rest[int(head) :]
                    elif b"\n" in buffer and not head.isdigit():
                        line, _nl, buffer = buffer.partition(b"\n")
                        out.write(line + b"\n")
                    else:
                        break


class TLSServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, handler, cert, key):
        super().__init__(address, handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True)


if __name__ == "__main__":
    webhook_port, syslog_port, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    web = http.server.ThreadingHTTPServer(("0.0.0.0", webhook_port), Webhook)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    TLSServer(("0.0.0.0", syslog_port), Syslog, cert, key).serve_forever()
