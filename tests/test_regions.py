import json
from pathlib import Path

import pytest

from registry.models import Region
from registry.regionscope import region_q, scope_range

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "regions.json"


@pytest.mark.django_db
def test_every_region_of_the_fixture_is_loaded_with_its_parent():
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert Region.objects.count() == len(rows)
    pingyao = Region.objects.select_related("parent__parent").get(code="140728")
    assert pingyao.name == "平遥县"
    assert pingyao.level == "county"
    assert pingyao.parent.code == "140700"
    assert pingyao.parent.parent.code == "140000"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("140000", ("140000", "149999")),
        ("140700", ("140700", "140799")),
        ("140728", ("140728", "140728")),
        ("441900", ("441900", "441999")),
    ],
)
def test_scope_range_follows_gbt2260_structure(code, expected):
    assert scope_range(code) == expected


@pytest.mark.django_db
def test_region_scope_selects_by_prefix():
    shanxi = set(
        Region.objects.filter(region_q("140000", field="code")).values_list("code", flat=True)
    )
    assert "140728" in shanxi and "140700" in shanxi and "140000" in shanxi
    assert all(code.startswith("14") for code in shanxi)
    jinzhong = set(
        Region.objects.filter(region_q("140700", field="code")).values_list("code", flat=True)
    )
    assert "140728" in jinzhong and "140100" not in jinzhong
