"""The ``ollama`` command: ``serve`` and ``-v``/``--version`` like cmd/cmd.go."""

from __future__ import annotations

import json
import signal
import sys
import threading
import urllib.error
import urllib.request

from ollama_emulator import cli_list, logs
from ollama_emulator import config as configmod
from ollama_emulator.netutil import is_loopback, join_host_port, parse_ip

REAL_COMMANDS = {"create", "show", "run", "stop", "pull", "push", "signin", "signout", "list", "ls", "ps",
                 "cp", "rm", "launch", "runner"}

USAGE = """Large language model runner

Usage:
  ollama [flags]
  ollama [command]

Available Commands:
  serve       Start ollama
  help        Help about any command

Flags:
  -h, --help      help for ollama
  -v, --version   Show version information

Use "ollama [command] --help" for more information about a command.
"""


def server_version(cfg: configmod.Config, timeout: float = 5.0) -> str | None:
    """GET /api/version on OLLAMA_HOST (unspecified address -> loopback), as the Go client does."""
    host = configmod.connectable_host(cfg.host)
    url = f"{host.scheme}://{host.hostport}/api/version"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, headers={"User-Agent": f"ollama/{cfg.version} (amd64 linux) Go/go1.24"})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"{}").get("version", "")
    except (urllib.error.URLError, OSError, ValueError):
        return None


def version_command(cfg: configmod.Config) -> int:
    v = server_version(cfg)
    if v is None:
        print("Warning: could not connect to a running Ollama instance")
    if v:
        print(f"ollama version is {v}")
    if v != cfg.version:
        print(f"Warning: client version is {cfg.version}")
    return 0


def serve(cfg: configmod.Config) -> int:
    from ollama_emulator.app import App
    from ollama_emulator.server import make_server

    try:
        app = App(cfg)
    except ValueError as err:  # gin-contrib/cors panics on a bad OLLAMA_ORIGINS entry
        sys.stderr.write(f"panic: {err}\n")
        return 2
    logs.slog("INFO", "routes.go:1615", "server config", env=logs.go_map(cfg.env_map()))
    logs.slog("INFO", "routes.go:1617", f"Ollama cloud disabled: {str(cfg.no_cloud).lower()}")
    logs.slog("INFO", "emulator", "emulator config", version=cfg.version, token_rate=cfg.token_rate,
              hostname=app.hostname)
    app.store.ensure()
    app.store.fix_blobs()
    if not cfg.noprune:
        total = len(app.store.retained())
        logs.slog("INFO", "images.go:518", f"total blobs: {total}")
        removed = app.store.prune()
        logs.slog("INFO", "images.go:525", f"total unused blobs removed: {removed}")
    try:
        port = int(cfg.host.port)
        httpd = make_server(app, cfg.host.host, port)
    except OSError as err:
        reason = "bind: address already in use" if err.errno == 98 else str(err.strerror or err).lower()
        sys.stderr.write(f"Error: listen tcp {cfg.host.hostport}: {reason}\n")
        return 1
    bound_host, bound_port = httpd.server_address[:2]
    ip = parse_ip(bound_host)
    app.bound_loopback = ip is not None and is_loopback(ip)
    logs.slog("INFO", "routes.go:1668", f"Listening on {join_host_port(bound_host, str(bound_port))} "
                                        f"(version {cfg.version})")

    def stop(_signum, _frame) -> None:
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    cfg = configmod.load()
    flags = [a for a in args if a.startswith("-")]
    positional = [a for a in args if not a.startswith("-")]
    for flag in flags:
        if flag not in ("-v", "--version", "-h", "--help"):
            shown = flag if flag.startswith("--") else f"shorthand flag: '{flag[1:2]}' in {flag}"
            sys.stderr.write(f"Error: unknown {'flag: ' + shown if flag.startswith('--') else shown}\n")
            return 1
    if not positional:
        if any(f in ("-v", "--version") for f in flags):
            return version_command(cfg)
        sys.stdout.write(USAGE)
        return 0
    cmd, rest = positional[0], positional[1:]
    if cmd == "help" or any(f in ("-h", "--help") for f in flags):
        sys.stdout.write(USAGE)
        return 0
    if cmd in ("serve", "start"):
        if rest:
            sys.stderr.write(f'Error: accepts 0 arg(s), received {len(rest)}\n')
            return 1
        return serve(cfg)
    if cmd in ("list", "ls"):
        if len(rest) > 1:
            sys.stderr.write(f'Error: accepts at most 1 arg(s), received {len(rest)}\n')
            return 1
        return cli_list.list_command(cfg, rest[0] if rest else None)
    if cmd in REAL_COMMANDS:
        sys.stderr.write(f'Error: the ollama emulator does not implement the "{cmd}" command\n')
        return 1
    sys.stderr.write(f'Error: unknown command "{cmd}" for "ollama"\n')
    return 1
