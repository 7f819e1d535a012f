"""Who is asking: the one rule for a request's client address.

Used by everything that counts per client: the anonymous throttle on the API and the pages
(registry/throttling.py) and the admin login lockout (django-axes, AXES_CLIENT_IP_CALLABLE).
One rule, so that a client cannot be one address to the throttle and another to the lockout.

settings.HERITAGE_TRUSTED_PROXIES is the number of reverse proxies in front of gunicorn that
each append the address they were connected from to X-Forwarded-For (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`).

- 0 (the default): REMOTE_ADDR. X-Forwarded-For is ignored: any client can write it.
- N > 0: the Nth entry from the right of X-Forwarded-For. The right-most N entries were
  appended by our own proxies, the outermost one writing the address it saw; anything left of
  them was sent by the client and is never read.
- Fewer than N entries, or the Nth is not an address: REMOTE_ADDR. Such a request did not come
  through all N proxies (someone reached an inner proxy or gunicorn directly), so it is counted
  under the address that connected, never under one it names itself.

N must be exact. Too large, and the entry read is one the client wrote (it picks its own
address); too small (0 behind a proxy), and every client is the proxy: one throttle and one
login lockout for everyone (a deploy check warns, registry/checks.py). gunicorn must be
reachable only through the proxies (`make serve` binds 127.0.0.1).

An IPv6 client is counted by its /64: one subscriber usually gets a whole /64 and could
otherwise take a new address per request. An IPv4 address written as IPv6 (::ffff:a.b.c.d, from
a dual-stack socket) is read as the IPv4 address.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPV6_CLIENT_PREFIX = 64


def client_address(request: HttpRequest) -> str | None:
    """The client's address as counted for throttling and lockouts (see the module's rule)."""
    remote = _canonical(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.HERITAGE_TRUSTED_PROXIES
    if proxies == 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in forwarded.split(",")] if forwarded else []
    if len(entries) < proxies:
        return remote
    return _canonical(_without_port(entries[-proxies])) or remote


def _without_port(entry: str) -> str:
    # Some proxies write the client's port too: "203.0.113.5:4711", "[2001:db8::1]:4711".
    if entry.startswith("["):
        return entry[1:].split("]", 1)[0]
    if entry.count(":") == 1:
        return entry.split(":", 1)[0]
    return entry


def _canonical(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        network = ipaddress.ip_network(f"{address}/{IPV6_CLIENT_PREFIX}", strict=False)
        return str(network.network_address)
    return str(address)
