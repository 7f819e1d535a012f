"""registry.client_address.client_address: the one rule for a request's client address
(throttle and login lockout), against a table of what proxies and clients send."""

import pytest
from django.core.checks import run_checks
from django.test import RequestFactory, override_settings

from registry.checks import BEHIND_A_PROXY_WITH_NO_TRUSTED_PROXY
from registry.client_address import client_address

PROXY = "10.0.0.1"

CASES = [
    # (trusted proxies, REMOTE_ADDR, X-Forwarded-For or None, expected address)
    (0, "203.0.113.5", None, "203.0.113.5"),
    (0, "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # the header is the client's word
    (0, PROXY, "198.51.100.1, 203.0.113.5", PROXY),
    (1, PROXY, "203.0.113.5", "203.0.113.5"),
    (1, PROXY, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the forged entry is not read
    (1, PROXY, " 198.51.100.1 ,203.0.113.5 ", "203.0.113.5"),
    (2, PROXY, "198.51.100.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
    (2, PROXY, "203.0.113.5", PROXY),  # fewer entries than proxies: the connecting address
    (1, PROXY, None, PROXY),
    (1, PROXY, "", PROXY),
    (1, PROXY, "unknown", PROXY),  # not an address: the connecting address
    (1, PROXY, "198.51.100.1, not-an-ip", PROXY),
    (1, PROXY, "203.0.113.5:4711", "203.0.113.5"),  # some proxies add the port
    (1, PROXY, "[2001:db8:1:2::7]:4711", "2001:db8:1:2::"),
    (1, PROXY, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),  # IPv6 by its /64
    (0, "2001:db8:1:2::1", None, "2001:db8:1:2::"),
    (0, "::ffff:203.0.113.5", None, "203.0.113.5"),  # IPv4 through a dual-stack socket
    (0, "", None, None),  # no address at all (a unix socket): no client to tell apart
]


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), CASES)
def test_client_address(proxies, remote, forwarded, expected):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **headers)
    with override_settings(HERITAGE_TRUSTED_PROXIES=proxies):
        assert client_address(request) == expected


def test_two_ipv6_clients_of_different_networks_are_apart():
    def address(ip):
        return client_address(RequestFactory().get("/", REMOTE_ADDR=ip))

    assert address("2001:db8:1:2::1") == address("2001:db8:1:2:ffff::9")
    assert address("2001:db8:1:2::1") != address("2001:db8:1:3::1")


@pytest.mark.parametrize(
    ("ssl_header", "proxies", "warned"),
    [
        (("HTTP_X_FORWARDED_PROTO", "https"), 0, True),
        (("HTTP_X_FORWARDED_PROTO", "https"), 1, False),
        (None, 0, False),
    ],
)
def test_deploy_check_behind_a_proxy(ssl_header, proxies, warned):
    with override_settings(SECURE_PROXY_SSL_HEADER=ssl_header, HERITAGE_TRUSTED_PROXIES=proxies):
        ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert (BEHIND_A_PROXY_WITH_NO_TRUSTED_PROXY in ids) is warned
