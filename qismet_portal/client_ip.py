"""Who is the client? The address every per-address limit counts.

`X-Forwarded-For` is a header anyone can send. It is believed only when the request arrives from
one of the reverse proxies named in ``settings.TRUSTED_PROXIES`` (addresses or CIDR networks, from
DJANGO_TRUSTED_PROXIES). Then the header is read from the right, skipping every hop that is itself
a trusted proxy: the first untrusted address is the client. A request that reaches gunicorn
directly is counted by its own peer address, whatever header it carries.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.9:51234
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    return address is not None and any(address in network for network in trusted_networks())


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer, or, behind a trusted proxy, the address it forwarded."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if not is_trusted_proxy(peer):
        return str(peer) if peer else None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in (_address(h) for h in forwarded.split(",")) if hop is not None]
    for hop in reversed(hops):
        if not is_trusted_proxy(hop):
            return str(hop)
    # Every hop is a proxy we run (a health check from inside, say): count the first one.
    return str(hops[0] if hops else peer)


def client_bucket(request: HttpRequest) -> str:
    """What per-address limits count: the client's address, or for IPv6 its /64 network.

    One IPv6 subscriber is usually given a whole /64 (2^64 addresses), so counting full IPv6
    addresses would let one person step round every per-address limit.
    """
    address = _address(client_ip(request) or "")
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
