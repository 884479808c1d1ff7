"""Who the client is: the TCP peer, unless that peer is a configured proxy that says whom it forwarded.

`X-Forwarded-For` is just a header anyone can send. Believing it from everyone let any client pick its own
address (the per-address login limit and YooKassa's source-address fence then fence nobody). It is believed
only from the addresses in `trusted_proxies` (default none), and then read from the right: the first entry
that is not itself a trusted proxy is the client, so entries a client prepended are never reached.

Plain ASGI, installed in every service app: it holds whichever server runs the app (`okno serve`,
`okno run`, tests), and uvicorn's own proxy handling is switched off so only this rule applies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """`"10.0.0.5, 10.1.0.0/16, ::1"` -> networks; ValueError names the entry that is not an address or CIDR."""
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR") from None
    return tuple(networks)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


class TrustedProxies:
    def __init__(self, networks: Iterable[IPNetwork]) -> None:
        self.networks = tuple(networks)

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address: `peer` itself unless it is a trusted proxy with an `X-Forwarded-For`."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                address = _address(hop)
                # Garbage where an address should be: the last proxy we trust is the best we know.
                return str(address) if address is not None else peer
        return hops[0] if hops else peer


class ForwardedClientMiddleware:
    """Rewrites `scope["client"]` (and the scheme) from forwarding headers of trusted proxies only."""

    def __init__(self, app: ASGIApp, *, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted.networks and scope.get("client"):
            peer, port = scope["client"]
            if self.trusted.trusts(peer):
                scope = self._forwarded(scope, peer, port)
        await self.app(scope, receive, send)

    def _forwarded(self, scope: Scope, peer: str, port: int) -> Scope:
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        # Several X-Forwarded-For lines are one list (RFC 9110 field combination), the last proxy's last.
        forwarded_for = ",".join(value.decode("latin-1") for name, value in headers if name == b"x-forwarded-for")
        client = self.trusted.client(peer, forwarded_for or None)
        # The request's own scope, not a copy: the layers outside read what routing adds to it (the metrics'
        # route template was "unmatched" for every request a trusted proxy forwarded).
        scope["client"] = (client, 0 if client != peer else port)
        protos = [value.decode("latin-1") for name, value in headers if name == b"x-forwarded-proto"]
        proto = protos[-1].split(",")[-1].strip().lower() if protos else ""
        secure = {"https": True, "wss": True, "http": False, "ws": False}.get(proto)
        if secure is not None:
            scheme = ("wss" if secure else "ws") if scope["type"] == "websocket" else ("https" if secure else "http")
            scope["scheme"] = scheme
        return scope
