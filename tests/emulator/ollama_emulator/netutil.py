"""Address helpers with the semantics of Go's net and net/netip packages."""

from __future__ import annotations

import ipaddress
import os
import socket
import struct

_PRIVATE_NETS = [
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("172.16.0.0/12"),
    ipaddress.ip_network("192.168.0.0/16"),
    ipaddress.ip_network("fc00::/7"),
]


def split_host_port(hostport: str) -> tuple[str, str]:
    """net.SplitHostPort; raises ValueError like Go returns an error."""
    i = hostport.rfind(":")
    if i < 0:
        raise ValueError("missing port in address")
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError("missing ']' in address")
        if end + 1 == len(hostport):
            raise ValueError("missing port in address")
        if end + 1 != i:
            if hostport[end + 1] == ":":
                raise ValueError("too many colons in address")
            raise ValueError("missing port in address")
        host = hostport[1:end]
        j, k = 1, end + 1
    else:
        host = hostport[:i]
        if ":" in host:
            raise ValueError("too many colons in address")
        j, k = 0, 0
    if "[" in hostport[j:]:
        raise ValueError("unexpected '[' in address")
    if "]" in hostport[k:]:
        raise ValueError("unexpected ']' in address")
    return host, hostport[i + 1 :]


def join_host_port(host: str, port: str) -> str:
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def parse_ip(text: str, allow_zone: bool = True):
    """netip.ParseAddr (allow_zone) or net.ParseIP (no zone); None if invalid."""
    if not text or text.strip() != text:
        return None
    if "%" in text:
        if not allow_zone:
            return None
        addr, _percent, zone = text.partition("%")
        if not zone or ":" not in addr:
            return None
        text = addr
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _unmap(ip):
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_loopback(ip) -> bool:
    ip = _unmap(ip)
    if ip.version == 4:
        return ip in ipaddress.ip_network("127.0.0.0/8")
    return ip == ipaddress.ip_address("::1")


def is_private(ip) -> bool:
    ip = _unmap(ip)
    return any(ip in net for net in _PRIVATE_NETS if net.version == ip.version)


def is_unspecified(ip) -> bool:
    return ip == ipaddress.ip_address("0.0.0.0") or ip == ipaddress.ip_address("::")


def local_ips() -> set[str]:
    """Addresses assigned to this machine's interfaces (Linux)."""
    found: set[str] = set()
    try:
        import fcntl

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for _index, name in socket.if_nameindex():
                try:
                    packed = struct.pack("256s", name[:15].encode())
                    res = fcntl.ioctl(sock.fileno(), 0x8915, packed)  # SIOCGIFADDR
                    found.add(socket.inet_ntoa(res[20:24]))
                except OSError:
                    continue
        finally:
            sock.close()
    except (ImportError, OSError):
        pass
    if os.path.exists("/proc/net/if_inet6"):
        with open("/proc/net/if_inet6", encoding="ascii") as fh:
            for line in fh:
                raw = line.split()[0]
                found.add(str(ipaddress.ip_address(int(raw, 16))))
    return found


def is_local_ip(ip) -> bool:
    return str(ip) in local_ips()
