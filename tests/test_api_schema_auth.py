"""The API's documentation says what is true: every endpoint is public and read only, so every
operation needs no authentication (security [{}]) and the schema defines no login scheme; and
the endpoints do answer an anonymous client."""

import pytest
import yaml
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_every_operation_is_anonymous():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) >= 4
    assert {method for _path, method, _op in operations} == {"get"}  # read only
    for path, method, operation in operations:
        assert operation.get("security") == [{}], (path, method)
    assert "securitySchemes" not in schema.get("components", {})


def test_the_served_schema_says_so_and_anonymous_clients_are_answered(client):
    cache.clear()  # the anonymous throttle counts in the cache
    served = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert served["paths"]["/api/v1/records/"]["get"]["security"] == [{}]
    assert client.get("/api/v1/records/").status_code == 200
    cache.clear()
