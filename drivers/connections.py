"""Bookkeeping of open client connections for the small TCP/HTTP servers in drivers."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class TrackedConnections:
    """Mixin for a socketserver: remembers open connections so stop() can cut them.

    A server's shutdown() only stops accepting; handler threads blocked reading a silent
    client would keep server_close() waiting, so they are shut down from here.
    """

    def _init_tracking(self) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
