"""Regions' English names: the rule (registry/region_names.py), the shipped file made by it
(fixtures/regions_en.json, which the migration loads), and the label in the current language."""

import json
from pathlib import Path

import pytest
from django.utils import translation

from registry.models import Region
from registry.models.regions import region_label, region_labels
from registry.region_names import english_name

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "level", "english"),
    [
        ("山西省", "province", "Shanxi Province"),
        ("陕西省", "province", "Shaanxi Province"),
        ("北京市", "province", "Beijing"),
        ("内蒙古自治区", "province", "Inner Mongolia Autonomous Region"),
        ("广西壮族自治区", "province", "Guangxi Zhuang Autonomous Region"),
        ("香港特别行政区", "province", "Hong Kong Special Administrative Region"),
        ("晋中市", "prefecture", "Jinzhong"),
        ("平遥县", "county", "Pingyao County"),
        ("介休市", "county", "Jiexiu City"),
        ("朝阳区", "county", "Chaoyang District"),
        # Polyphonic characters, read as the places are called.
        ("重庆市", "province", "Chongqing"),
        ("长沙市", "prefecture", "Changsha"),
        ("长治市", "prefecture", "Changzhi"),
        ("长子县", "county", "Zhangzi County"),
        ("厦门市", "prefecture", "Xiamen"),
        ("六安市", "prefecture", "Lu'an"),
        ("蚌埠市", "prefecture", "Bengbu"),
        ("乐清市", "county", "Yueqing City"),
        ("乐亭县", "county", "Laoting County"),
        ("单县", "county", "Shanxian County"),
        ("洪洞县", "county", "Hongtong County"),
        ("闵行区", "county", "Minhang District"),
        ("番禺区", "county", "Panyu District"),
        # Apostrophes, ü, one-syllable names, the peoples of autonomous areas.
        ("西安市", "prefecture", "Xi'an"),
        ("吕梁市", "prefecture", "Lüliang"),
        ("沛县", "county", "Peixian County"),
        ("城区", "county", "Chengqu District"),
        ("矿区", "county", "Mining District"),
        ("恩施土家族苗族自治州", "prefecture", "Enshi Tujia and Miao Autonomous Prefecture"),
        (
            "镇沅彝族哈尼族拉祜族自治县",
            "county",
            "Zhenyuan Yi, Hani and Lahu Autonomous County",
        ),
        ("东乡族自治县", "county", "Dongxiang Autonomous County"),
        ("博尔塔拉蒙古自治州", "prefecture", "Bo'ertala Mongol Autonomous Prefecture"),
        ("阿拉善盟", "prefecture", "Alashan League"),
        ("大兴安岭地区", "prefecture", "Daxing'anling Prefecture"),
        ("鄂温克族自治旗", "county", "Ewenki Autonomous Banner"),
        ("金林区", "county", "Jinlin District"),  # 林区 here is 金林 + 区
        ("神农架林区", "county", "Shennongjia Forestry District"),
        ("浦东新区", "county", "Pudong New Area"),
    ],
)
def test_english_name(name, level, english):
    assert english_name(name, level) == english


def test_the_shipped_names_are_the_rules():
    regions = json.loads((FIXTURES / "regions.json").read_text(encoding="utf-8"))
    shipped = json.loads((FIXTURES / "regions_en.json").read_text(encoding="utf-8"))
    assert shipped == {r["code"]: english_name(r["name"], r["level"]) for r in regions}
    assert all(name.isascii() or "ü" in name or "Ü" in name for name in shipped.values())


@pytest.mark.django_db
def test_the_label_follows_the_language():
    pingyao = Region.objects.get(code="140728")
    assert pingyao.name_en == "Pingyao County"
    assert pingyao.label == "平遥县" and str(pingyao) == "140728 平遥县"
    with translation.override("en"):
        assert pingyao.label == "Pingyao County" and str(pingyao) == "140728 Pingyao County"
        assert region_labels(["140728", "999999"]) == {"140728": "Pingyao County"}
        assert region_label("新区", "") == "新区"  # no English form yet: the name
