"""提交與收訖: frozen submissions, re-submissions, integrity checks, receipt discrepancies, and the students'
confirmations of each receipt with the open dispute cases (by roster and by class, owner unit, due date)."""

import pandas as pd
import streamlit as st

from dashboards import charts, clock, filters, session, widgets
from dashboards import formatting as fmt

st.title("提交與收訖")
data = session.data_access()

OUTCOMES = {"rejected": "退件", "missing": "未列於收訖明細", "unexpected": "非本次提交"}
SUBMISSION_COLUMNS = {
    "school_code": st.column_config.TextColumn("學校代碼"),
    "school_name": st.column_config.TextColumn("學校名稱"),
    "term_label": st.column_config.TextColumn("學期", help="0 為全學年名冊"),
    "revision_label": st.column_config.TextColumn("版次"),
    "folder": st.column_config.TextColumn("資料夾"),
    "submitted_label": st.column_config.TextColumn("提交時間", help="臺北時間"),
    "submitted_by": st.column_config.TextColumn("提交人"),
    "submitting_units": st.column_config.TextColumn("提交處室", help="依處室分別提交名冊時（portfolio submit --unit）"),
    "kind": st.column_config.TextColumn("匯出"),
    "rows_submitted": fmt.count_column("提交列數"),
    "integrity": st.column_config.TextColumn("檔案完整性"),
    "received": fmt.count_column("收訖"),
    "rejected": fmt.count_column("退件"),
    "missing": fmt.count_column("未列入"),
    "unexpected": fmt.count_column("非本次提交"),
}
SCHOOL_COLUMNS = {
    "school_code": st.column_config.TextColumn("學校代碼"),
    "school_name": st.column_config.TextColumn("學校名稱"),
    "submissions": fmt.count_column("提交（份）"),
    "resubmissions": fmt.count_column("重新提交（份）"),
    "rows_submitted": fmt.count_column("提交列數"),
    "received": fmt.count_column("收訖"),
    "rejected": fmt.count_column("退件"),
    "missing": fmt.count_column("未列入"),
    "unexpected": fmt.count_column("非本次提交"),
}
DISCREPANCY_COLUMNS = {
    "term_label": st.column_config.TextColumn("學期"),
    "outcome_label": st.column_config.TextColumn("差異"),
    "workbook": st.column_config.TextColumn("名冊"),
    "sheet": st.column_config.TextColumn("工作表"),
    "class_code": st.column_config.TextColumn("班級"),
    "seat_number": st.column_config.NumberColumn("座號", format="%d"),
    "student_number": st.column_config.TextColumn("學號"),
    "national_id_masked": st.column_config.TextColumn("身分證號"),
    "item": st.column_config.TextColumn("項目", help="課程名稱在前，項目鍵（身分證號已遮蔽）在後"),
    "reason": st.column_config.TextColumn("退件原因", width="medium"),
}

CONFIRMATION_COLUMNS = {
    "school_code": st.column_config.TextColumn("學校代碼"),
    "school_name": st.column_config.TextColumn("學校名稱"),
    "term_label": st.column_config.TextColumn("學期"),
    "students": fmt.count_column("學生"),
    "confirmed": fmt.count_column("已確認"),
    "disputed": fmt.count_column("有誤"),
    "unconfirmed": fmt.count_column("未確認"),
    "window_label": st.column_config.TextColumn("確認期限", help="民國日期，當天（臺北時間）仍可回覆"),
    "late_replies": fmt.count_column("逾期回覆（項）"),
    "guardian_replies": fmt.count_column("家長代為確認（項）"),
    "open_disputes": fmt.count_column("未結申訴"),
    "closed_disputes": fmt.count_column("已結申訴"),
}
# open dispute cases, English column → Chinese header, for the table and the downloads alike
CASE_HEADERS = {
    "case_id": "案號",
    "term_label": "學期",
    "workbook": "名冊",
    "sheet": "工作表",
    "class_code": "班級",
    "seat_number": "座號",
    "student_number": "學號",
    "student_name": "姓名",
    "item": "項目",
    "owner_unit": "承辦單位",
    "replied_label": "回覆時間",
    "by_label": "回覆人",
    "due_label": "處理期限",
    "days_label": "剩餘天數",
}
ROSTER_COLUMNS = {
    "workbook": st.column_config.TextColumn("名冊"),
    "owner_unit": st.column_config.TextColumn("承辦單位"),
    "open_cases": fmt.count_column("未結申訴"),
    "due_label": st.column_config.TextColumn("最早期限"),
}
CLASS_COLUMNS = {
    "term_label": st.column_config.TextColumn("學期"),
    "class_code": st.column_config.TextColumn("班級"),
    "open_cases": fmt.count_column("未結申訴"),
    "students": fmt.count_column("學生"),
    "due_label": st.column_config.TextColumn("最早期限"),
}


def term_labels(frame: pd.DataFrame) -> list[str]:
    return [f"{y}_{t}" for y, t in zip(frame["academic_year"], frame["term"])]


def draw_confirmations(progress, as_of, file_stem: str) -> None:
    """Each receipt's confirmation progress, then (row level) the open dispute cases."""
    st.subheader("學生確認收訖明細")
    if progress.terms.empty:
        st.info("尚未核對收訖明細，學生確認期間尚未開始（portfolio reconcile）。")
        return
    totals = progress.totals
    columns = st.columns(4)
    columns[0].metric("已確認", f"{fmt.number(totals['confirmed'])}／{fmt.number(totals['students'])} 人", border=True,
                      help="每一項收訖或退件的項目都回覆正確的學生")
    columns[1].metric("有誤", f"{fmt.number(totals['disputed'])} 人", border=True)
    columns[2].metric("未確認", f"{fmt.number(totals['unconfirmed'])} 人", border=True)
    columns[3].metric("未結申訴", f"{fmt.number(totals['open_disputes'])} 件", border=True,
                      help="學生回覆有誤開立的申訴案件，更正重新提交或學校回覆理由後結案")
    terms = progress.terms.assign(term_label=term_labels(progress.terms),
                                  window_label=[clock.roc_date(day) for day in progress.terms["window_closes"]])
    st.dataframe(terms, column_order=[name for name in CONFIRMATION_COLUMNS if name != "school_name" or len(terms) > 1],
                 column_config=CONFIRMATION_COLUMNS, hide_index=True, placeholder="—")
    if not progress.row_level:
        st.caption("教育主管機關帳號僅顯示彙總人數與件數，不顯示個別學生或申訴案件。")
        return
    st.subheader(f"未結申訴案件（{fmt.number(len(progress.cases))} 件）")
    if progress.cases.empty:
        st.success("沒有未結的申訴案件。")
        return
    st.caption(f"剩餘天數以基準日 {clock.roc_date(as_of)} 起算；結案：更正後重新提交（自動），"
               "或 portfolio receipts answer --case 案號 --reason 理由")
    left, right = st.columns(2)
    left.markdown("**依名冊**")
    left.dataframe(progress.by_roster.assign(due_label=[clock.roc_date(day) for day in progress.by_roster["earliest_due"]]),
                   column_order=list(ROSTER_COLUMNS), column_config=ROSTER_COLUMNS, hide_index=True, placeholder="—")
    right.markdown("**依班級**")
    right.dataframe(progress.by_class.assign(term_label=term_labels(progress.by_class),
                                             due_label=[clock.roc_date(day) for day in progress.by_class["earliest_due"]]),
                    column_order=list(CLASS_COLUMNS), column_config=CLASS_COLUMNS, hide_index=True, placeholder="—")
    cases = progress.cases.assign(
        term_label=term_labels(progress.cases),
        replied_label=[clock.roc_datetime(at) + ("（逾期）" if late else "")
                       for at, late in zip(progress.cases["replied_at"], progress.cases["is_late"])],
        by_label=[by if isinstance(by, str) and by else "學生" for by in progress.cases["confirmed_by"]],
        due_label=[clock.roc_date(day) for day in progress.cases["due_date"]],
        days_label=[fmt.days_left(days) for days in progress.cases["days_left"]],
    )
    table = cases[list(CASE_HEADERS)].rename(columns=CASE_HEADERS)
    st.dataframe(table, column_config={"座號": st.column_config.NumberColumn("座號", format="%d")},
                 hide_index=True, placeholder="—")
    widgets.download_buttons(table, f"{file_stem}_未結申訴案件", "未結申訴案件")


def integrity(value) -> str:
    if pd.isna(value):  # never verified: DuckDB's NULL boolean arrives as pd.NA, which has no truth value
        return "未檢查"
    return "完整" if value else "已變動"


with session.guard():
    year = filters.year(data)
    as_of = filters.as_of(data)
    school = None if data.scope.sees_all_schools else data.scope.school_code
    view = data.submissions(year, school) if year else None
    if view is None or not view.available or view.submissions.empty:
        st.info("尚無提交紀錄")
        st.caption("名冊匯出並標記為已提交（portfolio export、portfolio submit）後，提交、重新提交、"
                   "檔案完整性與收訖核對（portfolio reconcile）會在下次建置或發布後出現在這裡。")
    else:
        totals = view.totals
        st.caption(f"{year} 學年度　{'本校' if school else '各校（僅彙總）'}")
        columns = st.columns(5)
        columns[0].metric("已提交", f"{fmt.number(totals['submissions'])} 份", border=True,
                          help="每份為一所學校一個學期（或全學年）的名冊資料夾，提交後凍結")
        columns[1].metric("重新提交", f"{fmt.number(totals['resubmissions'])} 份", border=True)
        columns[2].metric("收訖率", fmt.percent(totals["received_rate"]), border=True,
                          help="已核對收訖明細的提交中，收訖列數占（收訖＋退件＋未列入）的比率")
        columns[3].metric("退件", f"{fmt.number(totals['rejected'])} 列", border=True)
        columns[4].metric("未列入／非本次", f"{fmt.number(totals['missing'])}／{fmt.number(totals['unexpected'])} 列",
                          border=True)
        if totals["not_intact"]:
            st.error(f"{totals['not_intact']} 份已提交的資料夾檔案已變動（portfolio verify）：請勿修改已提交的檔案，"
                     "更正請重新匯出並提交新版次。")

        frame = view.submissions.assign(
            term_label=[f"{y}_{t}" for y, t in zip(view.submissions["academic_year"], view.submissions["term"])],
            revision_label=[f"第 {r} 版" + ("（重新提交）" if r else "") for r in view.submissions["revision"]],
            kind=["部分匯出" if partial else "完整" for partial in view.submissions["is_partial"]],
            submitted_label=[clock.roc_datetime(at) for at in view.submissions["submitted_at"]],
            integrity=[integrity(value) for value in view.submissions["is_intact"]],
            label=[f"{s} {f}" for s, f in zip(view.submissions["school_code"], view.submissions["folder"])],
        )
        reconciled = frame[frame["reconciliation_id"].notna()]
        if not reconciled.empty:
            st.subheader("收訖核對結果")
            st.altair_chart(charts.stacked_counts(
                reconciled, "label", {"rejected": ("退件", charts.ERROR_COLOR),
                                      "missing": ("未列於收訖明細", charts.WARNING_COLOR),
                                      "unexpected": ("非本次提交", charts.NEUTRAL_COLOR)},
                category_title="學校 資料夾", value_title="列數"), width="stretch")
        if len(view.per_school) > 1:
            st.subheader("各校提交")
            st.dataframe(view.per_school, column_order=list(SCHOOL_COLUMNS), column_config=SCHOOL_COLUMNS, hide_index=True, placeholder="—")
        st.subheader("提交紀錄")
        st.dataframe(frame, column_order=list(SUBMISSION_COLUMNS), column_config=SUBMISSION_COLUMNS, hide_index=True, placeholder="—")

        if view.row_level:
            st.subheader(f"收訖差異（{fmt.number(len(view.discrepancies))} 列）")
            if view.discrepancies.empty:
                st.success("已核對的收訖明細沒有差異。" if totals["reconciled"] else "尚未核對收訖明細（portfolio reconcile）。")
            else:
                discrepancies = view.discrepancies.assign(
                    outcome_label=view.discrepancies["outcome"].map(OUTCOMES).fillna(view.discrepancies["outcome"]),
                    term_label=[f"{y}_{t}" for y, t in zip(view.discrepancies["academic_year"], view.discrepancies["term"])])
                kinds = ["全部", *OUTCOMES.values()]
                picked = st.segmented_control("差異類別", kinds, default="全部", key="receipt_outcome")
                if picked and picked != "全部":
                    discrepancies = discrepancies[discrepancies["outcome_label"] == picked]
                st.dataframe(discrepancies, column_order=list(DISCREPANCY_COLUMNS), column_config=DISCREPANCY_COLUMNS,
                             hide_index=True, placeholder="—")
        else:
            st.caption("教育主管機關帳號僅顯示彙總列數，不顯示個別學生資料。")

        draw_confirmations(data.confirmations(year, as_of, school), as_of, f"{school or '全國'}_{year}")
