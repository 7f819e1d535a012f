"""The anonymous throttle counts across workers: with REDIS_URL set the counters live in Redis,
and two cache clients with connections of their own (as two gunicorn workers have) share one
allowance per client, also when their requests arrive at the same moment.

Needs a Redis server: TEST_REDIS_URL names it (.ci/run sets it and starts Redis); without the
variable these tests are skipped, with it and no server they fail.
"""

import os
import random
import threading
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from tests.test_production import manage, real_key

NOW = 1_000_000.0


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (.ci/run sets it): no Redis to test against")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        pytest.fail(f"TEST_REDIS_URL={url} is set but Redis does not answer: {error}")
    return url


@pytest.fixture
def workers(redis_url, monkeypatch):
    """Two throttles, each with its own RedisCache (own connection pool) under a key prefix of
    this test's own, so that parallel runs on one server never meet."""
    import redis

    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: NOW))
    prefix = f"heritage-test-{uuid.uuid4().hex}"
    throttle = api_settings.DEFAULT_THROTTLE_CLASSES[0]
    made = [
        type(f"Worker{n}", (throttle,), {"cache": RedisCache(redis_url, {"KEY_PREFIX": prefix})})
        for n in (1, 2)
    ]
    assert made[0].cache._cache.get_client() is not made[1].cache._cache.get_client()
    yield made
    server = redis.Redis.from_url(redis_url)
    for key in server.scan_iter(f"{prefix}*"):
        server.delete(key)


def anonymous(ip: str):
    request = RequestFactory().get("/api/v1/records/", REMOTE_ADDR=ip)
    request.user = AnonymousUser()
    return request


def allowed(worker, ip: str) -> bool:
    return worker().allow_request(anonymous(ip), None)


def test_two_workers_share_one_allowance(workers, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "10/minute"})
    answers = [allowed(workers[i % 2], "203.0.113.5") for i in range(30)]
    assert answers == [True] * 10 + [False] * 20
    assert allowed(workers[1], "203.0.113.6")  # another client, its own allowance


def test_concurrent_requests_on_two_workers_are_all_counted(workers, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "50/minute"})
    start = threading.Barrier(8)
    answers: list[bool] = []

    def worker_thread(worker):
        start.wait()
        mine = [allowed(worker, "203.0.113.5") for _ in range(25)]
        answers.extend(mine)  # list.extend is atomic under the GIL

    threads = [threading.Thread(target=worker_thread, args=(workers[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 200
    assert answers.count(True) == 50


def test_an_unreachable_cache_lets_requests_through_and_says_so(monkeypatch, caplog):
    # Needs no server: nothing listens on port 1. A Redis outage must not take the site down.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/minute"})
    throttle = api_settings.DEFAULT_THROTTLE_CLASSES[0]
    down = type("Down", (throttle,), {"cache": RedisCache("redis://127.0.0.1:1/0", {})})
    assert [allowed(down, "203.0.113.5") for _ in range(3)] == [True] * 3
    assert caplog.text.count("throttle: cache unreachable") == 3


# Each process pins the throttle's clock (as the tests above) and asks seven times for one client.
WORKER_PROCESS = """
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
SimpleRateThrottle.timer = staticmethod(lambda: 1_000_000.0)
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
def allowed():
    request = RequestFactory().get("/", REMOTE_ADDR="{address}")
    request.user = AnonymousUser()
    return api_settings.DEFAULT_THROTTLE_CLASSES[0]().allow_request(request, None)
print("".join("1" if allowed() else "0" for _ in range(7)))
"""


def test_two_processes_with_production_settings_share_one_count(redis_url):
    import redis

    address = f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"  # this run's own
    env = {
        "DJANGO_SECRET_KEY": real_key(),
        "DJANGO_ALLOWED_HOSTS": "heritage.example.cn",
        "HERITAGE_PUBLIC_URL": "https://heritage.example.cn",
        "REDIS_URL": redis_url,
        "HERITAGE_ANON_RATE": "10/minute",
    }
    code = WORKER_PROCESS.format(address=address)
    try:
        first = manage("shell", "--no-imports", "-c", code, **env)
        second = manage("shell", "--no-imports", "-c", code, **env)
    finally:
        server = redis.Redis.from_url(redis_url)
        for key in server.scan_iter(f"*throttle_anon_{address}:*"):
            server.delete(key)
    assert first.stdout.split() == ["1111111"], first.stderr
    assert second.stdout.split() == ["1110000"], second.stderr
