"""Deploy checks (`manage.py check --deploy`, which `make serve` runs with --fail-level WARNING)
for settings that are each valid alone but wrong together."""

from django.conf import settings
from django.core.checks import Warning, register

BEHIND_A_PROXY_WITH_NO_TRUSTED_PROXY = "heritage.W001"


@register(deploy=True)
def check_trusted_proxies(app_configs, **kwargs):
    # SECURE_PROXY_SSL_HEADER says a TLS proxy stands in front; with no trusted proxy counted,
    # every request's address is that proxy's, so every visitor would share one throttle
    # allowance and five wrong passwords from anyone would lock the registrar out.
    behind_a_proxy = bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
    if behind_a_proxy and settings.HERITAGE_TRUSTED_PROXIES == 0:
        return [
            Warning(
                "DJANGO_SECURE_PROXY_SSL_HEADER is set (a TLS proxy in front) but "
                "HERITAGE_TRUSTED_PROXIES is 0: every client would be counted as the proxy's "
                "address by the throttle and the login lockout.",
                hint="Set HERITAGE_TRUSTED_PROXIES to the number of proxies that append to "
                "X-Forwarded-For (usually 1). If the proxy passes the client's address some "
                "other way (REMOTE_ADDR is already the client's), silence this check.",
                id=BEHIND_A_PROXY_WITH_NO_TRUSTED_PROXY,
            )
        ]
    return []
