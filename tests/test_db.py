import pytest
from django.db import connection

from registry.db import indexes_built_after

pytestmark = pytest.mark.django_db


def _indexes(cur, table):
    cur.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table])
    return {name for (name,) in cur.fetchall()}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite bulk-load technique")
def test_bulk_fill_drops_secondary_indexes_but_keeps_the_parent_index():
    with connection.cursor() as cur:
        before = _indexes(cur, "registry_record")
        with indexes_built_after(cur, ["registry_record"]):
            during = _indexes(cur, "registry_record")
        assert _indexes(cur, "registry_record") == before
    assert "record_region_kind" in before and "record_region_kind" not in during
    # Without it every inserted row would scan the table for children of the new row.
    assert any("parent_id" in name for name in during)
    assert any(name.startswith("sqlite_autoindex") for name in during), "unique code stays"


def test_record_codes_sort_by_code_point_whatever_the_servers_locale():
    """exchange.md: records in code-point order. On PostgreSQL the column holds COLLATE "C" (a
    server's locale may sort 'a' before 'B'); migration 0009, made on SQLite, had dropped it."""
    from registry.models import Record

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT collation_name FROM information_schema.columns"
                " WHERE table_name = 'registry_record' AND column_name = 'code'"
            )
            assert cur.fetchone()[0] == "C"
    codes = ["b-1", "B-1", "a_1", "A.1", "Z9", "0", "a-1"]
    for code in codes:
        Record.objects.create(code=code, kind="city", name=code, level="national",
                              region_id="140728")  # fmt: skip
    assert list(Record.objects.order_by("code").values_list("code", flat=True)) == sorted(codes)
