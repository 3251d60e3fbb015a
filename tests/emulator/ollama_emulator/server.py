"""HTTP plumbing: a threaded HTTP/1.1 server that answers like Go's net/http + gin."""

from __future__ import annotations

import contextlib
import http.server
import socket
import time
import urllib.parse
from http import HTTPStatus

from ollama_emulator import goformat, logs
from ollama_emulator.security import Abort, check_host


class Ctx:
    """One request and its response, like gin.Context."""

    def __init__(self, handler: RequestHandler, app) -> None:
        self.h = handler
        self.app = app
        self.method = handler.command
        parsed = urllib.parse.urlsplit(handler.path)
        self.raw_path = handler.path
        self.path = urllib.parse.unquote(parsed.path) or "/"
        self.query = urllib.parse.parse_qs(parsed.query)
        self.headers = handler.headers
        self.host = handler.headers.get("Host", "")
        self.params: dict = {}
        self.out_headers: list[tuple[str, str]] = []
        self.status = 0
        self.written = False
        self._body: bytes | None = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self.h.read_body()
        return self._body

    def header(self, name: str, value: str) -> None:
        self.out_headers = [(k, v) for k, v in self.out_headers if k.lower() != name.lower()]
        self.out_headers.append((name, value))

    def send(self, status: int, body: bytes = b"", content_type: str | None = None, length: bool = True) -> None:
        if content_type and not any(header[0].lower() == "content-type" for header in self.out_headers):
            self.out_headers.append(("Content-Type", content_type))
        self.status = status
        self.written = True
        self.h.write_response(status, self.out_headers, body, length)

    def json(self, status: int, obj, content_type: str = "application/json; charset=utf-8") -> None:
        self.send(status, goformat.go_json(obj), content_type)

    def error(self, status: int, message: str) -> None:
        self.json(status, {"error": message})

    def text(self, status: int, text: str) -> None:
        self.send(status, text.encode(), "text/plain; charset=utf-8")

    def empty(self, status: int = 200) -> None:
        self.send(status, b"", None, length=status not in (204, 304))

    @contextlib.contextmanager
    def stream(self, content_type: str, status: int = 200):
        self.header("Content-Type", content_type)
        self.status = status
        self.written = True
        writer = self.h.start_chunked(status, self.out_headers)
        try:
            yield writer
        finally:
            writer.close()


class ChunkWriter:
    def __init__(self, handler: RequestHandler) -> None:
        self.h = handler
        self.closed = False
        self.broken = False

    def write(self, data: bytes) -> bool:
        if self.broken or not data:
            return not self.broken
        try:
            self.h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.broken = True
            self.h.close_connection = True
        return not self.broken

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if not self.broken:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.h.wfile.write(b"0\r\n\r\n")
                self.h.wfile.flush()


class RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app = None  # set on the subclass made by make_server

    def log_message(self, format, *args):
        return

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    # ---- low-level writing, Go style (no Server header) ----
    def _status_line(self, status: int) -> bytes:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        return f"HTTP/1.1 {status} {phrase}\r\n".encode("latin-1")

    def _write_head(self, status: int, headers: list[tuple[str, str]], extra: list[tuple[str, str]]) -> None:
        lines = [self._status_line(status)]
        for k, v in sorted(headers, key=lambda kv: kv[0]):
            lines.append(f"{k}: {v}\r\n".encode("latin-1", errors="replace"))
        if self.close_connection:
            extra = [("Connection", "close"), *extra]
        for k, v in extra:
            lines.append(f"{k}: {v}\r\n".encode("latin-1"))
        lines.append(b"\r\n")
        self.wfile.write(b"".join(lines))

    def write_response(self, status: int, headers, body: bytes, length: bool = True) -> None:
        extra = [("Date", goformat.http_date())]
        if length:
            extra.append(("Content-Length", str(len(body))))
        self._write_head(status, headers, extra)
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.wfile.flush()

    def start_chunked(self, status: int, headers) -> ChunkWriter:
        self._write_head(status, headers, [("Date", goformat.http_date()), ("Transfer-Encoding", "chunked")])
        self.wfile.flush()
        return ChunkWriter(self)

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # ---- dispatch ----
    def dispatch(self) -> None:
        start = time.monotonic()
        app = self.app
        if self.request_version == "HTTP/1.1" and "Host" not in self.headers:
            self.close_connection = True
            self.write_response(400, [("Content-Type", "text/plain; charset=utf-8")],
                                b"400 Bad Request: missing required Host header")
            return
        ctx = Ctx(self, app)
        try:
            self._serve(ctx)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            # drain an unread body so keep-alive stays in sync
            if ctx._body is None and self.headers.get("Content-Length"):
                with contextlib.suppress(OSError, ValueError):
                    ctx.body  # noqa: B018 - reading drains the socket
            logs.gin_line(ctx.status or 200, time.monotonic() - start, self.client_address[0], self.command,
                          ctx.raw_path)

    def _serve(self, ctx: Ctx) -> None:
        app = self.app
        match = app.router.resolve(ctx.method, ctx.path)
        if match.kind == "redirect":
            code = 301 if ctx.method == "GET" else 307
            query = urllib.parse.urlsplit(ctx.raw_path).query
            loc = match.location + (f"?{query}" if query else "")
            ctx.header("Location", loc)
            if ctx.method in ("GET", "HEAD"):
                body = f'<a href="{loc}">{HTTPStatus(code).phrase}</a>.\n\n'.encode()
                ctx.send(code, body, "text/html; charset=utf-8")
            else:
                ctx.empty(code)
            return
        try:
            app.cors.apply(ctx.method, ctx.host, ctx.headers.get("Origin"), ctx.out_headers)
            check_host(app.bound_loopback, ctx.method, ctx.host, app.hostname)
        except Abort as abort:
            ctx.empty(abort.status)
            return
        if match.kind in ("404", "405"):
            code = 404 if match.kind == "404" else 405
            text = "404 page not found" if code == 404 else "405 method not allowed"
            ctx.send(code, text.encode(), "text/plain")
            return
        ctx.params = match.params or {}
        getattr(app.handlers, match.handler)(ctx)
        if not ctx.written:
            ctx.empty(200)


def make_server(app, host: str, port: int) -> http.server.ThreadingHTTPServer:
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    infos.sort(key=lambda i: 0 if i[0] == socket.AF_INET else 1)
    family, sockaddr = infos[0][0], infos[0][4]

    class Handler(RequestHandler):
        pass

    Handler.app = app

    class Server(http.server.ThreadingHTTPServer):
        address_family = family
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    return Server(sockaddr[:2], Handler)
