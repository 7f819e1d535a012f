"""django-axes' lockout check, for logins that come with an HTTP request.

Axes refuses authenticate() calls without a request (ValueError). Those come from code, not from
a login form: the test client's login(), management commands. There is no client address to
throttle there, so they pass through to the next backend instead of failing.
"""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
