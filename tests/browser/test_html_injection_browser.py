"""Names holding HTML, in headless Chromium: every page that draws a map or a chart from the
registry's data shows the name as text.

Records whose name, English name and address hold an <img onerror>, a </script><script> and an
"><svg onload>, and regions renamed likewise, are opened on the record page (the marker's
tooltip hovered), the search page (each marker's popup clicked open, the map's cells hovered,
the province as a filter, the same text searched for) and the report page (bars labelled with
the region names, and drilled into). The pages'
Content-Security-Policy would block the handlers from running, and so hide a hole: the test
strips the header, so that a handler that runs sets window.__xss, and it also watches the DOM
itself: an element with an on* attribute, an <img src=x> or an inline <script> (not JSON data) added
anywhere in the document is recorded by a MutationObserver, and the tooltip, popup and chart
elements are read for the literal text and for elements that are not the page's own.
"""

import importlib
import re
from urllib.parse import quote

import pytest

from registry.models import Region
from registry.services import search_index
from registry.views import catalog
from tests.catalog_builders import make
from tests.indicator_builders import day, plaque, survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "</script><script>window.__xss=2</script>"
SVG = '"><svg onload=window.__xss=3>'

# code → (name, name_en, address, lat, lon): each payload in each field, the markers far apart
# so that none is clustered.
HOSTILE = {
    "XSS-B-1": ("祠堂" + IMG, SCRIPT, SVG, 45.0, 85.0),
    "XSS-B-2": (SCRIPT + "楼", SVG, IMG, 30.0, 105.0),
    "XSS-B-3": (SVG, IMG, SCRIPT, 22.0, 125.0),
}
PROVINCE = "山西" + IMG + SVG  # 140000
PREFECTURE = "晋中" + SCRIPT  # 140700

WATCH = """
window.__injected = [];
function __check(node) {
  if (node.nodeType !== 1) return;
  [node].concat(Array.from(node.querySelectorAll('*'))).forEach(function (el) {
    var handler = Array.from(el.attributes).some(function (a) { return /^on/i.test(a.name); });
    var img = el.tagName === 'IMG' && el.getAttribute('src') === 'x';
    var script = el.tagName === 'SCRIPT' && !el.src && !/json/.test(el.type);
    if (handler || img || script) window.__injected.push(el.outerHTML.slice(0, 120));
  });
}
new MutationObserver(function (changes) {
  changes.forEach(function (c) { c.addedNodes.forEach(__check); });
}).observe(document, {childList: true, subtree: true});
"""

# The element tags inside a node (the node itself not counted).
TAGS = "n => Array.from(n.querySelectorAll('*')).map(e => e.tagName.toLowerCase())"


@pytest.fixture
def hostile(live_server, page):
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    Region.objects.filter(code="140000").update(name=PROVINCE)
    Region.objects.filter(code="140700").update(name=PREFECTURE)
    for code, (name, name_en, address, lat, lon) in HOSTILE.items():
        rec = make(code, "building", name, name_en=name_en, address=address, lat=lat, lon=lon,
                   designated_on=day("2010-01-01"))  # fmt: skip
        plaque(rec, "2010-06-01")
        survey(rec, "2012-01-01", "vacant")
    search_index.refresh()

    def without_csp(route):
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() != "content-security-policy"}  # fmt: skip
        route.fulfill(response=response, headers=headers)

    page.route(f"{live_server.url}/**", without_csp)
    page.add_init_script(WATCH)
    return page


def assert_nothing_ran(page):
    assert page.evaluate("window.__injected") == []
    assert page.evaluate("window.__xss") is None
    assert page.errors == []


def test_record_page_tooltip_shows_the_name_as_text(live_server, hostile, artifacts):
    page = hostile
    for code, (name, name_en, address, _lat, _lon) in HOSTILE.items():
        page.goto(f"{live_server.url}/records/{code}/")
        page.wait_for_selector("#record-map[data-ready=true]")
        page.hover("#record-map path.point--here")
        tooltip = page.locator("#record-map .leaflet-tooltip")
        tooltip.wait_for()
        # One element, the script's own: the name's lang="zh-Hans" wrapper; nothing parsed.
        assert tooltip.evaluate(TAGS) == ["span"]
        assert tooltip.text_content() == name
        if code == "XSS-B-1":
            page.screenshot(path=artifacts / "xss-record-tooltip.png")
        assert page.locator("h1").inner_text() == name
        assert page.locator(".record__en").inner_text() == name_en
        assert address in page.locator("section[aria-labelledby=facts-title] dl.facts").inner_text()
        assert name in page.locator("#record-map").get_attribute("aria-label")
        assert page.title().startswith(name)
        assert_nothing_ran(page)


def test_search_map_popups_show_the_names_as_text(live_server, hostile, artifacts, monkeypatch):
    page = hostile
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#results-map[data-ready=true]")
    names = page.locator(".result__name a").all_inner_texts()
    assert sorted(names) == sorted(v[0] for v in HOSTILE.values())
    markers = page.locator("#results-map path.point")
    assert markers.count() == len(HOSTILE)
    seen = {}
    for i in range(markers.count()):
        # A click event on the marker itself: a click at its position could land elsewhere
        # while the map still pans from the popup before (slow on a loaded machine).
        markers.nth(i).dispatch_event("click")
        popup = page.locator("#results-map .leaflet-popup-content")
        popup.wait_for()
        assert popup.evaluate(TAGS) == ["a", "br", "small"]
        code = popup.locator("small").text_content()
        link = popup.locator("a")
        seen[code] = link.text_content()
        assert link.get_attribute("href") == f"/records/{code}/"
        if i == 0:
            page.screenshot(path=artifacts / "xss-search-popup.png")
        page.locator("#results-map .leaflet-popup-close-button").click()
        popup.wait_for(state="detached")
    assert seen == {code: v[0] for code, v in HOSTILE.items()}
    assert_nothing_ran(page)

    # The hostile province as a filter: a facet, an active filter and its link's aria-label.
    page.goto(f"{live_server.url}/?region=140000")
    page.wait_for_selector("#results-map[data-ready=true]")
    remove = page.locator(".active-filters a")
    assert PROVINCE in remove.inner_text() and PROVINCE in remove.get_attribute("aria-label")
    assert page.locator(".facet a.is-selected").inner_text() == PROVINCE
    assert_nothing_ran(page)

    # More results than the map draws as points: cells, each with its count as a tooltip.
    monkeypatch.setattr(catalog, "POINTS_MAX", 1)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#results-map[data-ready=true]")
    page.hover("#results-map path.cell >> nth=0")
    tooltip = page.locator("#results-map .leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.text_content() == "1" and tooltip.evaluate(TAGS) == []
    monkeypatch.undo()

    # The same text searched for: echoed in the form, the filters and the map's data URL.
    for text in (IMG, SCRIPT, SVG):
        page.goto(f"{live_server.url}/?q={quote(text)}")
        page.wait_for_selector("#results-map[data-ready]")
        assert page.get_by_label("搜索", exact=True).input_value() == text
        assert_nothing_ran(page)


def test_report_charts_show_region_names_as_text(live_server, hostile, artifacts):
    page = hostile
    page.goto(f"{live_server.url}/reports/?as_of=2020-12-31")
    page.wait_for_selector(".chart svg")
    labels = page.locator(".chart .bar-label").all_text_contents()
    assert labels == [PROVINCE, PROVINCE]  # both bar charts: the one province with records
    titles = page.locator(".chart a title, .chart g title").all_text_contents()
    assert all(t.startswith(PROVINCE + " ") for t in titles) and len(titles) == 2
    # The charts hold only what indicator-charts.js draws.
    drawn = set(page.locator(".chart").first.evaluate(TAGS))
    assert drawn <= {"svg", "a", "g", "text", "rect", "line", "title", "path", "circle"}
    assert page.locator(".chart svg svg, .chart img, .chart foreignObject").count() == 0
    assert page.locator("table.report tbody th a").first.inner_text() == PROVINCE
    assert_nothing_ran(page)

    page.locator(".chart a").first.click()  # the bar drills down, like the table's link
    page.wait_for_url(re.compile(r"region=140000"))
    page.wait_for_selector(".chart svg")
    assert page.locator(".chart .bar-label").first.text_content() == PREFECTURE
    assert page.locator(".summary h2").inner_text().startswith(PROVINCE + " · ")
    assert page.locator("#trend-title").inner_text().startswith(PROVINCE)
    assert page.locator(".crumbs [aria-current=page]").inner_text() == PROVINCE
    page.screenshot(path=artifacts / "xss-report.png", full_page=True)
    assert_nothing_ran(page)
