"""The sidebar filters (學年度, 學期, 學校, 班級, 基準日), the same on every page that uses them.

Streamlit forgets a widget's value when a page without it runs, so each choice is also kept under a
plain session key and offered again as the default when the next page draws the widget.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards.data import DataAccess
from dashboards.session import config

_KEPT = "kept_"


def _select(label: str, options: list, key: str, *, format_func=str, help: str | None = None):
    kept = st.session_state.get(_KEPT + key)
    index = options.index(kept) if kept in options else 0
    choice = st.sidebar.selectbox(label, options, index=index, key=key, format_func=format_func, help=help)
    st.session_state[_KEPT + key] = choice
    return choice


def term(data: DataAccess) -> tuple[int, int] | None:
    """學年度 and 學期 with data; None (and a message) when there is none."""
    terms = data.terms()
    if terms.empty:
        st.info("尚無資料：已發布的資料中沒有任何學期。")
        return None
    years = sorted(terms["academic_year"].astype(int).unique().tolist(), reverse=True)
    year = _select("學年度", years, "filter_year")
    available = sorted(terms.loc[terms["academic_year"] == year, "term"].astype(int).tolist(), reverse=True)
    chosen = _select("學期", available, "filter_term", format_func=lambda value: f"第 {value} 學期")
    return year, chosen


def year(data: DataAccess) -> int | None:
    terms = data.terms()
    if terms.empty:
        st.info("尚無資料：已發布的資料中沒有任何學年度。")
        return None
    years = sorted(terms["academic_year"].astype(int).unique().tolist(), reverse=True)
    return _select("學年度", years, "filter_year")


def school(data: DataAccess) -> str | None:
    schools = data.schools()
    if schools.empty:
        st.info("尚無學校資料。")
        return None
    labels = {row.school_code: f"{row.school_code}　{row.county_name}・{row.school_type_name}"
              for row in schools.itertuples()}
    if len(labels) == 1:
        code = next(iter(labels))
        st.sidebar.markdown(f"**學校**　{labels[code]}")
        return code
    return _select("學校", list(labels), "filter_school", format_func=labels.get)


def school_class(data: DataAccess, school_code: str, year: int, term_number: int) -> str | None:
    classes = data.classes(school_code, year, term_number)
    if classes.empty:
        st.info("這個學期沒有可查看的班級。")
        return None
    labels = {row.class_code: f"{row.class_code}　{row.class_name or ''}" for row in classes.itertuples()}
    return _select("班級", list(labels), "filter_class", format_func=labels.get)


def as_of() -> dt.date:
    """基準日: the day 'days left' and 'days waiting' count from (default today, or PORTFOLIO_AS_OF)."""
    default = st.session_state.get(_KEPT + "filter_as_of") or config().as_of
    chosen = st.sidebar.date_input("基準日", value=default, key="filter_as_of", format="YYYY/MM/DD",
                                   help="剩餘天數與等待天數由這一天起算")
    chosen = chosen if isinstance(chosen, dt.date) else pd.Timestamp(chosen).date()
    st.session_state[_KEPT + "filter_as_of"] = chosen
    return chosen
