"""Settings for the test suite: the defaults, with a fast password hasher.

PBKDF2's hundreds of thousands of iterations are the point in production and pure waste in a
test that creates users by the dozen; tests that check the production hasher read
heritage.settings.production."""

from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
