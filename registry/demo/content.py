# ruff: noqa: E501  (the text tables read best one Chinese-English pair per line)
"""What a generated demo record says about itself: era, description in both languages,
designation and archive (exchange.md version 2).

Everything here is made up and says so: every description starts with DEMO_MARK
("【演示数据】") or DEMO_MARK_EN ("[Demo data]"), and a document number is written
"演示〔2015〕12号": a number in the real pattern (晋政函〔2015〕12号) would pass for a fact
about a real State or provincial document, so the pattern is kept (readers, search and
layout see its shape) and the issuer's prefix replaced by 演示. Authorities are the bodies
that designate at each level (住房和城乡建设部、国家文物局 / the province's / the city's
people's government): true of the kind of record, not a claim about a real one.

Texts are built from (Chinese, English) parts, one `r()` per choice, like names.py.
"""

from .names import Rand, pick

DEMO_MARK = "【演示数据】"
DEMO_MARK_EN = "[Demo data]"
DEMO_DOCUMENT = "演示"

# (as written in Chinese, the English for "built in ...").
_BUILDING_ERAS = (
    *(("清代", "the Qing dynasty"),) * 6,
    *(("清末", "the late Qing dynasty"),) * 3,
    ("清中期", "the mid-Qing dynasty"),
    ("清乾隆年间", "the Qianlong reign of the Qing dynasty"),
    ("清光绪年间", "the Guangxu reign of the Qing dynasty"),
    *(("明代", "the Ming dynasty"),) * 2,
    *(("明末清初", "the late Ming or early Qing dynasty"),) * 2,
    *(("民国", "the Republican era"),) * 5,
    ("民国初年", "the first years of the Republic"),
    ("1930年代", "the 1930s"),
    ("1950年代", "the 1950s"),
)
_AREA_ERAS = (
    *(("明清", "the Ming and Qing dynasties"),) * 3,
    *(("清代", "the Qing dynasty"),) * 2,
    ("清代至民国", "the Qing dynasty and the Republican era"),
    ("明代", "the Ming dynasty"),
    ("明代中期", "the mid-Ming dynasty"),
    ("元代", "the Yuan dynasty"),
    ("南宋", "the Southern Song dynasty"),
    ("宋代", "the Song dynasty"),
    ("唐代", "the Tang dynasty"),
)

_STRUCTURES = (
    ("坐北朝南，三进院落，硬山顶砖木结构", "it faces south, three courtyards deep, brick and timber under flush gable roofs"),
    ("面阔三间，进深两间，单檐歇山顶", "three bays wide and two deep under a single-eave hip-and-gable roof"),
    ("两层木构楼房，前店后宅", "a two-storey timber building, shop in front and home behind"),
    ("中西合璧的两层砖混建筑，外廊式立面", "a two-storey brick building mixing Chinese and Western styles, with an arcaded front"),
    ("土木结构，四合院布局", "earth and timber, laid out around a courtyard"),
    ("穿斗式木构架，小青瓦屋面", "a column-and-tie timber frame under small grey tiles"),
    ("石砌拱券结构", "built of stone on arches"),
    ("一进四合院，门楼朝东", "a single courtyard house with its gate to the east"),
)  # fmt: skip
_FEATURES = (
    ("门楼砖雕精美，保存较完整", "The brick carving of its gate is fine and largely intact."),
    ("梁架彩绘尚存", "Paint survives on its beams."),
    ("木雕门窗工艺考究", "Its carved doors and windows are finely made."),
    ("是当地保存最完整的同类建筑之一", "It is one of the best-kept buildings of its kind in the area."),
    ("见证了当地商贸的兴衰", "It saw the rise and fall of the local trade."),
    ("体现了地方传统营造技艺", "It shows the local building craft."),
    ("檐下斗拱层叠，做法古朴", "Its brackets under the eaves are stacked in an old manner."),
)  # fmt: skip
_HISTORIES = (
    ("原为当地望族宅第，后归集体使用", "Built for a leading local family, it later passed into collective use."),
    ("民国时期曾作学堂", "It was a school in the Republican years."),
    ("1950年代后曾作粮站仓库", "After the 1950s it was a grain store."),
    ("2010年代进行过修缮", "It was repaired in the 2010s."),
    ("现由后人居住", "Descendants of its builders live in it today."),
    ("曾毁于火，后按原样重建", "Burnt once, it was rebuilt as it had been."),
)  # fmt: skip
_LAYOUTS = (
    ("以一条主街和若干巷道构成鱼骨状格局", "a main street with lanes branching off it like a fishbone"),
    ("沿河展开，前街后河", "it follows a river, street in front and water behind"),
    ("保留传统街巷肌理和较多传统建筑", "it keeps its old pattern of streets and lanes and many old buildings"),
    ("依山而建，石阶街巷层层上升", "it climbs a hillside, its lanes rising in stone steps"),
    ("环绕古井和祠堂布局", "it is laid out around an old well and an ancestral hall"),
)  # fmt: skip
_AREA_FEATURES = (
    ("传统商业街市风貌犹存", "Its old market streets still look the part."),
    ("传统民居成片保存", "Its old houses survive in whole blocks."),
    ("传统节庆和手工技艺延续至今", "Its festivals and crafts carry on."),
    ("是古代驿道上的重要节点", "It was a stop on an old post road."),
    ("水系与街巷格局保存完整", "Its waterways and street pattern are intact."),
)  # fmt: skip
# A long note's paragraphs (real registers hold pages of history and survey notes).
_PARAGRAPHS = (
    ("据地方志记载，此地早有聚落，历代屡有兴废，现存格局大体形成于清代中后期，其后虽经局部改建，主要街巷走向和建筑朝向未有大的变化。",
     "Local gazetteers record a settlement here from early times, rising and falling over the centuries; the present layout took shape in the middle and late Qing, and later alterations left the main streets and the orientation of the buildings much as they were."),
    ("现状调查表明，主体结构基本稳定，屋面和木构件存在不同程度的渗漏、糟朽和虫蛀，部分后期加建影响了原有风貌，建议结合使用功能分期实施修缮。",
     "The survey found the main structure broadly sound, with leaks, rot and insect damage in roofs and timbers to varying degrees; some later additions spoil the original appearance, and repairs in phases, fitted to the building's use, are advised."),
    ("保护要求：保持原有高度、体量、外观形象及色彩，不得擅自改变结构和平面布局；内部可在不影响结构安全的前提下进行适当改善。",
     "Protection: keep the original height, bulk, outward appearance and colours; do not alter the structure or plan without consent; the inside may be improved where the structure's safety is not affected."),
    ("口述史访谈中，多位老住户回忆了旧时的生活场景和节庆习俗，相关录音和照片已整理归档。",
     "In oral-history interviews several long-time residents recalled daily life and festivals of the past; the recordings and photographs are filed."),
)  # fmt: skip
_NUMERALS = "一二三四五六七八九十"


def era(r: Rand, building: bool) -> tuple[str, str]:
    return pick(r, _BUILDING_ERAS if building else _AREA_ERAS)


def _long_note(r: Rand) -> tuple[str, str]:
    """2 to 30 paragraphs: up to about 7,500 characters, well inside the 20,000 limit."""
    chosen = [pick(r, _PARAGRAPHS) for _ in range(2 + int(r() * 29))]
    return "\n".join(p for p, _ in chosen), "\n".join(e for _, e in chosen)


def describe_building(r: Rand, name: str, name_en: str, place: str, built) -> tuple[str, str]:
    """(description, description_en): a paragraph, sometimes a long note after it."""
    structure, structure_en = pick(r, _STRUCTURES)
    feature, feature_en = pick(r, _FEATURES)
    history, history_en = pick(r, _HISTORIES)
    since = f"始建于{built[0]}，" if built else ""
    since_en = (
        f"Built in {built[1]}, {structure_en}."
        if built
        else f"{structure_en[0].upper()}{structure_en[1:]}."
    )
    zh = f"{DEMO_MARK}{name}位于{place}，{since}{structure}。{feature}，{history}。"
    en = f"{DEMO_MARK_EN} {name_en}. {since_en} {feature_en} {history_en}"
    if r() < 0.01:
        more, more_en = _long_note(r)
        return f"{zh}\n{more}", f"{en}\n{more_en}"
    return zh, en


def describe_area(r: Rand, name: str, name_en: str, place: str, formed) -> tuple[str, str]:
    layout, layout_en = pick(r, _LAYOUTS)
    feature, feature_en = pick(r, _AREA_FEATURES)
    since = f"形成于{formed[0]}，" if formed else ""
    since_en = (
        f"Formed in {formed[1]}, {layout_en}."
        if formed
        else f"{layout_en[0].upper()}{layout_en[1:]}."
    )
    zh = f"{DEMO_MARK}{name}位于{place}，{since}{layout}。{feature}。"
    en = f"{DEMO_MARK_EN} {name_en}. {since_en} {feature_en}"
    if r() < 0.05:
        more, more_en = _long_note(r)
        return f"{zh}\n{more}", f"{en}\n{more_en}"
    return zh, en


def designation(r: Rand, year: int, authority: str) -> dict | None:
    """A designated record's `designation`; a few say nothing (null), as in real files."""
    if r() < 0.06:
        return None
    # Provinces announce in batches every two years or so since the 2008 regulations.
    number = min(len(_NUMERALS), 1 + (year - 2008) // 2)
    batch = f"第{_NUMERALS[number - 1]}批" if r() < 0.88 else None
    document = f"{DEMO_DOCUMENT}〔{year}〕{1 + int(r() * 180)}号" if r() < 0.65 else None
    return designation_object(batch, document, authority if r() < 0.92 else None)


def designation_object(batch: str | None, document: str | None, authority: str | None):
    """exchange.md's `designation`: null when all three are null (the exporter's rule)."""
    if batch is None and document is None and authority is None:
        return None
    return {"batch": batch, "document": document, "authority": authority}


_ARCHIVE_LEVELS = ((0.5, "brief"), (0.85, "typical"))


def archive_level(r: Rand) -> str:
    roll = r()
    for bound, level in _ARCHIVE_LEVELS:
        if roll < bound:
            return level
    return "full"
