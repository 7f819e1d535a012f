"""Chinese names that read like real ones, each with a pinyin English name.

Every name is built from a few parts (a surname, a two-character place word, a type of
building), so the same name turns up in many counties, as it does in real registers.
Each part carries its pinyin, which is how the English name is made without a
dictionary. `r` is always a bound `random.Random().random`: one call per choice.
"""

from collections.abc import Callable

Rand = Callable[[], float]
DEMO = " (demo)"


def pick(r: Rand, seq):
    return seq[int(r() * len(seq))]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """ "张 Zhang 王 Wang" -> (("张", "Zhang"), ("王", "Wang"))."""
    words = text.split()
    return tuple(zip(words[::2], words[1::2], strict=True))


# The most common surnames first and repeated: they are that much more common.
_COMMON = "张 Zhang 王 Wang 李 Li 赵 Zhao 刘 Liu 陈 Chen 杨 Yang 黄 Huang 周 Zhou 吴 Wu"
SURNAMES = _pairs(_COMMON) * 3 + _pairs(
    "徐 Xu 孙 Sun 胡 Hu 朱 Zhu 高 Gao 林 Lin 何 He 郭 Guo 马 Ma 罗 Luo 梁 Liang 宋 Song "
    "郑 Zheng 谢 Xie 韩 Han 唐 Tang 冯 Feng 邓 Deng 曹 Cao 彭 Peng 曾 Zeng 田 Tian 董 Dong "
    "潘 Pan 袁 Yuan 蒋 Jiang 蔡 Cai 余 Yu 杜 Du 叶 Ye 程 Cheng 魏 Wei 苏 Su 丁 Ding 沈 Shen "
    "任 Ren 姚 Yao 卢 Lu 钟 Zhong 汪 Wang 戴 Dai 方 Fang 贾 Jia 范 Fan 石 Shi 金 Jin 廖 Liao "
    "孔 Kong 乔 Qiao 崔 Cui 常 Chang 秦 Qin 白 Bai 康 Kang 严 Yan 侯 Hou 邱 Qiu 熊 Xiong "
    "孟 Meng 段 Duan 雷 Lei 薛 Xue 顾 Gu 龚 Gong 邵 Shao 温 Wen 傅 Fu 葛 Ge 陆 Lu 关 Guan"
)
_PLACE_FIRST = _pairs(
    "东 Dong 西 Xi 南 Nan 北 Bei 上 Shang 下 Xia 中 Zhong 前 Qian 后 Hou 大 Da 小 Xiao "
    "新 Xin 高 Gao 石 Shi 青 Qing 白 Bai 龙 Long 凤 Feng 金 Jin 马 Ma 黄 Huang 桃 Tao "
    "柳 Liu 松 Song 梅 Mei 永 Yong 太 Tai 兴 Xing 福 Fu 庆 Qing 和 He 德 De 清 Qing "
    "仁 Ren 义 Yi 文 Wen 天 Tian 双 Shuang 三 San 万 Wan 古 Gu 云 Yun 鹤 He 杏 Xing"
)
_PLACE_SECOND = _pairs(
    "安 an 宁 ning 平 ping 兴 xing 丰 feng 和 he 泰 tai 昌 chang 盛 sheng 山 shan 河 he "
    "溪 xi 桥 qiao 门 men 口 kou 湾 wan 塘 tang 坪 ping 岭 ling 田 tian 阳 yang 林 lin "
    "泉 quan 水 shui 庄 zhuang 坊 fang 井 jing 关 guan 城 cheng 台 tai 峰 feng 源 yuan "
    "江 jiang 湖 hu 亭 ting 楼 lou 洲 zhou 园 yuan"
)


def place(r: Rand) -> tuple[str, str]:
    """A two-character place word: 永安, 石桥, 东湾 ... and its pinyin (Yong'an)."""
    first, first_en = pick(r, _PLACE_FIRST)
    second, second_en = pick(r, _PLACE_SECOND)
    # Pinyin's apostrophe: a syllable starting with a, o or e would run into the one before.
    joiner = "'" if second_en[0] in "aoe" else ""
    return first + second, first_en + joiner + second_en


# --- buildings ---------------------------------------------------------------------
_CLAN = (
    ("氏宗祠", "Clan Ancestral Hall"),
    ("氏宗祠", "Clan Ancestral Hall"),
    ("氏家祠", "Family Shrine"),
    ("家大院", "Family Compound"),
    ("家大院", "Family Compound"),
    ("氏民居", "Residence"),
    ("氏民居", "Residence"),
    ("家老宅", "Family Old House"),
    ("宅", "House"),
    ("氏祖屋", "Ancestral House"),
)
_SHRINES = (
    ("关帝庙", "Guandi Temple"),
    ("文昌阁", "Wenchang Pavilion"),
    ("城隍庙", "Chenghuang Temple"),
    ("观音阁", "Guanyin Pavilion"),
    ("土地庙", "Tudi Temple"),
    ("天后宫", "Tianhou Palace"),
    ("龙王庙", "Longwang Temple"),
    ("魁星楼", "Kuixing Tower"),
    ("真武庙", "Zhenwu Temple"),
    ("财神庙", "Caishen Temple"),
    ("戏台", "Opera Stage"),
    ("书院", "Academy"),
    ("古井", "Old Well"),
    ("桥", "Bridge"),
    ("牌坊", "Memorial Archway"),
    ("钟楼", "Bell Tower"),
    ("鼓楼", "Drum Tower"),
    ("会馆", "Guild Hall"),
)
_FORMER = (
    ("邮政局旧址", "Post Office"),
    ("供销社旧址", "Supply and Marketing Cooperative"),
    ("粮站旧址", "Grain Station"),
    ("电影院旧址", "Cinema"),
    ("中学旧址", "Middle School"),
    ("医院旧址", "Hospital"),
    ("商会旧址", "Chamber of Commerce"),
    ("银行旧址", "Bank"),
    ("火车站旧址", "Railway Station"),
    ("工人俱乐部旧址", "Workers' Club"),
)

# Old shop names (字号): 恒丰号, 裕昌号 ...
_SHOP_FIRST = _pairs("恒 Heng 裕 Yu 万 Wan 同 Tong 德 De 永 Yong 广 Guang 瑞 Rui 福 Fu 义 Yi")
_SHOP_SECOND = _pairs("丰 feng 泰 tai 昌 chang 盛 sheng 兴 xing 源 yuan 隆 long 祥 xiang 顺 shun")


def building(r: Rand) -> tuple[str, str]:
    if r() < 0.01:
        return odd_building(r)
    roll = r()
    if roll < 0.45:
        surname, surname_en = pick(r, SURNAMES)
        kind, kind_en = pick(r, _CLAN)
        return surname + kind, f"{surname_en} {kind_en}{DEMO}"
    word, word_en = place(r)
    if roll < 0.75:
        kind, kind_en = pick(r, _SHRINES)
        return word + kind, f"{word_en} {kind_en}{DEMO}"
    if roll < 0.87:
        kind, kind_en = pick(r, _FORMER)
        return word + kind, f"Former {word_en} {kind_en}{DEMO}"
    if roll < 0.93:
        first, first_en = pick(r, _SHOP_FIRST)
        second, second_en = pick(r, _SHOP_SECOND)
        return f"{first}{second}号旧址", f"Former {first_en}{second_en} Store{DEMO}"
    number = 1 + int(r() * 120)
    return f"{word}街{number}号民居", f"No. {number} {word_en} Street Residence{DEMO}"


# Names real registers also hold, which search, sorting, layout and encodings must survive:
# traditional characters, brackets, a middle dot, Latin letters and digits, rare characters
# (岙, 垟, 畈; 𫖯 is outside the Basic Multilingual Plane: four bytes in UTF-8), long names.
_TRADITIONAL = (
    ("張氏宗祠", "Zhang Clan Ancestral Hall"),
    ("劉家大院", "Liu Family Compound"),
    ("陳氏民居", "Chen Residence"),
    ("關帝廟", "Guandi Temple"),
    ("黃氏家祠", "Huang Family Shrine"),
)
_SIDES = _pairs("东 East 西 West 南 South 北 North")
_HAMLET_CHARACTERS = _pairs("岙 Ao 垟 Yang 畈 Fan")


def odd_building(r: Rand) -> tuple[str, str]:
    roll = r()
    if roll < 0.25:
        name, name_en = pick(r, _TRADITIONAL)
        return name, name_en + DEMO
    surname, surname_en = pick(r, SURNAMES)
    word, word_en = place(r)
    if roll < 0.45:
        side, side_en = pick(r, _SIDES)
        return (
            f"{surname}氏宗祠（{side}祠）",
            f"{surname_en} Clan Ancestral Hall ({side_en} Hall){DEMO}",
        )
    if roll < 0.55:
        other, other_en = place(r)
        return f"{word}会馆·{other}戏台", f"{word_en} Guild Hall and {other_en} Opera Stage{DEMO}"
    if roll < 0.70:
        number, block = 1 + int(r() * 60), pick(r, "ABCD")
        return (
            f"{word}街{number}号院（{block}栋）",
            f"No. {number} {word_en} Street Courtyard (Block {block}){DEMO}",
        )
    if roll < 0.85:
        hamlet, hamlet_en = pick(r, _HAMLET_CHARACTERS)
        return (
            f"{word}{hamlet}{surname}氏民居",
            f"{word_en} {hamlet_en} {surname_en} Residence{DEMO}",
        )
    if roll < 0.90:
        return (
            f"赵孟𫖯书法碑廊（{word}）",
            f"Zhao Mengfu Calligraphy Stele Gallery ({word_en}){DEMO}",
        )
    other, other_en = place(r)
    number = 1 + int(r() * 9)
    return (
        f"{word}原国营{other}人民公社供销合作社第{number}门市部及附属仓库旧址",
        f"Former Shop No. {number} and Warehouse of the {other_en} People's Commune "
        f"Supply and Marketing Cooperative, {word_en}{DEMO}",
    )


# --- areas -------------------------------------------------------------------------
_STREETS = (
    ("街", "Street"),
    ("街", "Street"),
    ("巷", "Lane"),
    ("路", "Road"),
    ("老街", "Old Street"),
)


def district(r: Rand) -> tuple[str, str]:
    word, word_en = place(r)
    suffix, suffix_en = pick(r, _STREETS)
    return f"{word}{suffix}历史文化街区", f"{word_en} {suffix_en} Historic District{DEMO}"


def town(r: Rand) -> tuple[str, str]:
    word, word_en = place(r)
    if r() < 0.3:
        return word + "古镇", f"{word_en} Ancient Town{DEMO}"
    return word + "镇", f"{word_en} Town{DEMO}"


_HAMLETS = _pairs("庄 zhuang 坪 ping 湾 wan 寨 zhai 岭 ling 坡 po 沟 gou 村 cun")


def village(r: Rand) -> tuple[str, str]:
    if r() < 0.4:
        surname, surname_en = pick(r, SURNAMES)
        hamlet, hamlet_en = pick(r, _HAMLETS)
        if hamlet == "村":  # 李家村, not 李家村村
            return f"{surname}家村", f"{surname_en}jia Village{DEMO}"
        return f"{surname}家{hamlet}村", f"{surname_en}jia{hamlet_en} Village{DEMO}"
    word, word_en = place(r)
    return word + "村", f"{word_en} Village{DEMO}"


def city(r: Rand) -> tuple[str, str]:
    word, word_en = place(r)
    return word + "古城", f"{word_en} Ancient City{DEMO}"


# --- people and survey wording -----------------------------------------------------
_GIVEN = _words(
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 华 平 刚 霞 辉 鹏 建国 建华 "
    "秀英 桂英 志强 海燕 晓东 文博 思远 雨辰 子涵 佳怡 浩然 俊杰"
)


def person(r: Rand) -> str:
    return pick(r, SURNAMES)[0] + pick(r, _GIVEN)


USES_IN_USE = (
    "住宅",
    "住宅",
    "住宅",
    "商铺",
    "商铺",
    "展览",
    "办公",
    "餐饮",
    "民宿",
    "宗教活动",
    "仓储",
    "茶馆",
    "社区活动",
    "教学",
)
NOTES = (
    "屋面局部渗漏",
    "木构件有虫蛀",
    "已完成修缮",
    "门窗已更换为铝合金",
    "院内有临时搭建",
    "墙体开裂,建议加固",
    "产权人联系不上",
    "外立面保存完整",
    "部分构件缺失",
    "已挂牌,标志牌完好",
    "周边有施工,需关注",
)
