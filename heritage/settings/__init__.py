"""Default settings (development and tests). Production: heritage.settings.production."""

from .base import *  # noqa: F401,F403
