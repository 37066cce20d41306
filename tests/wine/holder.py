"""A stand-in for a trading program that connected to the Gateway and never closed its connection.

Usage: python3 holder.py HOST PORT. Connects, sends the TWS API hello and reads the version reply (so the
simulator counts it as an API session and its `drop_peer` closes it), prints its own local port, then keeps
the socket open, never closing it, until its stdin ends. Once the simulator closes its side, this end sits in
CLOSE_WAIT: a real stale connection ("zombie") held by a native Linux process.
"""

import socket
import struct
import sys

BOUND_S = 10


def read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise SystemExit("the simulator closed the connection during the hello")
        data += chunk
    return data


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    conn = socket.create_connection((host, port), timeout=BOUND_S)
    offer = b"v100..187"
    conn.sendall(b"API\0" + struct.pack(">I", len(offer)) + offer)
    (length,) = struct.unpack(">I", read_exact(conn, 4))
    read_exact(conn, length)
    print(conn.getsockname()[1], flush=True)
    sys.stdin.read()
    conn.close()


if __name__ == "__main__":
    main()
