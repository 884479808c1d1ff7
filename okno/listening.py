"""`okno run`'s listening socket, taken before anything else happens.

uvicorn binds its port only after the app's startup ran, and `okno run`'s startup migrates the database,
seeds the demo and points the demo shop at a freshly started local 1C. A second `okno run` on a busy port
would do all that and only then fail, leaving the running one's demo shop connected to a dead 1C. So the
port is bound (and listened on) first, and a busy port ends the command before it touches anything.
"""

from __future__ import annotations

import errno
import socket

# Where to look for a free port to suggest instead of a busy one.
SUGGESTION_RANGE = 20


class PortUnavailable(Exception):
    def __init__(self, host: str, port: int, reason: OSError) -> None:
        super().__init__(f"{host}:{port}: {reason}")
        self.host, self.port, self.reason = host, port, reason

    def advice(self) -> str:
        if self.reason.errno != errno.EADDRINUSE:
            return f"cannot listen on {self.host}:{self.port}: {self.reason.strerror or self.reason}"
        free = next(
            (port for port in range(self.port + 1, self.port + 1 + SUGGESTION_RANGE) if port_free(self.host, port)),
            None,
        )
        return f"port {self.port} in use (another `okno run`?), try `okno run --port {free or 'N'}`"


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` and listening, ready for uvicorn; PortUnavailable when it cannot be."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    # Lets a restart reuse the port at once (connections of the last run in TIME_WAIT), as uvicorn does;
    # a socket still listening on it refuses the bind all the same.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # at once: two sockets with SO_REUSEADDR may share a port until one listens
    except OSError as error:
        sock.close()
        raise PortUnavailable(host, port, error) from None
    return sock


def port_free(host: str, port: int) -> bool:
    try:
        listen(host, port).close()
    except PortUnavailable:
        return False
    return True


def base_url(host: str, port: int) -> str:
    """How a browser on this machine reaches a server bound to `host:port`."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
