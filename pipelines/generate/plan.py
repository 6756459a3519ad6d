"""Per-school choices made before any row exists: calendar, policy, file formats.

Everything is derived from (seed, school index), so a school is generated the same way whatever
else is generated beside it, in whichever process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from pipelines.contract import FILES
from pipelines.roc import ROC_OFFSET, roc_date

ENROLLED = ("在學", "復學", "轉入", "重讀")  # enrolled 學籍狀態: rules.md R14 and the expected counts


@dataclass(frozen=True)
class TermWindow:
    index: int  # 0-based term index over the generated years (ti)
    academic_year: int
    term: int
    start: date  # 開學
    closing: date  # 休業式
    upload_deadline: date  # 休業式 + 2 weeks
    certification_deadline: date  # 休業式 + 3 weeks


@dataclass(frozen=True)
class YearWindow:
    academic_year: int
    selection_start: date  # the day after term 2's certification deadline
    selection_deadline: date
    diverse_entry_deadline: date  # last day students enter 多元表現 (seed 003: 31 July)


@dataclass(frozen=True)
class FileFormat:
    container: str  # csv | xlsx
    encoding: str | None  # utf-8 | utf-8-sig | cp950 (csv only)
    date_style: str  # iso | roc | roc_compact
    timestamp_style: str  # roc_seconds (113/09/01 13:05:00) | iso_minutes (2024-09-01 13:05) | roc_meridiem
    time_style: str  # hm | hms
    null_token: str  # "", NULL or -1 (all mean missing)
    line_terminator: str
    shuffle_columns: bool
    extra_column: bool
    header_noise: bool
    value_noise: bool  # a few full-width codes and padded values


@dataclass(frozen=True)
class Limits:
    """The policy values the generator and the truth use (national defaults unless policy.yaml says)."""

    course_outcome_upload_cap_per_term: int = 9
    course_outcome_selection_cap_per_year: int = 6
    diverse_upload_cap_per_year: int = 30
    diverse_selection_cap_per_year: int = 10
    summary_max_chars: int = 100
    document_types: tuple[str, ...] = ("pdf", "jpg", "png")
    document_max_bytes: int = 4 * 1024 * 1024
    video_types: tuple[str, ...] = ("mp3", "mp4")
    video_max_bytes: int = 10 * 1024 * 1024
    certification_days_after_upload: int = 7


@dataclass(frozen=True)
class SchoolPlan:
    index: int
    code: str
    students: int
    seed: int
    error_rate: float
    terms: tuple[TermWindow, ...]
    years: dict[int, YearWindow]
    has_policy: bool
    limits: Limits
    policy_yaml: str | None
    formats: dict[str, FileFormat] = field(default_factory=dict)
    group_activity_credit: bool = False  # 團體活動時間 coded with attribute D (carries 1 credit)
    undecodable_kind: str | None = None  # this file is written as undecodable bytes
    legacy_layout: bool = False  # delivers the input contract's old layout (no v2 columns, 是否採計學分 1/0)

    @property
    def deadlines_in_policy(self) -> bool:
        """Only a policy.yaml gives deadlines; without one R16/R20 (and R17's deadline part) check nothing."""
        return self.has_policy


def as_of_date(years: tuple[int, int]) -> date:
    """The date the truth assumes for time-based rules: 31 August after the last year.

    Every selection deadline falls on 8-18 August and every generated event (late selections
    included, at most 5 days after a deadline) lies before this date.
    """
    return date(years[1] + ROC_OFFSET + 1, 8, 31)


def rng_for(seed: int, index: int, stage: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, stage])


def _days(rng: np.random.Generator, low: int, high: int) -> timedelta:
    return timedelta(days=int(rng.integers(low, high + 1)))


def calendar(rng: np.random.Generator, years: tuple[int, int]) -> tuple[tuple[TermWindow, ...], dict[int, YearWindow]]:
    terms: list[TermWindow] = []
    year_windows: dict[int, YearWindow] = {}
    for year in range(years[0], years[1] + 1):
        gregorian = year + ROC_OFFSET
        start1 = date(gregorian, 8, 30) + _days(rng, -2, 2)
        closing1 = date(gregorian + 1, 1, 20) + _days(rng, -4, 4)
        start2 = date(gregorian + 1, 2, 11) + _days(rng, -3, 2)
        closing2 = date(gregorian + 1, 6, 30) + _days(rng, -4, 3)
        for term, (start, closing) in enumerate(((start1, closing1), (start2, closing2)), start=1):
            terms.append(TermWindow(
                index=len(terms), academic_year=year, term=term, start=start, closing=closing,
                upload_deadline=closing + timedelta(days=14), certification_deadline=closing + timedelta(days=21),
            ))
        year_windows[year] = YearWindow(
            academic_year=year,
            selection_start=terms[-1].certification_deadline + timedelta(days=1),
            selection_deadline=date(gregorian + 1, 8, 8) + _days(rng, 0, 10),
            diverse_entry_deadline=date(gregorian + 1, 7, 31),
        )
    return tuple(terms), year_windows


# Which files a school may deliver as XLSX: small ones (xlsxwriter is slow on big files).
SMALL_FILES = ("classes", "teachers", "cadres", "absences", "autobiographies")
_ENCODING_CYCLE = ("utf-8", "cp950", "utf-8-sig", "cp950", "utf-8")
_CAP_CYCLE = (6, 3, None, 6, 3, 9)  # None: no policy.yaml (national default 9)
_LEGACY_EVERY = 3  # every third school still delivers the old layout (the sample's third school)


def plan_school(index: int, code: str, students: int, years: tuple[int, int], seed: int,
                error_rate: float, undecodable: bool) -> SchoolPlan:
    """The school's calendar, policy and file formats.

    Deterministic cycles (not random draws) make sure even a handful of schools shows every
    encoding, XLSX, caps 3/6/9 and a school without policy.yaml.
    """
    rng = rng_for(seed, index, 0)
    terms, year_windows = calendar(rng, years)
    cap = _CAP_CYCLE[index % len(_CAP_CYCLE)]
    has_policy = cap is not None
    cert_days = int(rng.choice([7, 7, 7, 5, 10, 14]))
    limits = Limits(course_outcome_upload_cap_per_term=cap or 9,
                    certification_days_after_upload=cert_days if has_policy else 7)
    policy_yaml = _policy_yaml(rng, limits, terms, year_windows) if has_policy else None

    school_encoding = _ENCODING_CYCLE[index % len(_ENCODING_CYCLE)]
    xlsx_small = index % 4 == 1
    xlsx_students = index % 20 == 1 and students <= 2000
    formats: dict[str, FileFormat] = {}
    for spec in (spec for spec in FILES if not spec.after_submission):
        container = "csv"
        if (xlsx_small and spec.kind in SMALL_FILES) or (xlsx_students and spec.kind == "students"):
            container = "xlsx"
        encoding = school_encoding
        if rng.random() < 0.15:
            encoding = str(rng.choice(["utf-8", "utf-8-sig", "cp950"]))
        formats[spec.kind] = FileFormat(
            container=container,
            encoding=encoding if container == "csv" else None,
            date_style=str(rng.choice(["iso", "roc", "roc_compact"])),
            timestamp_style=str(rng.choice(["roc_seconds", "iso_minutes", "roc_meridiem"])),
            time_style=str(rng.choice(["hm", "hms"])),
            null_token=str(rng.choice(["", "NULL", "-1"], p=[0.75, 0.15, 0.10])),
            line_terminator="\r\n" if encoding == "cp950" and rng.random() < 0.7 else "\n",
            shuffle_columns=bool(rng.random() < 0.15),
            extra_column=bool(rng.random() < 0.10),
            header_noise=bool(rng.random() < 0.10),
            value_noise=bool(rng.random() < 0.25),
        )
    return SchoolPlan(
        index=index, code=code, students=students, seed=seed, error_rate=error_rate, terms=terms,
        years=year_windows, has_policy=has_policy, limits=limits, policy_yaml=policy_yaml, formats=formats,
        group_activity_credit=bool(rng.random() < 0.3), undecodable_kind="absences" if undecodable else None,
        legacy_layout=index % _LEGACY_EVERY == _LEGACY_EVERY - 1,
    )


def _policy_yaml(rng: np.random.Generator, limits: Limits, terms: tuple[TermWindow, ...],
                 year_windows: dict[int, YearWindow]) -> str:
    """policy.yaml text (policy.md keys). Dates ISO or ROC; optional keys sometimes restated."""
    roc = rng.random() < 0.3

    def when(value: date) -> str:
        return f'"{roc_date(value)}"' if roc else value.isoformat()

    lines = ["# 學習歷程檔案補充規定參數 (generated)",
             f"course_outcome_upload_cap_per_term: {limits.course_outcome_upload_cap_per_term}"]
    if rng.random() < 0.5:
        lines += [f"course_outcome_selection_cap_per_year: {limits.course_outcome_selection_cap_per_year}",
                  f"diverse_upload_cap_per_year: {limits.diverse_upload_cap_per_year}",
                  f"diverse_selection_cap_per_year: {limits.diverse_selection_cap_per_year}",
                  f"summary_max_chars: {limits.summary_max_chars}",
                  "document_types: [pdf, jpg, png]",
                  f"document_max_bytes: {limits.document_max_bytes}",
                  "video_types: [mp3, mp4]",
                  f"video_max_bytes: {limits.video_max_bytes}"]
    lines.append(f"certification_days_after_upload: {limits.certification_days_after_upload}")
    lines.append(f"retention_years: {int(rng.integers(1, 6))}")
    if rng.random() < 0.5:
        order = ["designated_proxy", "same_subject_same_grade", "same_subject", "domain_convener",
                 "teaching_section_chief"]
        if rng.random() < 0.4:
            order = [order[0], order[2], order[3], order[4]]
        lines.append("proxy_order:")
        lines += [f"  - {step}" for step in order]
    lines.append("terms:")
    for window in terms:
        lines += [f"  - academic_year: {window.academic_year}",
                  f"    term: {window.term}",
                  f"    upload_deadline: {when(window.upload_deadline)}",
                  f"    certification_deadline: {when(window.certification_deadline)}"]
    lines.append("selection_deadlines:")
    lines += [f"  {year}: {when(window.selection_deadline)}" for year, window in year_windows.items()]
    lines.append("diverse_entry_deadlines:")
    lines += [f"  {year}: {when(window.diverse_entry_deadline)}" for year, window in year_windows.items()]
    lines.append("submission_deadlines:")
    lines += [f"  - {{academic_year: {year}, term: {term}, roster: {roster}, due: {when(due)}}}"
              for year in year_windows for term, roster, due in submission_deadlines(year)]
    return "\n".join(lines) + "\n"


def submission_deadlines(year: int) -> list[tuple[int, str, date]]:
    """(term, 名冊, due) of an academic year as the ministry sets them: a term's rosters by 10 March (term 1)
    or 10 September (term 2), the whole-year rosters (term 0) by 10 September, after the year ends."""
    from pipelines.export.layout import TERMS, WHOLE_YEAR, workbooks_for

    gregorian = year + ROC_OFFSET + 1  # the calendar year of the academic year's spring
    due = {1: date(gregorian, 3, 10), 2: date(gregorian, 9, 10), WHOLE_YEAR: date(gregorian, 9, 10)}
    return [(term, workbook.name, due[term]) for term in TERMS for workbook in workbooks_for(term)]
