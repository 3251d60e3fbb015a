"""Host-header check (server/routes.go) and CORS (gin-contrib/cors v1.7.x)."""

from __future__ import annotations

import socket

from ollama_emulator.netutil import is_local_ip, is_loopback, is_private, is_unspecified, parse_ip, split_host_port

ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
ALLOW_HEADERS = [
    "Authorization", "Content-Type", "User-Agent", "Accept", "X-Requested-With",
    "OpenAI-Beta", "x-stainless-arch", "x-stainless-async", "x-stainless-custom-poll-interval",
    "x-stainless-helper-method", "x-stainless-lang", "x-stainless-os", "x-stainless-package-version",
    "x-stainless-poll-helper", "x-stainless-retry-count", "x-stainless-runtime",
    "x-stainless-runtime-version", "x-stainless-timeout",
]
MAX_AGE = 12 * 3600
SCHEMAS = ["http://", "https://", "chrome-extension://", "safari-extension://", "moz-extension://",
           "ms-browser-extension://"]


class Abort(Exception):
    """Stop the middleware chain with a status and no body (AbortWithStatus)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def canonical_header_key(key: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))


def _normalize(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = v.strip().lower()
        if v not in out:
            out.append(v)
    return out


class Cors:
    def __init__(self, origins: list[str]) -> None:
        for origin in origins:
            if "*" not in origin and not any(origin.startswith(s) for s in SCHEMAS):
                raise ValueError("bad origin: origins must contain '*' or include " + ",".join(SCHEMAS))
        self.allow_all = "*" in origins
        self.allow_origins = _normalize(origins)
        self.wildcards: list[tuple[str, str]] = []
        for o in origins:
            if "*" not in o:
                continue
            if o.count("*") > 1:
                raise ValueError("only one * is allowed")
            i = o.index("*")
            if i == 0:
                self.wildcards.append(("*", o[1:]))
            elif i == len(o) - 1:
                self.wildcards.append((o[: i - 1], "*"))  # upstream slices one character too many
            else:
                self.wildcards.append((o[:i], o[i + 1 :]))

    def origin_valid(self, origin: str) -> bool:
        if self.allow_all or origin in self.allow_origins:
            return True
        for prefix, suffix in self.wildcards:
            if prefix == "*" and origin.endswith(suffix):
                return True
            if suffix == "*" and origin.startswith(prefix):
                return True
            if origin.startswith(prefix) and origin.endswith(suffix):
                return True
        return False

    def preflight_headers(self) -> list[tuple[str, str]]:
        h = [
            ("Access-Control-Allow-Methods", ",".join(_normalize(ALLOW_METHODS)).upper()),
            ("Access-Control-Allow-Headers", ",".join(canonical_header_key(x) for x in _normalize(ALLOW_HEADERS))),
            ("Access-Control-Max-Age", str(MAX_AGE)),
        ]
        if self.allow_all:
            h.append(("Access-Control-Allow-Origin", "*"))
        else:
            h += [("Vary", "Origin"), ("Vary", "Access-Control-Request-Method"),
                  ("Vary", "Access-Control-Request-Headers")]
        return h

    def normal_headers(self) -> list[tuple[str, str]]:
        if self.allow_all:
            return [("Access-Control-Allow-Origin", "*")]
        return [("Vary", "Origin")]

    def apply(self, method: str, host: str, origin: str | None, headers: list[tuple[str, str]]) -> None:
        """Add CORS headers; raise Abort(403) or Abort(204) like the middleware aborts."""
        if not origin:
            return
        if origin in (f"http://{host}", f"https://{host}"):
            return
        if not self.origin_valid(origin):
            raise Abort(403)
        headers += self.preflight_headers() if method == "OPTIONS" else self.normal_headers()
        if not self.allow_all:
            headers.append(("Access-Control-Allow-Origin", origin))
        if method == "OPTIONS":
            raise Abort(204)


def machine_hostname(override: str = "") -> str:
    return override or socket.gethostname()


def allowed_host(host: str, hostname: str) -> bool:
    host = host.lower()
    if host in ("", "localhost"):
        return True
    if hostname and host == hostname.lower():
        return True
    return any(host.endswith("." + tld) for tld in ("localhost", "local", "internal"))


def check_host(bound_loopback: bool, method: str, host_header: str, hostname: str) -> None:
    """allowedHostsMiddleware: only enforced when the listener is on loopback."""
    if not bound_loopback:
        return
    try:
        host, _port = split_host_port(host_header)
    except ValueError:
        host = host_header
    ip = parse_ip(host)
    if ip is not None and (is_loopback(ip) or is_private(ip) or is_unspecified(ip) or is_local_ip(ip)):
        return
    if allowed_host(host, hostname):
        if method == "OPTIONS":
            raise Abort(204)
        return
    raise Abort(403)
