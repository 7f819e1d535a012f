"""The public pages under the real Content-Security-Policy in Chromium: nothing is blocked.

Chromium reports each blocked script, style or image both as a console error and as a
`securitypolicyviolation` event; the test collects both.
"""

import importlib

import pytest

from registry.services import search_index
from tests.catalog_builders import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


@pytest.fixture
def catalog_data():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    records = build_catalog()
    search_index.refresh()
    return records


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/", "#results-map[data-ready=true]"),
        ("/?q=宗祠", "#results-map[data-ready=true]"),
        ("/reports/", "svg"),
        ("/records/JZ-B-0001/", "#record-map"),
        ("/api/v1/docs/", ".swagger-ui .info"),
        ("/admin/login/", "#id_username"),
    ],
)
def test_no_csp_violation(live_server, page, artifacts, catalog_data, path, ready):
    console = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(LISTEN)
    response = page.goto(f"{live_server.url}{path}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    name = path.strip("/").replace("/", "-").replace("?", "-") or "home"
    page.screenshot(path=artifacts / f"csp-{name}.png", full_page=True)
    assert page.evaluate("window.__csp") == []
    assert console == []
    assert page.errors == []
