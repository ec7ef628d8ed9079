"""The one way this package opens a listening TCP socket (the HTTP workers and the standalone sandbox).

A leaf module: it imports nothing of the package, so the sandbox may use it and stay independent of the rest.
"""

from __future__ import annotations

import socket


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, inheritable socket with Nagle off. uvicorn's own is created with protocol 0, and asyncio only
    turns Nagle off on sockets that say they are TCP: every keep-alive response would then wait ~40 ms for a
    delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock
