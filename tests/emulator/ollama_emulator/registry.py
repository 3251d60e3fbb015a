"""How an offline Ollama fails to reach its registry. Never opens a socket."""

from __future__ import annotations

from ollama_emulator.names import Name


def _nameserver() -> str | None:
    try:
        with open("/etc/resolv.conf", encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    ns = parts[1]
                    return f"[{ns}]:53" if ":" in ns else f"{ns}:53"
    except OSError:
        return None
    return None


def dns_error(host: str) -> str:
    """Go's resolver error when the registry's name cannot be resolved."""
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    ns = _nameserver()
    where = f" on {ns}" if ns else ""
    return f"dial tcp: lookup {bare}{where}: no such host"


def base_url(n: Name) -> str:
    return f"https://{n.host}"


def pull_error(n: Name) -> str:
    url = f"{base_url(n)}/v2/{n.namespace}/{n.model}/manifests/{n.tag}"
    return f'pull model manifest: Get "{url}": {dns_error(n.host)}'


def push_blob_error(n: Name, digest: str) -> str:
    url = f"{base_url(n)}/v2/{n.namespace}/{n.model}/blobs/{digest}"
    return f'Head "{url}": {dns_error(n.host)}'
