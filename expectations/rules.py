"""The rule catalogue (../shared/contract/rules.md) as data: defined once, used by suites, gate and reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "policy": reported, never blocks; what happens to the items is the school's policy's (R26: late items are
# forfeited, i.e. left out of the exports, or only warned about).
Severity = Literal["error", "warning", "policy"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    grain: str  # what one offending row is
    title: str  # 繁體中文, as the report shows it
    fixer: str  # who must act on an offending row
    area: str  # course_outcomes, certification, selections, diverse_performances, identities

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


RULES: tuple[Rule, ...] = (
    Rule("R01", "error", "course outcome", "課程學習成果缺成果簡述", "學生（導師提醒）", "course_outcomes"),
    Rule("R02", "error", "course outcome", "課程學習成果簡述超過字數上限", "學生（導師提醒）", "course_outcomes"),
    Rule("R03", "error", "course outcome", "課程學習成果未附文件或影音檔", "學生（導師提醒）", "course_outcomes"),
    Rule("R04", "error", "course outcome", "課程學習成果檔案類型或大小不符", "學生（導師提醒）", "course_outcomes"),
    Rule("R05", "error", "student × term", "每學期課程學習成果上傳件數超過上限", "學生（導師提醒）", "course_outcomes"),
    Rule("R06", "error", "course outcome", "課程學習成果對不到修課紀錄", "註冊組（核對修課紀錄）或學生（更正課程）", "course_outcomes"),
    Rule("R07", "error", "student × year", "勾選課程學習成果超過每學年上限", "學生（取消多餘勾選）", "selections"),
    Rule("R08", "error", "selected course outcome", "勾選的課程學習成果未通過認證", "學生（改選）或任課教師（認證）", "selections"),
    Rule("R09", "error", "certification event", "認證未通過未填說明", "任課教師（補填說明）", "certification"),
    Rule("R10", "error", "diverse performance", "多元表現簡述、檔案或外部連結不符規定", "學生（導師提醒）", "diverse_performances"),
    Rule("R11", "error", "student × year", "學生自填多元表現件數超過每學年上限", "學生（導師提醒）", "diverse_performances"),
    Rule("R12", "error", "student × year", "勾選學生自填多元表現超過每學年上限", "學生（取消多餘勾選）", "selections"),
    Rule("R13", "error", "student", "身分證號（居留證號）格式或檢查碼錯誤", "註冊組", "identities"),
    Rule("R14", "error", "school × term", "同學期學生身分證號或學號重複", "註冊組", "identities"),
    Rule("R15", "error", "course record", "課程代碼格式錯誤", "註冊組／教學組", "identities"),
    Rule("R16", "warning", "course outcome", "課程學習成果逾期上傳", "學生（導師留意）", "course_outcomes"),
    Rule("R17", "warning", "course outcome", "課程學習成果待認證逾期", "任課教師", "certification"),
    Rule("R18", "warning", "course outcome", "認證教師已離職或留職停薪，成果尚未認證", "代理認證教師", "certification"),
    Rule("R19", "warning", "course record", "成績及格註記與學期成績不一致", "註冊組", "identities"),
    Rule("R20", "warning", "selection", "勾選時間晚於勾選截止日", "學生（導師留意）", "selections"),
    Rule("R21", "error", "course outcome", "課程學習成果所屬課程不採計學分", "學生（改選課程）或註冊組（核對修課紀錄）", "course_outcomes"),
    Rule("R22", "error", "course outcome / diverse performance / selection", "學生該學期不在籍", "註冊組（核對學籍）",
         "identities"),
    Rule("R23", "error", "student", "出生日期缺漏或與年級不符", "註冊組", "identities"),
    Rule("R24", "error", "exported row", "代碼不在代碼表內", "註冊組／資料登錄單位", "identities"),
    Rule("R25", "error", "exported row", "同一工作表同一學生項目鍵重複", "註冊組／資料登錄單位", "identities"),
    Rule("R26", "policy", "course outcome / selection", "逾期上傳或勾選（依補充規定視同放棄或僅提醒）", "學生（導師留意）",
         "selections"),
    Rule("R27", "error", "diverse performance", "多元表現逾登錄期限或未附證明", "學生（導師提醒）", "diverse_performances"),
    Rule("R28", "warning", "course outcome", "認證者非授課或代理教師，或認證後又更動", "任課教師／教學組", "certification"),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

SEVERITY_LABELS: dict[str, str] = {"error": "錯誤", "warning": "警告", "policy": "依補充規定"}

AREA_LABELS: dict[str, str] = {
    "course_outcomes": "課程學習成果",
    "certification": "認證",
    "selections": "勾選",
    "diverse_performances": "多元表現",
    "identities": "學籍與修課紀錄",
}
