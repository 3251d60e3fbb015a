"""DHCPv6 replies reach the host's client port: a server (or relay) answers from UDP 547 to the client's
UDP 546 at its link-local address. conntrack does not count that reply as established (the client's
request went to the multicast group ff02::1:2), so without its own rule the input chain dropped it."""

import time

LISTENER = """
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 546))
s.settimeout(15)
with open("/tmp/dhcpv6.log", "a") as log:
    while True:
        try:
            data, addr = s.recvfrom(512)
        except socket.timeout:
            break
        log.write(data.decode() + "\\n")
        log.flush()
"""

SENDER = """
import socket, sys
source, destination, sport, payload = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(socket.getaddrinfo(source + "%eth0", sport, socket.AF_INET6, socket.SOCK_DGRAM)[0][4])
s.sendto(payload.encode(), socket.getaddrinfo(destination + "%eth0", 546, socket.AF_INET6, socket.SOCK_DGRAM)[0][4])
"""


def link_local(host):
    out = host.check_output("ip -6 -o addr show dev eth0 scope link")
    return out.split()[3].split("/")[0]


def write(host, path, text):
    host.run(f"cat > {path} <<'PYEOF'\n{text}\nPYEOF")


def test_dhcpv6_reply_to_the_link_local_client_port_is_accepted(target, client):
    write(target, "/tmp/dhcpv6_listener.py", LISTENER)
    write(client.host, "/tmp/dhcpv6_sender.py", SENDER)
    target.run("rm -f /tmp/dhcpv6.log")
    target.check_output("setsid nohup python3 /tmp/dhcpv6_listener.py >/dev/null 2>&1 & echo $!")
    time.sleep(1)
    source, destination = link_local(client.host), link_local(target)
    for sport, payload in ((547, "from-server-port"), (5547, "from-another-port")):
        for attempt in range(3):  # UDP: send a few times
            send = f"python3 /tmp/dhcpv6_sender.py {source} {destination} {sport} {payload}-{attempt}"
            client.host.check_output(send)
            time.sleep(0.3)
    time.sleep(1)
    received = target.run("cat /tmp/dhcpv6.log").stdout
    assert "from-server-port" in received
    assert "from-another-port" not in received  # only the DHCPv6 server port, not any UDP to 546
