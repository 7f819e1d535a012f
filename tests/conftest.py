import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttling (DRF, django-axes) counts in the cache: each test starts from zero, so that
    one test's requests never throttle another's."""
    cache.clear()
    yield
    cache.clear()
