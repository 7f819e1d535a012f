"""The record page's list entry (templates/catalog/_record_entry.html) in headless Chromium, in
Chinese and in English: laid out beside the page's other sections, its paragraphs kept apart."""

import importlib

import pytest

from registry.models import Record
from tests.catalog_builders import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "\n".join(
    ["平遥张氏宗祠始建于清乾隆年间，三进院落，保存完整。" * 3,
     "民国时期曾作学堂；1986 年随平遥古城公布为历史文化名城组成部分。",
     "现存木雕、砖雕精美，是晋中地区宗祠建筑的典型实例。"]
)  # fmt: skip


@pytest.fixture
def entry_data():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    build_catalog()
    Record.objects.filter(code="JZ-B-0001").update(
        era="清代", description=DESCRIPTION, designation_batch="第三批",
        designation_document="晋政发〔2015〕3号", designation_authority="山西省人民政府",
        archive_level="typical", archive_completed_on="2020-05-06",
    )  # fmt: skip


def test_the_list_entry_in_both_languages(live_server, page, artifacts, entry_data):
    page.goto(f"{live_server.url}/records/JZ-B-0001/")
    section = page.locator(".record__entry")
    assert section.locator("h2").inner_text() == "列表条目"
    assert section.locator(".record__description p").count() == 3
    assert "典型 · 2020-05-06" in section.inner_text()
    page.screenshot(path=artifacts / "record-entry-zh.png", full_page=True)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/records/JZ-B-0001/")
    assert section.locator("h2").inner_text() == "List entry"
    assert "No English description yet" in section.inner_text()
    assert section.locator(".record__description").get_attribute("lang") == "zh-Hans"
    page.screenshot(path=artifacts / "record-entry-en.png", full_page=True)
    assert page.errors == []
