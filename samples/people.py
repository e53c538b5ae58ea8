"""Made-up but well-formed people for the samples: names, ID numbers, phones, bank cards, cars, dealers.

Every value is drawn from a seeded ``random.Random``; nothing iterates a set or a dict whose order
could change between runs. ID numbers carry the GB 11643 check character and cards the Luhn digit,
except where a caller asks for a wrong one on purpose (the desk's entry checks must flag those).
"""

from __future__ import annotations

import datetime as dt
import random

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜"
    "戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 丹 玲 俊 鹏 浩 宇 婷 雪 琳 晨 斌 凯 "
    "秀英 桂英 建华 志强 晓东 海燕 欣怡 子涵 梓轩 思远 嘉怡 文博 一鸣 家豪 雨桐 诗涵 浩然 天佑 俊杰 明轩 "
    "佳琪 晓峰 国庆 建军 红梅 丽娟 志刚 春燕 建国 卫东 永强 德华 海涛 秋菊 美玲 文静 振华 立新 少华 "
    "子豪 思琪 宇航 梦瑶 晓燕 建平 海波 玉兰 金凤 伟民 慧敏 鑫 瑶 璐 昊 晗 楠 昕 彤 锋"
).split()

# county-level area codes (the first six digits of an ID number), mostly Zhejiang
AREA_CODES = (
    "330102", "330105", "330106", "330108", "330109", "330110", "330203", "330212", "330302",
    "330402", "330502", "330602", "330702", "330782", "331002", "320102", "310104", "340104",
    "360102", "362502", "410105", "420106", "430104", "510107",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
    "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "185", "186", "187",
    "188", "189", "191", "199",
)

# UnionPay (62…) card BINs with the usual length of the issuing bank's debit cards
CARD_BINS = (
    ("622202", 19), ("621226", 19), ("621700", 19), ("623668", 19), ("622848", 19),
    ("621661", 19), ("622588", 16), ("621483", 16), ("622262", 19), ("623058", 19),
)

# (brand, model, price range in 10,000 yuan, dealers selling it)
CARS = (
    ("比亚迪", "秦PLUS DM-i", (8, 14), ("杭州元通比亚迪4S店", "杭州中升比亚迪汽车销售服务有限公司")),
    ("比亚迪", "宋PLUS DM-i", (15, 20), ("杭州元通比亚迪4S店", "杭州中升比亚迪汽车销售服务有限公司")),
    ("比亚迪", "汉 EV", (18, 26), ("杭州元通比亚迪4S店",)),
    ("比亚迪", "海豚", (10, 13), ("杭州中升比亚迪汽车销售服务有限公司",)),
    ("大众", "朗逸", (10, 14), ("杭州滨江上汽大众4S店", "萧山元通上汽大众4S店")),
    ("大众", "帕萨特", (18, 24), ("杭州滨江上汽大众4S店",)),
    ("大众", "途观L", (21, 28), ("萧山元通上汽大众4S店",)),
    ("丰田", "卡罗拉", (11, 15), ("杭州元通一汽丰田4S店",)),
    ("丰田", "凯美瑞", (17, 24), ("杭州广丰丰田汽车销售服务有限公司",)),
    ("丰田", "RAV4荣放", (18, 25), ("杭州元通一汽丰田4S店",)),
    ("本田", "雅阁", (17, 23), ("杭州广本之星汽车销售服务有限公司",)),
    ("本田", "思域", (12, 16), ("杭州东风本田滨江4S店",)),
    ("本田", "CR-V", (18, 25), ("杭州东风本田滨江4S店",)),
    ("吉利", "星越L", (14, 19), ("杭州吉利汽车城4S店", "宁波吉利汽车4S店")),
    ("吉利", "博越L", (11, 15), ("杭州吉利汽车城4S店",)),
    ("吉利", "帝豪", (7, 9), ("宁波吉利汽车4S店",)),
    ("长安", "CS75 PLUS", (11, 15), ("杭州长安汽车萧山4S店",)),
    ("长安", "UNI-V", (11, 14), ("杭州长安汽车萧山4S店",)),
    ("哈弗", "H6", (10, 14), ("杭州长城哈弗4S店",)),
    ("哈弗", "大狗", (12, 16), ("杭州长城哈弗4S店",)),
    ("特斯拉", "Model 3", (23, 28), ("特斯拉杭州滨江交付中心",)),
    ("特斯拉", "Model Y", (25, 33), ("特斯拉杭州滨江交付中心",)),
    ("理想", "L6", (25, 28), ("理想汽车杭州体验中心",)),
    ("五菱", "宏光MINIEV", (3, 5), ("杭州五菱汽车销售服务有限公司",)),
    ("别克", "GL8", (23, 32), ("杭州上汽别克4S店",)),
)


def id_check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def luhn_digit(body: str) -> str:
    """The Luhn check digit that makes ``body + digit`` valid."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(card: str) -> bool:
    return luhn_digit(card[:-1]) == card[-1]


class People:
    """Unique identities drawn from one seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._names: dict[str, None] = {}
        self._ids: dict[str, None] = {}
        self._phones: dict[str, None] = {}
        self._cards: dict[str, None] = {}

    def _unique(self, seen: dict[str, None], make) -> str:
        while True:
            value = make()
            if value not in seen:
                seen[value] = None
                return value

    def name(self) -> str:
        return self._unique(self._names, lambda: self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES))

    def id_no(self, on: dt.date, *, valid: bool = True) -> str:
        """An 18-character ID number of someone 22–58 years old on ``on``."""

        def make() -> str:
            born = on - dt.timedelta(days=self.rng.randint(22 * 365 + 6, 58 * 365))
            body = f"{self.rng.choice(AREA_CODES)}{born:%Y%m%d}{self.rng.randint(1, 999):03d}"
            check = id_check_char(body)
            if not valid:
                check = _ID_CHECK[(_ID_CHECK.index(check) + 3) % 11]
            return body + check

        return self._unique(self._ids, make)

    def phone(self) -> str:
        return self._unique(self._phones,
                            lambda: self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}")

    def card(self, *, valid: bool = True) -> str:
        def make() -> str:
            bin_, length = self.rng.choice(CARD_BINS)
            body = bin_ + "".join(str(self.rng.randrange(10)) for _ in range(length - len(bin_) - 1))
            check = luhn_digit(body)
            if not valid:
                check = str((int(check) + 5) % 10)
            return body + check

        return self._unique(self._cards, make)

    def car(self) -> tuple[str, str, int]:
        """(car model, dealer, price in yuan)."""
        brand, model, (low, high), dealers = self.rng.choice(CARS)
        price = self.rng.randrange(low * 100, high * 100 + 1) * 100
        return f"{brand} {model}", self.rng.choice(dealers), price
