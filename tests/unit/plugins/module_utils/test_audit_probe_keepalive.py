# Copyright: (c) 2026, AISec Ollama Maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""audit_probe.Client keeps one connection alive per target, scheme and port: fewer handshakes,
and a connection the server closed between two probes must not turn into a verdict."""

import socket
import threading

import pytest
from ansible_collections.aisec.ollama.plugins.module_utils import audit_probe as ap

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class RawServer:
    """A loopback HTTP/1.1 server that answers each request with OK and counts connections;
    with ``requests_per_connection`` it closes a connection after that many answers WITHOUT
    saying so (no "Connection: close"), as a server's idle or max-requests limit does."""

    def __init__(self, requests_per_connection=None):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.limit = requests_per_connection
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        served, buffer = 0, b""
        with conn:
            while self.limit is None or served < self.limit:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(4096)
                    if not data:
                        return
                    buffer += data
                _head, _sep, buffer = buffer.partition(b"\r\n\r\n")
                conn.sendall(OK)
                served += 1

    def close(self):
        self.listener.close()


@pytest.fixture
def server(request):
    srv = RawServer(getattr(request, "param", None))
    yield srv
    srv.close()


def client_for(port):
    target = ap.parse_target(f"http://127.0.0.1:{port}")
    return ap.Client(target, timeout=2.0, deadline=ap.Deadline(10))


def test_probes_of_one_target_share_a_connection(server):
    client = client_for(server.port)
    statuses = [client.request("GET", path).status for path in ("/", "/api/version", "/api/tags")]
    client.close()
    assert statuses == [200, 200, 200]
    assert server.connections == 1
    assert client.sent == 3


@pytest.mark.parametrize("server", [1], indirect=True)
def test_a_connection_closed_between_probes_is_retried_not_judged(server):
    client = client_for(server.port)
    first = client.request("GET", "/")
    second = client.request("GET", "/api/version")  # the server closed the first connection silently
    client.close()
    assert (first.status, second.status) == (200, 200)
    assert second.error_kind is None
    assert server.connections == 2


def test_after_close_the_client_opens_a_new_connection(server):
    client = client_for(server.port)
    client.request("GET", "/")
    client.close()
    assert client.request("GET", "/").status == 200
    client.close()
    assert server.connections == 2


def test_a_fresh_connection_closed_without_an_answer_is_still_closed():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_and_hang_up():
        for _connection in range(2):
            conn, _addr = listener.accept()
            conn.recv(4096)
            conn.close()  # nginx's 444: the request is refused by closing, with no answer

    thread = threading.Thread(target=accept_and_hang_up, daemon=True)
    thread.start()
    client = client_for(port)
    ex = client.request("GET", "/api/tags")
    client.close()
    listener.close()
    assert ex.status is None and ex.error_kind == "closed"
    assert ap.judge("json:models", ex) == "blocked"
