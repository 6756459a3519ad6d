"""學校: can this school submit? One school by grade and class, its deadlines, gate and submission status;
each 名冊's ministry deadline and the owning unit's own one, and what blocks submission."""

import pandas as pd
import streamlit as st

from dashboards import charts, clock, filters, session, widgets
from dashboards import formatting as fmt

st.title("學校")
data = session.data_access()

CLASS_COLUMNS = {
    "grade": st.column_config.NumberColumn("年級", format="%d"),
    "class_code": st.column_config.TextColumn("班級代碼"),
    "class_name": st.column_config.TextColumn("班級"),
    "homeroom_teacher_name": st.column_config.TextColumn("導師"),
    "students_enrolled": fmt.count_column("在學學生"),
    "completion_rate": fmt.rate_column("完成率", help="至少一件課程學習成果認證通過的學生比率"),
    "upload_rate": fmt.rate_column("上傳率"),
    "selection_rate": fmt.rate_column("勾選率"),
    "students_without_certified": fmt.count_column("尚無認證通過（人）"),
    "outcomes_pending": fmt.count_column("待認證（件）"),
    "outcomes_failed": fmt.count_column("未通過（件）"),
}
GRADE_COLUMNS = {key: CLASS_COLUMNS[key] for key in (
    "grade", "students_enrolled", "completion_rate", "upload_rate", "selection_rate", "students_without_certified",
    "outcomes_pending")} | {"members": fmt.count_column("班級數")}
RATES = ("completion_rate", "upload_rate", "selection_rate")
ROSTER_HEADERS = {  # shown and downloaded alike, nearest deadline first
    "roster": "名冊", "owner_unit": "負責處室", "internal_due": "處室期限", "internal_left": "處室剩餘",
    "due": "國教署期限", "left": "國教署剩餘", "state": "狀態", "submitted": "提交", "term_label": "學期",
}
BLOCKING_COLUMNS = {
    "folder": st.column_config.TextColumn("資料夾"),
    "rosters": st.column_config.TextColumn("名冊", width="medium"),
    "rule_id": st.column_config.TextColumn("規則"),
    "rule_title": st.column_config.TextColumn("說明", width="large"),
    "violations": fmt.count_column("筆數"),
}
BLOCKING_ROW_HEADERS = {
    "folder": "資料夾", "rule_id": "規則", "item_term": "學期", "class_code": "班級", "seat_number": "座號",
    "student_number": "學號", "student_name": "姓名", "item_key": "項目", "value": "值", "limit_value": "上限",
}


def roster_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The roster deadlines in words: ROC dates, days left to the unit's and to the ministry's deadline."""
    return frame.assign(
        roster=frame["roster_name"],
        term_label=["全學年" if term == 0 else f"第 {term} 學期" for term in frame["term"]],
        internal_due=[fmt.roc_date(day) for day in frame["internal_due_date"]],
        internal_left=[fmt.days_left(days) for days in frame["internal_days_left"]],
        due=[fmt.roc_date(day) for day in frame["due_date"]],
        left=[fmt.days_left(days) for days in frame["days_left"]],
        submitted=[f"{clock.roc_datetime(at)}　{unit or by or ''}".strip() if at is not None and not pd.isna(at) else "—"
                   for at, unit, by in zip(frame["submitted_at"], frame["submitted_unit"], frame["submitted_by"])],
    )[list(ROSTER_HEADERS)].rename(columns=ROSTER_HEADERS)

with session.guard():
    school = filters.school(data)
    chosen = filters.term(data) if school else None
    as_of = filters.as_of(data)
    if school and chosen:
        year, term = chosen
        view = data.school_overview(school, year, term, as_of)
        info = view.school
        st.caption(f"{school} {info.get('school_name') or ''}　{info.get('county_name', '')}・{info.get('school_type_name', '')}　"
                   f"{fmt.term_label(year, term)}　基準日 {fmt.roc_date(as_of)}")
        if view.classes.empty:
            st.info("這個學期沒有這所學校的在學學生資料。")
        else:
            totals = view.totals
            gate = view.gate
            columns = st.columns(5)
            columns[0].metric("在學學生", fmt.number(totals["students_enrolled"]), border=True)
            columns[1].metric("完成率", fmt.percent(totals["completion_rate"]), border=True,
                              help="至少一件課程學習成果認證通過的學生比率")
            columns[2].metric("尚無認證通過", f"{fmt.number(totals['students_without_certified'])} 人", border=True)
            columns[3].metric("待認證", f"{fmt.number(totals['outcomes_pending'])} 件", border=True)
            if gate is None:
                columns[4].metric("檢核", "尚未檢核", border=True)
            else:
                columns[4].metric("檢核", "通過" if gate["passed"] else "不通過", border=True,
                                  delta=f"錯誤 {fmt.number(gate['error_violations'])}・警告 {fmt.number(gate['warning_violations'])}",
                                  delta_color="off" if gate["passed"] else "inverse", delta_arrow="off")

            left, right = st.columns([3, 2])
            with left:
                st.subheader("各班完成率")
                chart_data = view.classes.assign(label=[f"{code} {name or ''}".strip() for code, name in
                                                        zip(view.classes["class_code"], view.classes["class_name"])])
                st.altair_chart(charts.rate_bars(
                    chart_data, "label", "completion_rate", category_title="班級", rate_title="完成率",
                    tooltip=[("students_enrolled", "在學學生"), ("students_without_certified", "尚無認證通過")]),
                    width="stretch")
            with right:
                st.subheader("截止日")
                if view.deadlines.empty:
                    st.info("學校的 policy.yaml 未設定這個學期的截止日。")
                for row in view.deadlines.itertuples():
                    days = row.days_left
                    text = f"**{row.deadline}**　{fmt.roc_date(row.date)}　{fmt.days_left(days)}  \n{row.what}"
                    if days is None or pd.isna(days) or days < 0:
                        st.markdown(f":gray[{text}]" if days is None or pd.isna(days) else f":red[{text}]")
                    elif days <= 14:
                        st.markdown(f":orange[{text}]")
                    else:
                        st.markdown(text)
                st.subheader("檢核與提交")
                if gate is None:
                    st.info("這個學年度尚未執行檢核（portfolio gate）。")
                else:
                    failed = "、".join(gate["failed_rules"]) if gate["failed_rules"] is not None and len(gate["failed_rules"]) else "無"
                    verdict = ":green[**通過**]" if gate["passed"] else ":red[**不通過**]"
                    checked = clock.roc_datetime(gate["checked_at"], naive_zone=clock.MACHINE_ZONE)
                    st.markdown(f"{verdict}　未通過規則：{failed}  \n檢核時間 {checked}")
                submitted = view.submissions
                if not submitted.empty:
                    submitted = submitted[(submitted["academic_year"] == year) & submitted["term"].isin([term, 0])]
                if submitted.empty:
                    st.markdown("提交：尚無提交紀錄")
                for row in submitted.drop_duplicates(["term"]).itertuples():  # newest revision first
                    receipt = ("收訖核對：尚未核對" if row.reconciled_at is None or row.reconciled_at != row.reconciled_at else
                               f"收訖 {fmt.number(row.received)}・退件 {fmt.number(row.rejected)}・未列入 {fmt.number(row.missing)}")
                    st.markdown(f"提交 **{row.folder}** 第 {row.revision} 版　{clock.roc_datetime(row.submitted_at)}  \n{receipt}")

            st.subheader("名冊提交期限")
            rosters = data.roster_deadlines(school, as_of)
            rosters = rosters[rosters["academic_year"] == year]
            if rosters.empty:
                st.info("學校的 policy.yaml 未設定這個學年度的名冊提交期限（submission_deadlines）。")
            else:
                st.caption("各處室須於國教署期限的兩週前完成（處室期限）；未提交的在前，依處室期限排序")
                unit = data.scope.role.unit
                owed = rosters[(rosters["owner_unit"] == unit) & rosters["submitted_at"].isna()] if unit else rosters.iloc[0:0]
                if len(owed):
                    nearest = owed.sort_values("internal_due_date").iloc[0]
                    st.markdown(f"**{unit}**尚未提交 {len(owed)} 份名冊；最近的處室期限 {fmt.roc_date(nearest['internal_due_date'])}"
                                f"（{nearest['roster_name']}，{fmt.days_left(nearest['internal_days_left'])}）")
                table = roster_table(rosters.sort_values(["submitted_at", "internal_due_date"], na_position="first"))
                st.dataframe(table, hide_index=True, placeholder="—")
                widgets.download_buttons(table, f"{school}_{year}_名冊提交期限", "名冊提交期限")

            st.subheader("阻擋提交的錯誤")
            blocking = data.blocking_findings(school, year, term)
            if not blocking.checked:
                st.info("這個學年度尚未執行檢核，無法判斷是否可以提交。")
            elif blocking.summary.empty:
                st.success(f"{fmt.term_label(year, term)}與全學年名冊沒有阻擋提交的錯誤。")
            else:
                st.caption("錯誤規則阻擋整個資料夾的匯出與提交（--allow-partial 則排除違規項目）")
                st.dataframe(blocking.summary, column_order=list(BLOCKING_COLUMNS), column_config=BLOCKING_COLUMNS,
                             hide_index=True, placeholder="—")
                if not blocking.rows.empty:
                    rows = blocking.rows[list(BLOCKING_ROW_HEADERS)].rename(columns=BLOCKING_ROW_HEADERS)
                    widgets.download_buttons(rows, f"{school}_{year}_{term}_阻擋提交", "阻擋提交")

            st.subheader("各年級")
            st.dataframe(fmt.as_percentages(view.grades, RATES), column_order=list(GRADE_COLUMNS),
                         column_config=GRADE_COLUMNS, hide_index=True, placeholder="—")
            st.subheader("各班明細")
            st.dataframe(fmt.as_percentages(view.classes, RATES), column_order=list(CLASS_COLUMNS),
                         column_config=CLASS_COLUMNS, hide_index=True, placeholder="—")
