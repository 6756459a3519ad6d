"""What people act on, named as they know it: an item by its course and title (with the start of its
summary), a teacher or student by name, a code of a code list by its label, the code only when no name is
known."""

from __future__ import annotations

from functools import cache

import pandas as pd

from pipelines.contract import seed_rows
from pipelines.gate.exported import CODE_LISTS

_LABEL_SUFFIXES = ("_label", "_name")


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "" else str(value)


def item_label(subject, title, excerpt, key) -> str | None:
    """'數學 — 函數圖形報告：以描點法…' ; the item key (CO-0001622, 112-2) when the item is no course outcome."""
    subject, title, excerpt, key = _text(subject), _text(title), _text(excerpt), _text(key)
    if not (subject or title):
        return key
    label = " — ".join(part for part in (subject, title) if part)
    return f"{label}：{excerpt}…" if excerpt else label


def person_label(name, code) -> str | None:
    """The name, else the code (a teacher or student missing from the roster)."""
    return _text(name) or _text(code)


@cache
def code_list(seed: str) -> dict[str, str]:
    """code → label of a code list (seeds/<seed>.csv, the one definition the gate and the exports read): the
    codes are the column the gate's R24 registry (pipelines/gate/exported.py CODE_LISTS) names, the label
    the seed's `label` or first `*_label` / `*_name` column; a list of words (學籍狀態, 多元表現類別) is its
    own label."""
    code_column = next(code_list.seed_column for code_list in CODE_LISTS if code_list.seed == seed)
    rows = seed_rows(seed)
    columns = list(rows[0]) if rows else []
    label = next((column for column in columns if column == "label" or (column.endswith(_LABEL_SUFFIXES)
                                                                        and not column.endswith("sheet_name"))), code_column)
    labels: dict[str, str] = {}
    for row in rows:  # a code listed twice (是否採計學分's legacy 0 → 2) keeps its first label
        labels.setdefault(row[code_column], row[label])
    return labels


def code_label(seed: str, code) -> str | None:
    """'01 阿美族' for a code in its list, the code alone when the list is words (在學), '99（代碼表無此代碼）'."""
    code = _text(code)
    if code is None:
        return None
    labels = code_list(seed)
    if code not in labels:
        return f"{code}（代碼表無此代碼）"
    return code if labels[code] == code else f"{code} {labels[code]}"


def code_list_name(item_key) -> str:
    """The code list an R24 finding names, from its key '群別代碼：…' (the roster column's header): '群別代碼表'."""
    header = (_text(item_key) or "").partition("：")[0]
    return (header.removesuffix("代碼") or "代碼") + "代碼表"


def _code_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """R24's rows (their limit is a code list's seed): the code and which list lacks it, in words."""
    seeds = {code_list.seed for code_list in CODE_LISTS}
    if not {"limit_value", "value"} <= set(frame.columns):
        return frame
    findings = frame["limit_value"].isin(seeds)
    if not findings.any():
        return frame
    frame["value"] = frame["value"].astype(object)
    frame["limit_value"] = frame["limit_value"].astype(object)
    for index in frame.index[findings]:
        seed, key = frame.at[index, "limit_value"], frame.at[index, "item_key"] if "item_key" in frame else None
        frame.at[index, "value"] = code_label(seed, frame.at[index, "value"])
        frame.at[index, "limit_value"] = f"須為{code_list_name(key)}的代碼（共 {len(code_list(seed))} 個，{seed}）"
    return frame


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with item, teacher and proxy labels beside the codes it has, and an R24 finding's code and
    code list in words."""
    frame = _code_findings(frame.copy())

    def column(name: str) -> pd.Series:
        return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)

    key = "item_key" if "item_key" in frame else "outcome_id"
    if key in frame:
        frame["item"] = [item_label(*values) for values in zip(
            column("subject_name"), column("title"), column("summary_excerpt"), frame[key])]
    for role in ("teacher", "proxy"):
        if f"{role}_code" in frame:
            frame[f"{role}_label"] = [person_label(name, code) for name, code
                                      in zip(column(f"{role}_name"), frame[f"{role}_code"])]
    return frame
