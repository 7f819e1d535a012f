"""Migrations 0003, 0004, 0007, 0016 and 0019 rebuild derived data with SQL and key code frozen
in the migrations (0016_indicator_archive.py, _search_rebuild_v1.py, _search_rebuild_v2.py), not
with the services of the day, so that a later change of a service cannot change what an old
migration does.

The copies are checked against literal expectations, and against today's services: a service
that derives other data than the last migration that rebuilt it leaves every existing registry
stale. When that test fails, the fix is a new migration with its own frozen rebuild (named in
REBUILT_BY), not an edit of an old one."""

import datetime
import importlib
import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from registry.demo.generator import write_demo
from registry.migrations import _search_rebuild_v1, _search_rebuild_v2
from registry.models import IndicatorChange, IndicatorTotal, Record, SearchDoc
from registry.search.keys import query_key
from registry.search.query import FTS, GIN
from registry.selectors.records import catalog, search
from registry.services import indicator_state, search_index

pytestmark = pytest.mark.django_db

# The migration whose frozen copy last rebuilt each kind of derived data.
REBUILT_BY = {"search": "0019_search_keys_v2", "indicators": "0016_indicator_archive"}
FILL_INDICATORS = importlib.import_module(f"registry.migrations.{REBUILT_BY['indicators']}").fill


@pytest.fixture(scope="module")
def demo_file():
    with tempfile.TemporaryDirectory(prefix="heritage-migrations-") as folder:
        path = Path(folder) / "demo.jsonl"
        with path.open("w", encoding="utf-8", newline="\n") as out:
            write_demo(out, buildings=400, seed=11)
        yield path


@pytest.fixture
def registry(demo_file):
    """Demo records with plaques and surveys, and their derived data as the services make it."""
    call_command("import_heritage", str(demo_file), stdout=io.StringIO(), stderr=io.StringIO())
    assert Record.objects.count() > 400
    return Record.objects.count()


def _rows(model) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    return sorted(model.objects.values_list(*fields))


def test_frozen_search_keys_of_a_record():
    terms = _search_rebuild_v1.record_terms
    keys = terms("张氏宗祠", "JZ-B-0001", "building", "national", "140728")
    assert keys.split() == [
        "张氏宗祠", "氏宗祠", "宗祠", "祠",
        "zhangshizongci", "shizongci", "zongci", "ci",
        "zszc", "szc", "zc",
        "jzb0001", "b0001", "0001",
        "·kbuilding", "·lnational", "·r14", "·r1407", "·r140728",
    ]  # fmt: skip
    # Pinyin read in context, punctuation dropped, no level or region: no tokens of them.
    keys = terms("长沙・天心阁", "CS-1", "building", "", "").split()
    assert keys[5:7] == ["changshatianxinge", "shatianxinge"] and keys[-1] == "·kbuilding"


def test_frozen_search_keys_v2_of_a_record():
    """0019's copy: simplified characters, the English name, the region's names."""
    pk, terms, sort_key = _search_rebuild_v2.doc(
        7, "張氏宗祠", "JZ-B-0001", "building", "national", "140728",
        "Zhang Family Ancestral Hall", "平遥县", "晋中市", "山西省",
    )  # fmt: skip
    assert pk == 7 and terms.split() == [
        "张氏宗祠", "氏宗祠", "宗祠", "祠",
        "zhangshizongci", "shizongci", "zongci", "ci",
        "zszc", "szc", "zc",
        "zhangfamilyancestralhall", "familyancestralhall", "ancestralhall", "hall",
        "平遥县", "pingyaoxian", "晋中市", "jinzhongshi", "山西省", "shanxisheng",
        "jzb0001", "b0001", "0001",
        "·kbuilding", "·lnational", "·r14", "·r1407", "·r140728",
    ]  # fmt: skip
    assert sort_key == "zhang1 shi4 zong1 ci2\x01張氏宗祠\x01JZ-B-0001"


def test_the_frozen_search_rebuild_writes_what_the_service_writes(registry):
    """Fails when the services' keys move on from those REBUILT_BY["search"] wrote."""
    Record.objects.filter(pk__in=Record.objects.order_by("pk")[:5]).update(
        name_en="Zhang Family Ancestral Hall"
    )  # English names: the demo has few
    search_index.refresh()
    service = _rows(SearchDoc)
    SearchDoc.objects.update(terms="", sort_key="")  # stale data the rebuild must replace
    _search_rebuild_v2.rebuild(connection)
    assert _rows(SearchDoc) == service
    # ...and the index answers from it (FTS5 read again, or the GIN index built again).
    for q in ("宗祠", "zongci", "zs", "b0000", "街", "祠", "hall", "山西"):
        key = query_key(q)
        expected = {pk for pk, terms, _ in service if any(k.startswith(key) for k in terms.split())}
        found = search(catalog(), q)
        assert expected and set(found.values_list("pk", flat=True)) == expected, q


def test_the_frozen_indicator_fill_writes_what_the_service_writes(registry):
    """Fails when the services' indicator state moves on from what REBUILT_BY["indicators"]
    wrote. Some records archived (测绘建档) on various days, some before their designation."""
    counted = Record.objects.filter(kind__in=["district", "building"]).order_by("pk")
    for n, pk in enumerate(counted.values_list("pk", flat=True)[::7]):
        Record.objects.filter(pk=pk).update(
            archive_level="brief", archive_completed_on=datetime.date(1995 + n % 30, 1 + n % 12, 1)
        )
    indicator_state.refresh()
    service = _rows(IndicatorChange), _rows(IndicatorTotal)
    assert service[0] and service[1]
    assert any(row[-1] or row[-2] for row in service[1])  # archived figures were counted
    IndicatorChange.objects.all().delete()
    FILL_INDICATORS(connection)
    assert (_rows(IndicatorChange), _rows(IndicatorTotal)) == service


def test_the_services_index_is_the_one_the_migrations_made():
    """create_index_sql() (the full refresh runs it again on PostgreSQL) is the DDL migration
    0004 ran: a change of it needs a migration that builds the new index."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT sql FROM sqlite_master WHERE name = %s", [FTS])
            assert cur.fetchone()[0] == search_index.create_index_sql()
            return
        made = "SELECT indexdef FROM pg_indexes WHERE indexname = %s"
        cur.execute(made, [GIN])
        migrated = cur.fetchone()[0]
        cur.execute(f"DROP INDEX {GIN}")
        cur.execute(search_index.create_index_sql())
        cur.execute(made, [GIN])
        assert cur.fetchone()[0] == migrated


def test_0020_marks_public_the_photos_the_old_rule_showed(settings, tmp_path):
    """0020's data step: a record's own photos and approved surveys' were public before
    Photo.public; they are marked so, nothing visible disappears. The rest stay hidden."""
    from django.apps import apps
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry.models import Photo, Survey
    from registry.services import photos
    from tests.workflow_builders import jpeg_bytes, user

    settings.MEDIA_ROOT = tmp_path
    step = importlib.import_module("registry.migrations.0020_photo_public").mark_public
    building = Record.objects.create(code="B1", kind="building", name="张氏宗祠",
                                     level="provincial", region_id="140728",
                                     designated_on="2010-01-01")  # fmt: skip
    local = user("local", "surveyor", regions=("140000",), password=None)
    shots = {}
    for n, state in enumerate((None, "approved", "submitted", "rejected", "draft"), start=1):
        survey = state and Survey.objects.create(
            building=building, surveyed_on=datetime.date(2024, n, 1), occupancy="in_use",
            created_by=local,
        )  # fmt: skip
        upload = SimpleUploadedFile("p.jpg", jpeg_bytes(color=(n, n, n)), content_type="image/jpeg")
        shots[state] = photos.photo_attach(
            user=local, upload=upload, record=building, survey=survey or None
        )
        if survey:
            Survey.objects.filter(pk=survey.pk).update(state=state)
    assert not Photo.objects.filter(public=True).exists()
    step(apps, None)
    public = set(Photo.objects.filter(public=True))
    assert public == {shots[None], shots["approved"]}
