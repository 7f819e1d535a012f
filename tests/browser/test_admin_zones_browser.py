"""A surveyor draws a record's protection zone on the admin's map (static/js/zone-editor.js):
four clicks and 完成 write the GeoJSON into the field, 保存 saves it; the page opened again
draws it, a vertex dragged and a second part drawn save as a MultiPolygon, and a reviewer
sees it on the map that cannot be edited."""

import importlib
import json

import pytest

from registry.models import ChangeLog, Record
from registry.zones.geometry import signed_area
from tests.workflow_builders import PASSWORD, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    importlib.import_module("registry.migrations.0006_workflow_groups").create_groups(apps, None)
    user("surveyor1", "surveyor", regions=("140700",))
    user("reviewer1", "reviewer")
    return Record.objects.create(code="JZ-B-0001", kind="building", name="张氏宗祠",
                                 level="provincial", region_id="140728",
                                 designated_on="2010-01-01", lat=37.2, lon=112.17)  # fmt: skip


def _login(page, url, username):
    page.context.clear_cookies()
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")


def _ready(page, selector):
    for _attempt in range(100):
        if page.evaluate(f"document.querySelector('{selector}')?.dataset.ready") == "true":
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} was not drawn within 10 s")


def test_a_surveyor_draws_a_zone_and_saves_it(live_server, page, artifacts, registry):
    url = live_server.url
    change = f"{url}/admin/registry/record/{registry.pk}/change/"
    _login(page, url, "surveyor1")
    page.goto(change)
    editor = page.locator(".field-protection_zone .zone-editor")
    _ready(page, ".field-protection_zone .zone-editor")
    editor.scroll_into_view_if_needed()
    editor.get_by_role("button", name="画新的多边形").click()
    box = editor.locator(".zone-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-120, -80), (120, -80), (140, 90), (-100, 100)):
        page.mouse.click(cx + dx, cy + dy)
    editor.get_by_role("button", name="完成").click()
    text = page.input_value("#id_protection_zone")
    assert '"type":"Polygon"' in text
    page.screenshot(path=artifacts / "admin-zone-drawn.png", full_page=False)
    page.click("input[name=_continue]")
    page.wait_for_url(change)
    assert page.locator(".errorlist").count() == 0
    record = Record.objects.get(pk=registry.pk)
    ring = record.protection_zone.coords[0]
    assert len(ring) == 5 and signed_area(ring) > 0
    entry = ChangeLog.objects.filter(object_id=record.pk, user__username="surveyor1").get()
    assert entry.after["protection_zone"] == bytes(record.protection_zone.wkb).hex().upper()
    _ready(page, ".field-protection_zone .zone-editor")
    assert page.locator(".field-protection_zone .zone-vertex").count() == 4
    assert "保护范围：已划定（5 个顶点）" in page.inner_text(".field-recent_changes")
    page.locator(".field-protection_zone").screenshot(path=artifacts / "admin-zone-saved.png")
    # A vertex dragged moves in the text, the ring kept closed.
    before = page.input_value("#id_protection_zone")
    vertex = page.locator(".field-protection_zone .zone-vertex").first.bounding_box()
    x, y = vertex["x"] + 6, vertex["y"] + 6
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 30, y - 20, steps=5)
    page.mouse.up()
    after = page.input_value("#id_protection_zone")
    assert after != before and '"type":"Polygon"' in after
    ring = json.loads(after)["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    # A second polygon drawn beside it: a part of the same zone, saved as a MultiPolygon.
    editor.get_by_role("button", name="画新的多边形").click()
    box = editor.locator(".zone-map").bounding_box()
    left, bottom = box["x"] + 60, box["y"] + box["height"] - 40
    for dx, dy in ((0, 0), (60, 0), (30, -50)):
        page.mouse.click(left + dx, bottom + dy)
    editor.get_by_role("button", name="完成").click()
    assert '"type":"MultiPolygon"' in page.input_value("#id_protection_zone")
    page.locator(".field-protection_zone").screenshot(path=artifacts / "admin-zone-parts.png")
    page.click("input[name=_continue]")
    page.wait_for_url(change)
    record.refresh_from_db()
    assert record.protection_zone.geom_type == "MultiPolygon" and len(record.protection_zone) == 2
    # A reviewer sees the zone on a map, and no field to edit.
    _login(page, url, "reviewer1")
    page.goto(change)
    _ready(page, ".zone-viewer")
    assert page.locator(".zone-viewer path.zone-shape").count() == 1
    assert page.locator("#id_protection_zone").count() == 0
    page.locator(".field-zones").screenshot(path=artifacts / "admin-zone-viewer.png")
    assert page.errors == []
