"""The sidebar filters (學年度, 學期, 學校, 班級, 基準日), the same on every page that uses them.

Streamlit forgets a widget's value when a page without it runs, so each choice is also kept under a
plain session key and offered again as the default when the next page draws the widget. Each choice is
also written into the address (`?school=…&year=…&term=…&class=…`), so a copied link opens the same
view; a value in the address wins over the kept one when it is among the options (the scope decides
the options, so a link never widens what a person may see).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboards import clock
from dashboards.data import DataAccess
from dashboards.session import config

_KEPT = "kept_"
LINK_PARAMETERS = {"filter_school": "school", "filter_year": "year", "filter_term": "term", "filter_class": "class",
                   "filter_teacher": "teacher"}


_WRITTEN = "linked_"


def _linked(key: str, options: list):
    """The option a followed link names for this filter: the address holds a value this page did not write
    there itself (None when it names none of the options)."""
    wanted = st.query_params.get(LINK_PARAMETERS.get(key, ""))
    if not wanted or wanted == st.session_state.get(_WRITTEN + key):
        return None
    return next((option for option in options if str(option) == wanted), None)


def select(label: str, options: list, key: str, *, format_func=str, help: str | None = None, sidebar: bool = True):
    """A selectbox that keeps its choice across pages and in the address."""
    linked = _linked(key, options)
    if linked is not None:
        st.session_state.pop(key, None)  # a followed link wins over the widget's earlier state
        kept = linked
    else:
        kept = st.session_state.get(_KEPT + key)
    index = options.index(kept) if kept in options else 0
    place = st.sidebar if sidebar else st
    choice = place.selectbox(label, options, index=index, key=key, format_func=format_func, help=help)
    st.session_state[_KEPT + key] = choice
    if key in LINK_PARAMETERS:
        st.query_params[LINK_PARAMETERS[key]] = st.session_state[_WRITTEN + key] = str(choice)
    return choice


def term(data: DataAccess) -> tuple[int, int] | None:
    """學年度 and 學期 with data; None (and a message) when there is none."""
    terms = data.terms()
    if terms.empty:
        st.info("尚無資料：已發布的資料中沒有任何學期。")
        return None
    years = sorted(terms["academic_year"].astype(int).unique().tolist(), reverse=True)
    year = select("學年度", years, "filter_year")
    available = sorted(terms.loc[terms["academic_year"] == year, "term"].astype(int).tolist(), reverse=True)
    chosen = select("學期", available, "filter_term", format_func=lambda value: f"第 {value} 學期")
    return year, chosen


def year(data: DataAccess) -> int | None:
    terms = data.terms()
    if terms.empty:
        st.info("尚無資料：已發布的資料中沒有任何學年度。")
        return None
    years = sorted(terms["academic_year"].astype(int).unique().tolist(), reverse=True)
    return select("學年度", years, "filter_year")


def school(data: DataAccess) -> str | None:
    schools = data.schools()
    if schools.empty:
        st.info("尚無學校資料。")
        return None
    labels = {row.school_code: f"{row.school_code} {row.school_name or ''}　{row.county_name}・{row.school_type_name}"
              for row in schools.itertuples()}
    if len(labels) == 1:
        code = next(iter(labels))
        st.sidebar.markdown(f"**學校**　{labels[code]}")
        return code
    return select("學校", list(labels), "filter_school", format_func=labels.get)


def school_class(data: DataAccess, school_code: str, year: int, term_number: int) -> str | None:
    classes = data.classes(school_code, year, term_number)
    if classes.empty:
        st.info("這個學期沒有可查看的班級。")
        return None
    labels = {row.class_code: f"{row.class_code}　{row.class_name or ''}" for row in classes.itertuples()}
    return select("班級", list(labels), "filter_class", format_func=labels.get)


def as_of(data: DataAccess) -> dt.date:
    """基準日: the day 'days left' and 'days waiting' count from, typed as a ROC or Gregorian date. By
    default the fixed one (portfolio dashboard --as-of), else today or, when today is outside the data's
    latest term, a day inside it (dashboards.clock.reference_day); the sidebar says which."""
    fixed = config().as_of
    why = None
    if fixed is None:
        latest = data.latest_term_deadline()
        fixed, why = clock.reference_day(clock.today(), *latest) if latest else (clock.today(), None)
    kept = st.session_state.get(_KEPT + "filter_as_of") or fixed
    typed = st.sidebar.text_input("基準日", value=clock.roc_date(kept), key="filter_as_of_text", max_chars=10,
                                  help="剩餘天數與等待天數由這一天起算；民國（114/06/30）或西元（2025-06-30）皆可")
    chosen = clock.parse_day(typed)
    if chosen is None:
        st.sidebar.warning(f"看不懂日期「{typed}」，沿用 {clock.roc_date(kept)}；請輸入如 114/06/30 或 2025-06-30")
        chosen = kept
    elif why and chosen == fixed:
        st.sidebar.caption(why)
    st.session_state[_KEPT + "filter_as_of"] = chosen
    return chosen


OWNERSHIP = {"全部": None, "公立": True, "私立": False}


def school_groups(data: DataAccess) -> tuple[tuple[str, ...], tuple[str, ...], bool | None]:
    """縣市, 公私立別 and 公立／私立 for the national pages (none chosen: every school)."""
    schools = data.schools()
    counties = st.sidebar.multiselect("縣市", sorted(schools["county_name"].dropna().unique()), key="filter_counties",
                                      placeholder="全部縣市")
    kinds = st.sidebar.multiselect("公私立別", sorted(schools["school_type_name"].dropna().unique()),
                                   key="filter_school_types", placeholder="全部類別")
    owner = st.sidebar.segmented_control("公立／私立", list(OWNERSHIP), default="全部", key="filter_public")
    return tuple(counties), tuple(kinds), OWNERSHIP.get(owner or "全部")
