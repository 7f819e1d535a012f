"""The English form of a GB/T 2260 division's name: the rule that made fixtures/regions_en.json.

The rule (also in docs/english.md):
- the proper name in Hanyu Pinyin, syllables joined, first letter capital, an apostrophe before
  a syllable that begins with a, o or e (Xi'an, Lu'an), ü kept (Lüliang); pypinyin reads the
  whole name in context (长沙 Changsha, 厦门 Xiamen), and ROOTS corrects the readings it gets
  wrong or the names with an established English form (陕西 Shaanxi, 呼和浩特 Hohhot);
- the administrative suffix translated: 省 Province, 自治区 Autonomous Region, 自治州
  Autonomous Prefecture, 地区 Prefecture, 盟 League, 县 County, 自治县 Autonomous County,
  区 District, 旗 Banner, 自治旗 Autonomous Banner, 矿区 Mining District, 特区 Special District;
  a city (市) is its bare name at province and prefecture level (Beijing, Jinzhong), "City"
  at county level (Jiexiu City), so a county-level city never reads as its prefecture;
- the peoples named in an autonomous area's name in English (恩施土家族苗族自治州 Enshi Tujia
  and Miao Autonomous Prefecture);
- a one-syllable name keeps its generic in the pinyin, as the national place-name rules do
  (沛县 Peixian County, 城区 Chengqu District);
- NAMES holds the few whole names no rule gives (浦东新区 Pudong New Area).

fixtures/regions_en.json holds the result for every division of fixtures/regions.json (the
data migration reads that file, not this module); tests/test_region_names.py checks that they
agree.
"""

from pypinyin import lazy_pinyin

# Whole names whose English no rule gives (established forms, or suffixes that are part of the
# name elsewhere: 金林区 is 金林 + 区, 神农架林区 is a forestry district).
NAMES = {
    "香港特别行政区": "Hong Kong Special Administrative Region",
    "澳门特别行政区": "Macao Special Administrative Region",
    "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "宁夏回族自治区": "Ningxia Hui Autonomous Region",
    "新疆维吾尔自治区": "Xinjiang Uygur Autonomous Region",
    "浦东新区": "Pudong New Area",
    "滨海新区": "Binhai New Area",
    "沈北新区": "Shenbei New Area",
    "神农架林区": "Shennongjia Forestry District",
    "矿区": "Mining District",
    "单县": "Shanxian County",
    "东乡族自治县": "Dongxiang Autonomous County",
    "鄂伦春自治旗": "Oroqen Autonomous Banner",
    "鄂温克族自治旗": "Ewenki Autonomous Banner",
}

# Proper names read wrongly by pypinyin's context rules or with an established English form.
ROOTS = {
    "陕西": "Shaanxi",
    "长子": "Zhangzi",
    "乐亭": "Laoting",
    "闵行": "Minhang",
    "内蒙古": "Inner Mongolia",
    "西藏": "Xizang",
    "呼和浩特": "Hohhot",
    "乌鲁木齐": "Ürümqi",
    "重庆": "Chongqing",
    "厦门": "Xiamen",
    "六安": "Lu'an",
    "蚌埠": "Bengbu",
    "洪洞": "Hongtong",
    "乐清": "Yueqing",
    "番禺": "Panyu",
    "铅山": "Yanshan",
}

# In place names these characters nearly always take one reading, which pypinyin's general
# phrase rules miss (长岭 Changling, not Zhangling; 乌什 Wushi; 朝阳 Chaoyang; 吴堡 Wubao);
# the exceptions are in ROOTS (长子 Zhangzi, 乐亭 Laoting).
READINGS = {
    "长": "chang",
    "什": "shi",
    "朝": "chao",
    "乐": "le",
    "堡": "bao",
    "卡": "ka",
    "蚌": "beng",
}

# Suffixes, longest first, and their English.
SUFFIXES = (
    ("特别行政区", "Special Administrative Region"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("矿区", "Mining District"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("省", "Province"),
    ("市", "City"),
    ("县", "County"),
    ("区", "District"),
    ("旗", "Banner"),
    ("盟", "League"),
)

# The peoples named in autonomous areas, as the State Council's English names write them.
PEOPLES = {
    "维吾尔": "Uygur", "达斡尔族": "Daur", "柯尔克孜": "Kirgiz", "哈萨克族": "Kazak",
    "哈萨克": "Kazak", "蒙古族": "Mongol", "蒙古": "Mongol", "朝鲜族": "Korean",
    "土家族": "Tujia", "布依族": "Bouyei", "仡佬族": "Gelao", "仫佬族": "Mulao",
    "毛南族": "Maonan", "傈僳族": "Lisu", "拉祜族": "Lahu", "独龙族": "Derung", "纳西族": "Naxi",
    "景颇族": "Jingpo", "哈尼族": "Hani", "普米族": "Pumi", "布朗族": "Blang", "撒拉族": "Salar",
    "保安族": "Bonan", "东乡族": "Dongxiang", "裕固族": "Yugur", "塔吉克": "Tajik", "锡伯": "Xibe",
    "满族": "Manchu", "回族": "Hui", "藏族": "Tibetan", "苗族": "Miao", "彝族": "Yi",
    "壮族": "Zhuang", "侗族": "Dong", "瑶族": "Yao", "白族": "Bai", "傣族": "Dai", "黎族": "Li",
    "佤族": "Va", "畲族": "She", "水族": "Shui", "羌族": "Qiang", "土族": "Tu", "怒族": "Nu",
    "各族": "Various Nationalities",
}  # fmt: skip


def english_name(name: str, level: str) -> str:
    """The English form of a division's Chinese name at `level` (province, prefecture, county)."""
    if name in NAMES:
        return NAMES[name]
    suffix, generic = next(((s, e) for s, e in SUFFIXES if name.endswith(s)), ("", ""))
    root = name[: len(name) - len(suffix)]
    peoples = []
    if suffix.startswith("自治") and root not in ROOTS:
        while found := next((p for p in PEOPLES if root.endswith(p) and root != p), None):
            peoples.insert(0, PEOPLES[found])
            root = root[: -len(found)]
    if suffix == "市" and level != "county":
        generic = ""
    if len(root) == 1:
        # 沛县 Peixian County: a one-syllable name keeps its generic in the pinyin.
        proper = _pinyin(name, name[: len(root) + 1])
    else:
        proper = ROOTS.get(root) or _pinyin(name, root)
    people = " and ".join([", ".join(peoples[:-1]), peoples[-1]] if len(peoples) > 1 else peoples)
    return " ".join(part for part in (proper, people, generic) if part)


def _pinyin(name: str, part: str) -> str:
    """`part` (a prefix of `name`) in pinyin, read in the context of the whole name."""
    read = lazy_pinyin(name, v_to_u=True)[: len(part)]
    syllables = [READINGS.get(char, syllable) for char, syllable in zip(part, read, strict=True)]
    text = syllables[0]
    for syllable in syllables[1:]:
        text += ("'" if syllable[:1] in "aoe" else "") + syllable
    return text[:1].upper() + text[1:]
