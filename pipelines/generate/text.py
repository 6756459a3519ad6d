"""Word banks: names, summaries, titles and the other free text the generator writes.

Every string here must encode in cp950 (Big5), because some schools' files are written in it
(tests/generate/test_text.py checks the whole bank). The banks are built once per process from a
fixed seed, so they never depend on the generation seed: the seed only picks *which* entries a
row gets.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴"
GIVEN_NAME_CHARACTERS = (
    "家宇承恩柏翰冠廷子涵雅婷怡君欣妤宜庭詩佳穎思彥志明俊傑建宏偉哲文淑芬美玲惠珍瑋品妍昕晴語彤睿宸凱豪祐禹"
    "安若琳筠心嘉瑜靜慧柔瑄馨維信仁德耀勳韋浩軒宥辰博崇毅瑞綺萱芸郁潔蓉薇琪璇雯晨彬育銘鈞書立中華正平秀"
)

CHINESE_NUMERALS = "零一二三四五六七八九"

_OPENERS = (
    "本成果記錄我", "這份作品呈現我", "我在課程中", "透過小組合作，我們", "本報告整理了我", "在老師的引導下，我",
    "這次的實作讓我", "本學期的專題中，我", "此成果說明我", "課堂上我", "我利用課餘時間", "本次作業中我",
)
_MIDDLES = (
    "蒐集資料並分析問題的成因", "設計實驗驗證自己的假設", "閱讀相關文獻後提出自己的觀點", "運用課堂所學解決生活中的問題",
    "完成簡報並上台發表", "撰寫心得反思自己的學習歷程", "比較不同方法的優缺點", "訪談社區居民了解在地議題",
    "製作模型並測試其效能", "整理數據並繪製統計圖表", "練習英語口說並錄製影片", "分工合作完成期末專題",
    "觀察校園植物並記錄其生長", "改寫經典文本並說明創作理念", "以程式模擬物理現象", "探討歷史事件的多元觀點",
    "調查同學的生活習慣並提出建議", "嘗試不同的創作媒材", "規劃並執行一次小型活動", "分析新聞報導中的數據",
    "設計問卷並統計回收結果", "用數學模型描述生活現象", "進行化學滴定並計算濃度", "繪製地圖並解讀空間分布",
)
_CLOSINGS = (
    "，從中學會了團隊合作的重要。", "，也發現自己對這個領域的興趣。", "，未來希望能繼續深入探究。", "。",
    "，過程中遇到的困難讓我成長許多。", "，並反思下一次可以改進之處。", "，對課本的概念有了更深的理解。",
    "，也練習了表達與溝通的能力。",
)

TITLE_SUFFIXES = (
    "學習成果", "期末報告", "實驗報告", "專題報告", "課堂作品", "閱讀心得", "小組簡報", "實作紀錄", "探究報告",
    "作品集", "學習單", "研究小論文",
)

FAIL_REASONS = (
    "內容與課程無關，請重新上傳。", "檔案無法開啟，請確認格式。", "簡述過於簡略，請補充學習過程。",
    "請補充實作過程與反思。", "成果非本人作品，請說明。", "缺少資料來源，請補上。",
)
CHANGE_REASONS = ("原任課教師請假，改由同科教師認證。", "任課教師異動。", "")

QUALITATIVE_DESCRIPTIONS = (
    "學習態度積極，能主動提問。", "作業繳交準時，表現穩定。", "課堂參與度高，樂於分享。", "需加強基礎概念的練習。",
    "小組合作表現良好。", "具備獨立思考能力。",
)

COUNSELLING_CONTENTS = (
    "討論選修課程規劃與升學方向。", "說明多元選修與加深加廣課程的差異。", "協助學生了解各學群所需的修課內容。",
    "討論學習歷程檔案的準備方式。", "釐清興趣與能力，調整選課計畫。", "說明跨班選修的選課流程。",
)
COUNSELLING_PLACES = ("輔導室", "諮詢室", "圖書館研討室", "各班教室", "視聽教室")

LEAVE_TYPES = ("事假", "病假", "公假", "曠課", "喪假")

CLASS_CADRE_POSITIONS = ("班長", "副班長", "風紀股長", "學藝股長", "總務股長", "衛生股長", "康樂股長", "輔導股長")
CLUBS = (
    "熱舞社", "吉他社", "熱音社", "桌遊社", "攝影社", "天文社", "辯論社", "動漫社", "籃球社", "羽球社", "國樂社",
    "管樂社", "合唱團", "童軍團", "資訊研究社",
)
CLUB_POSITIONS = ("社長", "副社長")
SCHOOL_BODY = "學生自治會"
SCHOOL_POSITIONS = ("會長", "副會長", "秘書長", "活動長")

DIVERSE_TITLES: dict[str, tuple[str, ...]] = {
    "幹部經歷": ("班級幹部", "社團幹部", "校慶籌備委員", "畢業紀念冊編輯", "畢聯會幹部"),
    "競賽參與": ("全國高級中等學校小論文寫作比賽", "英語演講比賽", "科學展覽", "數學能力競賽", "校內歌唱比賽", "全國語文競賽"),
    "檢定證照": ("全民英檢", "日本語能力試驗", "電腦軟體應用技術士", "多益測驗", "中文打字檢定"),
    "服務學習": ("社區淨灘活動", "圖書館志工", "老人關懷服務", "校園環境維護", "國小課輔志工", "醫院志工"),
    "彈性學習": ("自主學習計畫", "充實增廣課程", "學校特色活動", "選手培訓"),
    "團體活動": ("班級活動", "社團活動", "學生自治會活動", "週會講座"),
    "職場學習": ("企業參訪", "職場見習", "大學實驗室參訪"),
    "作品成果": ("攝影作品", "程式作品", "小說創作", "微電影", "設計作品"),
    "先修課程": ("大學先修課程：微積分", "大學先修課程：普通物理", "大學先修課程：經濟學"),
    "其他": ("校外研習營隊", "國際交流活動", "讀書會"),
}
DIVERSE_ORGANISERS = (
    "本校學務處", "本校教務處", "教育部", "國家發展委員會", "財團法人語言訓練測驗中心", "臺灣大學", "清華大學",
    "成功大學", "縣市政府教育局", "社區發展協會",
)
COMPETITION_EVENTS = ("高中組", "個人組", "團體組", "英文組", "數學科", "物理科", "專題組")
PRECOURSE_PROGRAMMES = ("大學先修課程（AP）", "高中生先修大學課程計畫", "科技校院先修課程")
COMPETITION_AWARDS = ("第一名", "第二名", "第三名", "佳作", "優等", "甲等", "入選")
CERTIFICATE_LEVELS = ("初級", "中級", "中高級", "乙級", "丙級", "N3", "N2")


def numeral(value: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (enough for grades and class numbers)."""
    if value < 10:
        return CHINESE_NUMERALS[value]
    tens, units = divmod(value, 10)
    prefix = "" if tens == 1 else CHINESE_NUMERALS[tens]
    return prefix + "十" + ("" if units == 0 else CHINESE_NUMERALS[units])


@lru_cache(maxsize=None)
def summary_bank() -> pl.Series:
    """About 4,000 summaries of 15-100 characters; about 2% exactly 100 (the limit, still valid)."""
    rng = np.random.default_rng(20240901)
    summaries: list[str] = []
    for _ in range(4000):
        parts = [_OPENERS[rng.integers(len(_OPENERS))]]
        middles = rng.choice(len(_MIDDLES), size=int(rng.integers(1, 5)), replace=False)
        parts.append("，並".join(_MIDDLES[i] for i in middles))
        parts.append(_CLOSINGS[rng.integers(len(_CLOSINGS))])
        text = "".join(parts)
        if rng.random() < 0.02:  # pad to exactly the limit
            while len(text) < 100:
                text += _MIDDLES[rng.integers(len(_MIDDLES))]
            text = text[:99] + "。"
        summaries.append(text[:100])
    return pl.Series("summary", summaries)


@lru_cache(maxsize=None)
def long_summary_bank() -> pl.Series:
    """Summaries of 101-150 characters (R02 violations)."""
    rng = np.random.default_rng(20240902)
    bank = summary_bank().to_list()
    long: list[str] = []
    while len(long) < 200:
        text = "".join(bank[i] for i in rng.integers(0, len(bank), 4))
        if len(text) > 100:
            long.append(text[: int(rng.integers(101, 151))])
    return pl.Series("summary", long)


def pick(bank: tuple[str, ...] | list[str] | pl.Series, rng: np.random.Generator, n: int) -> pl.Series:
    """n random entries of a bank, as a polars Series."""
    series = bank if isinstance(bank, pl.Series) else pl.Series(list(bank), dtype=pl.String)
    return series.gather(rng.integers(0, len(series), n))


def chinese_names(rng: np.random.Generator, n: int) -> pl.Series:
    """Plausible names: a common surname weighted like Taiwan's, then one or two given-name characters."""
    weights = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.8
    surname = rng.choice(len(SURNAMES), size=n, p=weights / weights.sum())
    given = rng.integers(0, len(GIVEN_NAME_CHARACTERS), size=(n, 2))
    single = rng.random(n) < 0.08
    surnames = pl.Series(list(SURNAMES)).gather(surname)
    first = pl.Series(list(GIVEN_NAME_CHARACTERS)).gather(given[:, 0])
    second = pl.Series(list(GIVEN_NAME_CHARACTERS)).gather(given[:, 1])
    second = pl.select(pl.when(pl.lit(pl.Series(single))).then(pl.lit("")).otherwise(pl.lit(second))).to_series()
    return pl.select(pl.concat_str([pl.lit(surnames), pl.lit(first), pl.lit(second)])).to_series().rename("name")


def all_bank_text() -> list[str]:
    """Every string the banks hold (for the cp950 test)."""
    texts = [SURNAMES, GIVEN_NAME_CHARACTERS, CHINESE_NUMERALS, SCHOOL_BODY]
    for bank in (
        _OPENERS, _MIDDLES, _CLOSINGS, TITLE_SUFFIXES, FAIL_REASONS, CHANGE_REASONS, QUALITATIVE_DESCRIPTIONS,
        COUNSELLING_CONTENTS, COUNSELLING_PLACES, LEAVE_TYPES, CLASS_CADRE_POSITIONS, CLUBS, CLUB_POSITIONS,
        SCHOOL_POSITIONS, DIVERSE_ORGANISERS, COMPETITION_AWARDS, CERTIFICATE_LEVELS, COMPETITION_EVENTS, PRECOURSE_PROGRAMMES,
    ):
        texts.extend(bank)
    for titles in DIVERSE_TITLES.values():
        texts.extend(titles)
    texts.extend(summary_bank().to_list())
    texts.extend(long_summary_bank().to_list())
    return texts
