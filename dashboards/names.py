"""What people act on, named as they know it: an item by its course and title (with the start of its
summary), a teacher or student by name, the code only when no name is known."""

from __future__ import annotations

import pandas as pd


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


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with item, teacher and proxy labels beside the codes it has."""
    frame = frame.copy()

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
