"""The management host's long-lived session: one TCP connection to the target's port 22, a ping
every second, each answer logged. Any drop longer than the 5 s timeout logs BROKEN and ends it."""

import socket
import sys
import time

host, log_path = sys.argv[1], sys.argv[2]
with open(log_path, "a", buffering=1) as log:
    conn = socket.create_connection((host, 22), timeout=5)
    log.write(f"OPEN {conn.recv(64).decode().strip()}\n")
    count = 0
    while True:
        count += 1
        try:
            conn.sendall(f"ping {count}\n".encode())
            answer = conn.recv(64)
            if not answer:
                raise OSError("closed by the target")
        except OSError as exc:
            log.write(f"BROKEN {exc}\n")
            sys.exit(1)
        log.write(f"{count} {int(time.time())} {answer.decode().strip()}\n")
        time.sleep(1)
