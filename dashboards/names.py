"""What people act on, named as they know it: an item by its course and title (with the start of its
summary), a teacher or student by name, a code of a code list by its label, the code only when no name is
known. The labels are pipelines/names.py's, the one definition the reports (gate.html, gate.xlsx, reminder
lists) use too; here they are put beside the codes of the pages' frames."""

from __future__ import annotations

import pandas as pd

from pipelines.gate.exported import CODE_LISTS
from pipelines.names import code_label, code_list, code_list_name, code_list_requirement, item_label, person_label

__all__ = ["code_label", "code_list", "code_list_name", "code_list_requirement", "item_label", "labelled", "person_label"]


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
        frame.at[index, "limit_value"] = code_list_requirement(seed, key)
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
