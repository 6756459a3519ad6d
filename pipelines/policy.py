"""A school's 補充規定 parameters (../shared/contract/policy.md): national defaults and policy.yaml.

``DEFAULT_POLICY`` is the one place the national defaults live. ``load_policy`` reads a school's
policy.yaml over them and refuses anything it does not understand with a ``PolicyError`` that names
the key: an unknown key, a wrong type, a value out of range, a date it cannot read.

Ranges: a school sets its caps *within* the national rules, so where a national limit exists
(selection caps, summary length, file sizes, retention 1-5 years) it is the maximum; upload caps
and the certification window have generous sanity maxima only. The students' 收訖明細 window has the
national minimum of 3 days as its lower bound.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from pipelines.ingest.dates import parse_date_value
from pipelines.ingest.decoding import FileRejected, decode_text

PROXY_STEPS = (
    "designated_proxy",  # the leaving teacher's own 代理認證教師代碼
    "same_subject_same_grade",
    "same_subject",
    "domain_convener",  # 領域召集人
    "teaching_section_chief",  # 教學組長
)


LATE_ITEM_ACTIONS = ("warn", "forfeit")  # what R26 does with a late upload or selection (seed 003: 逾時視同放棄)
# Units finish this long before the ministry's deadline (seeds 000:149, 001:44: 「兩週前」).
UNIT_LEAD_TIME = timedelta(days=14)


class TermWindow(NamedTuple):
    academic_year: int
    term: int
    upload_deadline: date
    certification_deadline: date
    grade: int | None = None  # None: every grade; a grade's own entry overrides it for that grade


class SubmissionDeadline(NamedTuple):
    academic_year: int
    term: int  # 1, 2, or 0 for the whole-year rosters (pipelines/export/layout.py WHOLE_YEAR)
    roster: str  # a 名冊 of pipelines/export/layout.py WORKBOOKS
    due: date  # the ministry's deadline

    @property
    def internal_deadline(self) -> date:
        """The day the school's units must be done: the one place the two-week lead is applied."""
        return self.due - UNIT_LEAD_TIME


@dataclass(frozen=True)
class Policy:
    course_outcome_upload_cap_per_term: int
    course_outcome_selection_cap_per_year: int
    diverse_upload_cap_per_year: int
    diverse_selection_cap_per_year: int
    summary_max_chars: int
    document_types: tuple[str, ...]
    document_max_bytes: int
    video_types: tuple[str, ...]
    video_max_bytes: int
    certification_days_after_upload: int
    retention_years: int
    proxy_order: tuple[str, ...]
    terms: tuple[TermWindow, ...] = ()  # none by default: the deadline rules then have nothing to check
    selection_deadlines: dict[int, date] = field(default_factory=dict)  # academic year → last day to select
    late_items: str = "warn"  # LATE_ITEM_ACTIONS
    diverse_entry_deadlines: dict[int, date] = field(default_factory=dict)  # academic year → last day to enter 多元表現
    diverse_requires_proof: bool = False  # student-entered 多元表現 need a proof file or an external link
    proxy_needed_for: tuple[str, ...] = ("離職", "留職停薪")  # 教師.在職狀態 values whose queue goes to a proxy
    receipt_confirmation_days: int = 3
    dispute_days: int = 3
    submission_deadlines: tuple[SubmissionDeadline, ...] = ()


DEFAULT_POLICY = Policy(
    course_outcome_upload_cap_per_term=9,
    course_outcome_selection_cap_per_year=6,
    diverse_upload_cap_per_year=30,
    diverse_selection_cap_per_year=10,
    summary_max_chars=100,
    document_types=("pdf", "jpg", "png"),
    document_max_bytes=4 * 1024 * 1024,
    video_types=("mp3", "mp4"),
    video_max_bytes=10 * 1024 * 1024,
    certification_days_after_upload=7,
    retention_years=5,
    proxy_order=PROXY_STEPS,
)

# Inclusive bounds of every integer key.
INT_RANGES: dict[str, tuple[int, int]] = {
    "course_outcome_upload_cap_per_term": (0, 50),
    "course_outcome_selection_cap_per_year": (0, DEFAULT_POLICY.course_outcome_selection_cap_per_year),
    "diverse_upload_cap_per_year": (0, 500),
    "diverse_selection_cap_per_year": (0, DEFAULT_POLICY.diverse_selection_cap_per_year),
    "summary_max_chars": (1, DEFAULT_POLICY.summary_max_chars),
    "document_max_bytes": (1, DEFAULT_POLICY.document_max_bytes),
    "video_max_bytes": (1, DEFAULT_POLICY.video_max_bytes),
    "certification_days_after_upload": (0, 366),
    "retention_years": (1, 5),
    "receipt_confirmation_days": (3, 60),  # national minimum 3 days
    "dispute_days": (1, 60),
}
POLICY_KEYS = tuple(field.name for field in dataclasses.fields(Policy))
# Keys that are lists of dated entries: each is a table of its own downstream, not a column of the school's row.
KEYED_POLICY_KEYS = ("terms", "selection_deadlines", "diverse_entry_deadlines", "submission_deadlines")
_TERM_KEYS = TermWindow._fields
_OPTIONAL_TERM_KEYS = ("grade",)
_SUBMISSION_KEYS = SubmissionDeadline._fields
GRADES = (1, 4)  # 年級 1-3, 4 for some vocational programmes (inputs.md)
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")
_DATE_FORMS = "e.g. 2025-02-03, 114/02/03 or 1140203"


class PolicyError(ValueError):
    """policy.yaml cannot be used; ``key`` is the offending key (``terms[0].term``), None for the whole file.

    ``problems`` lists every error the file has (this one first), each with the value it was given:
    a school fixes them all in one go rather than one per build.
    """

    def __init__(self, key: str | None, detail: str, source: str = "policy.yaml",
                 problems: tuple[PolicyProblem, ...] = ()):
        super().__init__(f"{source}: {detail}")
        self.key = key
        self.detail = detail
        self.source = source
        self.problems = problems or (PolicyProblem(key, None, detail),)


class PolicyProblem(NamedTuple):
    key: str | None
    value: Any  # the value given to the top-level key (None when the whole file is at fault)
    detail: str


def load_policy(path: Path | None, *, source: str | None = None) -> Policy:
    """The policy in ``path`` over the defaults; the defaults when there is no file.

    ``source`` names the file in error messages (default: its file name).
    """
    if path is None or not path.is_file():
        return DEFAULT_POLICY
    source = source or path.name
    try:
        text, _ = decode_text(path.read_bytes(), source)
    except FileRejected as rejected:
        raise PolicyError(None, rejected.message, source) from None
    return parse_policy(text.decode("utf-8"), source=source)


def parse_policy(text: str, source: str = "policy.yaml") -> Policy:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise PolicyError(None, f"not valid YAML{line}: {getattr(error, 'problem', error)}", source) from None
    if document is None:
        return DEFAULT_POLICY
    if not isinstance(document, dict):
        raise PolicyError(None, f"must be a mapping of key: value, got {_kind(document)}", source)
    overrides, problems = {}, []
    for key, value in document.items():
        try:
            _check_known(key, POLICY_KEYS, "")
            overrides[key] = _VALIDATORS[key](key, value)
        except PolicyError as error:  # a list key reports each bad entry, not only its first
            problems.extend(problem._replace(value=value) for problem in error.problems)
    if problems:
        raise PolicyError(problems[0].key, problems[0].detail, source, tuple(problems))
    return dataclasses.replace(DEFAULT_POLICY, **overrides)


def _check_known(key: object, known: tuple[str, ...], prefix: str) -> None:
    if isinstance(key, str) and key in known:
        return
    guess = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    hint = f" (did you mean '{guess[0]}'?)" if guess else f" (known keys: {', '.join(known)})"
    where = f" in '{prefix}'" if prefix else ""
    raise PolicyError(f"{prefix}.{key}" if prefix else str(key), f"unknown key '{key}'{where}{hint}")


def _kind(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _integer(key: str, value: Any, bounds: tuple[int, int]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(key, f"'{key}' must be a whole number, got {_kind(value)}")
    low, high = bounds
    if not low <= value <= high:
        raise PolicyError(key, f"'{key}' must be between {low} and {high}, got {value}")
    return value


def _extensions(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise PolicyError(key, f"'{key}' must be a non-empty list of file extensions like [pdf, jpg], got {_kind(value)}")
    for position, item in enumerate(value):
        if not isinstance(item, str) or not _EXTENSION.fullmatch(item):
            raise PolicyError(
                f"{key}[{position}]",
                f"'{key}[{position}]' must be a lowercase file extension without a dot (like pdf), got {_kind(item)}",
            )
    return tuple(dict.fromkeys(value))


def _proxy_order(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise PolicyError(key, f"'{key}' must be a non-empty list of steps from: {', '.join(PROXY_STEPS)}")
    for position, step in enumerate(value):
        if step not in PROXY_STEPS:
            guess = difflib.get_close_matches(str(step), PROXY_STEPS, n=1, cutoff=0.6)
            hint = f"did you mean '{guess[0]}'?" if guess else f"known steps: {', '.join(PROXY_STEPS)}"
            raise PolicyError(f"{key}[{position}]", f"'{key}[{position}]': unknown step {step!r} ({hint})")
        if step in value[:position]:
            raise PolicyError(f"{key}[{position}]", f"'{key}[{position}]': step '{step}' is listed twice")
    return tuple(value)


def _date(key: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise PolicyError(key, f"'{key}' must be a date without a time, got {value}")
    if isinstance(value, date):
        return value
    parsed = parse_date_value(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if parsed is None:
        raise PolicyError(key, f"'{key}' is not a date ({_DATE_FORMS}), got {_kind(value)}")
    return parsed


def _terms(key: str, value: Any) -> tuple[TermWindow, ...]:
    if not isinstance(value, list):
        raise PolicyError(key, f"'{key}' must be a list of terms (academic_year, term, upload_deadline, certification_deadline)")
    return _each_entry(key, value, _term_window)


def _each_entry(key: str, value: list, parse: Callable[[str, Any, list], Any]) -> tuple:
    """`parse(where, item, parsed_so_far)` for each entry of a list key; every bad entry is reported together
    (a school fixes them all in one go), not only the first."""
    parsed: list = []
    problems: list[PolicyProblem] = []
    for position, item in enumerate(value):
        try:
            parsed.append(parse(f"{key}[{position}]", item, parsed))
        except PolicyError as error:
            problems.extend(error.problems)
    if problems:
        raise PolicyError(problems[0].key, problems[0].detail, problems=tuple(problems))
    return tuple(parsed)


def _term_window(where: str, item: Any, windows: list[TermWindow]) -> TermWindow:
    if not isinstance(item, dict):
        raise PolicyError(where, f"'{where}' must be a mapping with {', '.join(_TERM_KEYS)}, got {_kind(item)}")
    for term_key in item:
        _check_known(term_key, _TERM_KEYS, where)
    for term_key in _TERM_KEYS:
        if term_key not in item and term_key not in _OPTIONAL_TERM_KEYS:
            raise PolicyError(f"{where}.{term_key}", f"'{where}' is missing '{term_key}'")
    window = TermWindow(
        academic_year=_integer(f"{where}.academic_year", item["academic_year"], (1, 999)),
        term=_term_number(f"{where}.term", item["term"]),
        upload_deadline=_date(f"{where}.upload_deadline", item["upload_deadline"]),
        certification_deadline=_date(f"{where}.certification_deadline", item["certification_deadline"]),
        grade=_integer(f"{where}.grade", item["grade"], GRADES) if item.get("grade") is not None else None,
    )
    if window.upload_deadline > window.certification_deadline:
        raise PolicyError(
            f"{where}.upload_deadline",
            f"'{where}.upload_deadline' ({window.upload_deadline}) is after its certification_deadline "
            f"({window.certification_deadline})",
        )
    if any((earlier[:2], earlier.grade) == (window[:2], window.grade) for earlier in windows):
        grade = f" grade {window.grade}" if window.grade is not None else ""
        raise PolicyError(where, f"'{where}' repeats academic_year {window.academic_year} term {window.term}{grade}")
    return window


def _term_number(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2):
        raise PolicyError(key, f"'{key}' must be 1 or 2, got {_kind(value)}")
    return value


def _year_dates(key: str, value: Any) -> dict[int, date]:
    if not isinstance(value, dict):
        raise PolicyError(key, f"'{key}' must be a mapping of academic year: date (like 113: 2025-08-15), got {_kind(value)}")
    deadlines: dict[int, date] = {}
    for year, deadline in value.items():
        where = f"{key}.{year}"
        year_number = int(year) if isinstance(year, str) and year.isdigit() else year
        deadlines[_integer(where, year_number, (1, 999))] = _date(where, deadline)
    return deadlines


def _late_items(key: str, value: Any) -> str:
    if value not in LATE_ITEM_ACTIONS:
        raise PolicyError(key, f"'{key}' must be one of {', '.join(LATE_ITEM_ACTIONS)}, got {_kind(value)}")
    return value


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(key, f"'{key}' must be true or false, got {_kind(value)}")
    return value


def _proxy_statuses(key: str, value: Any) -> tuple[str, ...]:
    from pipelines.contract import EMPLOYMENT_STATUSES  # the 教師.在職狀態 code list

    if not isinstance(value, list):
        raise PolicyError(key, f"'{key}' must be a list of 在職狀態 like [離職, 留職停薪], got {_kind(value)}")
    for position, status in enumerate(value):
        if status not in EMPLOYMENT_STATUSES:
            raise PolicyError(f"{key}[{position}]", f"'{key}[{position}]': {status!r} is not a 在職狀態 "
                              f"({', '.join(EMPLOYMENT_STATUSES)})")
    return tuple(dict.fromkeys(value))


def _submission_deadlines(key: str, value: Any) -> tuple[SubmissionDeadline, ...]:
    if not isinstance(value, list):
        raise PolicyError(key, f"'{key}' must be a list of {{academic_year, term, roster, due}}, got {_kind(value)}")
    return _each_entry(key, value, _submission_deadline)


def _submission_deadline(where: str, item: Any, deadlines: list[SubmissionDeadline]) -> SubmissionDeadline:
    from pipelines.export.layout import TERMS, WORKBOOKS_BY_NAME

    if not isinstance(item, dict):
        raise PolicyError(where, f"'{where}' must be a mapping with {', '.join(_SUBMISSION_KEYS)}, got {_kind(item)}")
    for entry_key in item:
        _check_known(entry_key, _SUBMISSION_KEYS, where)
    for entry_key in _SUBMISSION_KEYS:
        if entry_key not in item:
            raise PolicyError(f"{where}.{entry_key}", f"'{where}' is missing '{entry_key}'")
    term = item["term"]
    if isinstance(term, bool) or term not in TERMS:
        raise PolicyError(f"{where}.term", f"'{where}.term' must be 1, 2 or 0 (whole year), got {_kind(term)}")
    if item["roster"] not in WORKBOOKS_BY_NAME:
        raise PolicyError(f"{where}.roster", f"'{where}.roster': {item['roster']!r} is not a 名冊 "
                          f"({', '.join(WORKBOOKS_BY_NAME)})")
    deadline = SubmissionDeadline(
        academic_year=_integer(f"{where}.academic_year", item["academic_year"], (1, 999)),
        term=term, roster=item["roster"], due=_date(f"{where}.due", item["due"]))
    if any(earlier[:3] == deadline[:3] for earlier in deadlines):
        raise PolicyError(where, f"'{where}' repeats {deadline.roster} of {deadline.academic_year} term {deadline.term}")
    return deadline


_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    **{key: (lambda key, value, bounds=bounds: _integer(key, value, bounds)) for key, bounds in INT_RANGES.items()},
    "document_types": _extensions,
    "video_types": _extensions,
    "proxy_order": _proxy_order,
    "terms": _terms,
    "selection_deadlines": _year_dates,
    "late_items": _late_items,
    "diverse_entry_deadlines": _year_dates,
    "diverse_requires_proof": _boolean,
    "proxy_needed_for": _proxy_statuses,
    "submission_deadlines": _submission_deadlines,
}
assert set(_VALIDATORS) == set(POLICY_KEYS), "every policy key needs a validator"
