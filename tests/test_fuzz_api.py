"""Schemathesis over /api/v1/schema/: for every operation, generated requests (valid and
invalid) are sent through the WSGI app; no answer may be a server error, and every answer must
match the schema. Bounded (FUZZ_EXAMPLES per operation and mode) to stay well under a minute;
`FUZZ_EXAMPLES=500 pytest tests/test_fuzz_api.py -s` digs deeper. The number of cases run is
printed and written to test-artifacts/fuzz-cases.txt."""

import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import AnonRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.catalog_builders import build_catalog

pytestmark = pytest.mark.slow  # minutes, not seconds: `make test-fast` leaves it out

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
CASES: Counter = Counter()
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# Hypothesis' caches go with the other artifacts (git-ignored), not to .hypothesis/ in the tree;
# it reads the variable when it first writes, after collection.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(ARTIFACTS / "hypothesis"))


@pytest.fixture
def api_schema(db, monkeypatch):
    from heritage.wsgi import application

    monkeypatch.setattr(
        AnonRateThrottle,
        "THROTTLE_RATES",
        {"anon": "1000000/minute", "downloads": "1000000/minute"},
    )
    # As Django's test client does: a request's end must not close the connection that holds
    # the test's transaction (it would, being inside an atomic block with autocommit off).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        build_catalog()  # the test's transaction keeps it across the examples
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    finally:
        cache.clear()  # the throttle's history of these requests, see test_hostile_params
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module", autouse=True)
def report_cases():
    yield
    text = ", ".join(f"{op}: {n}" for op, n in sorted(CASES.items()))
    total = sum(CASES.values())
    print(f"\nschemathesis: {total} cases over {len(CASES)} operations ({text})")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fuzz-cases.txt").write_text(f"{total} cases\n{text}\n")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_and_never_fails(case):
    CASES[f"{case.method} {case.path}"] += 1
    response = case.call()
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ],
    )
