"""Stand-in for sshd on the target (the lab connects with `podman exec`, not over the network):
a TCP service on port 22 that sends an SSH-like banner and answers every line, so a management
host can hold a long-lived session and open new ones through the firewall."""

import socketserver


class Session(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"SSH-2.0-aisec-lab-mgmt\r\n")
        for line in self.rfile:
            self.wfile.write(b"pong " + line.strip() + b"\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    Server(("0.0.0.0", 22), Session).serve_forever()
