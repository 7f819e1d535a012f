"""The one way to write an absolute link that outlives the request: a plaque's QR code, the
API's links. It names settings.HERITAGE_PUBLIC_URL, never the request's host: a sheet printed
on an intranet host would otherwise carry that address for as long as the plaque hangs, and
anyone who reaches the site under another Host header would get links to it.

Links inside a page stay relative (templates' {% url %}), so they follow whatever host serves it.
"""

from django.conf import settings
from django.urls import get_script_prefix


def public_url(path: str) -> str:
    """The public address of `path`, a path as reverse() or request.get_full_path() gives it.

    The prefix the current request was served under (SCRIPT_NAME) is dropped: the public
    address carries its own."""
    if not path.startswith("/"):
        raise ValueError(f"not an absolute path: {path!r}")
    prefix = get_script_prefix()
    if path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    return settings.HERITAGE_PUBLIC_URL + path
