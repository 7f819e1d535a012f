"""Content-Security-Policy on the public pages; no template has inline script or style."""

import re
from pathlib import Path

import pytest

from tests.catalog_builders import build_catalog

ROOT = Path(__file__).resolve().parents[1]


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/", "/?q=宗祠", "/reports/", "/records/JZ-B-0001/", "/api/v1/records/", "/admin/login/"],
)
def test_strict_policy_on_public_pages(client, url):
    build_catalog()
    response = client.get(url)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_api_docs_load_nothing_from_elsewhere(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"  # inline styles only, never inline scripts
    assert "'unsafe-inline'" in policy["style-src"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    script = client.get(next(s for s in sources if "script" in s))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


INLINE = [
    # json_script's data blocks are never executed, so the policy does not apply to them.
    (re.compile(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>'), "inline script"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "style element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html"))
)
def test_no_template_needs_an_exception(template):
    text = (ROOT / template).read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template}: {found}"
