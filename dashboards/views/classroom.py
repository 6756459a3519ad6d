"""班級: one class student by student — who still has nothing certified before the next deadline, and who has
not confirmed the ministry's receipt or has an open dispute."""

import streamlit as st

from dashboards import charts, clock, filters, session, widgets
from dashboards import formatting as fmt
from dashboards.roles import Role

st.title("班級")
data = session.data_access()

# English column → Chinese header, for the table and the downloads alike
HEADERS = {
    "seat_number": "座號",
    "student_number": "學號",
    "student_name": "姓名",
    "national_id_masked": "身分證號",
    "outcomes_uploaded": "已上傳",
    "outcomes_certified": "認證通過",
    "outcomes_pending": "待認證",
    "outcomes_failed": "未通過",
    "outcomes_selected": "已勾選成果",
    "performances_entered": "多元表現（自填）",
    "performances_selected": "已勾選多元表現",
    "has_autobiography": "自傳",
    "has_study_plan": "學習計畫",
    "is_at_risk": "風險",
    "risk_reason": "說明",
}
CONFIRMATION_HEADERS = {"class_code": "班級", "seat_number": "座號", "student_number": "學號", "student_name": "姓名",
                        "national_id_masked": "身分證號", "state_label": "確認狀態", "open_disputes": "未結申訴"}
STATE_LABELS = {"confirmed": "已確認", "disputed": "有誤", "unconfirmed": "未確認"}
TODO_HEADERS = {"seat_number": "座號", "student_name": "姓名", "student_number": "學號", "missing": "待辦事項"}
TABLE_COLUMNS = {
    "座號": st.column_config.NumberColumn("座號", format="%d", width="small"),
    "學號": st.column_config.TextColumn("學號"),
    "姓名": st.column_config.TextColumn("姓名"),
    "身分證號": st.column_config.TextColumn("身分證號", help="僅顯示前三碼與末三碼"),
    "已上傳": fmt.count_column("已上傳"),
    "認證通過": fmt.count_column("認證通過"),
    "待認證": fmt.count_column("待認證"),
    "未通過": fmt.count_column("未通過"),
    "已勾選成果": fmt.count_column("已勾選成果", help="本學年已勾選的課程學習成果件數"),
    "多元表現（自填）": fmt.count_column("多元表現（自填）", help="本學年學生自填的多元表現件數"),
    "已勾選多元表現": fmt.count_column("已勾選多元表現"),
    "自傳": st.column_config.CheckboxColumn("自傳"),
    "學習計畫": st.column_config.CheckboxColumn("學習計畫"),
    "風險": st.column_config.CheckboxColumn("風險", help="本學期尚無任何課程學習成果認證通過"),
    "說明": st.column_config.TextColumn("說明", width="medium"),
}

with session.guard():
    school = filters.school(data)
    chosen = filters.term(data) if school else None
    class_code = filters.school_class(data, school, *chosen) if chosen else None
    as_of = filters.as_of(data)
    if school and chosen and class_code:
        year, term = chosen
        view = data.class_students(school, year, term, class_code, as_of)
        info = view.info
        teacher = info.get("homeroom_teacher_name") or "—"
        st.caption(f"{school}　{info.get('class_name') or class_code}（{class_code}）　導師 {teacher}　"
                   f"{fmt.term_label(year, term)}　基準日 {fmt.roc_date(as_of)}")
        if data.scope.role is Role.COUNSELLOR and not data.scope.class_code:
            st.caption("僅列出您本學年課程諮詢過的學生（唯讀）")
        if view.students.empty:
            st.info("這個班級在這個學期沒有在學學生。")
        else:
            totals = view.totals
            deadline = view.next_deadline
            columns = st.columns(5)
            columns[0].metric("在學學生", fmt.number(totals["students"]), border=True)
            columns[1].metric("完成率", fmt.percent(totals["completion_rate"]), border=True,
                              help="至少一件課程學習成果認證通過的學生比率")
            columns[2].metric("尚無認證通過", f"{fmt.number(totals['at_risk'])} 人", border=True)
            columns[3].metric("待認證", f"{fmt.number(totals['pending'])} 件", border=True)
            if deadline:
                columns[4].metric(deadline["deadline"], fmt.days_left(deadline["days_left"]), border=True,
                                  help=f"下一個截止日：{deadline['what']}，{fmt.roc_date(deadline['date'])}")
            else:
                columns[4].metric("下一個截止", "本學期已無", border=True)

            at_risk = view.students[view.students["is_at_risk"]]
            st.subheader(f"需要提醒的學生（{len(at_risk)} 人）")
            if at_risk.empty:
                st.success("全班每位學生都至少有一件課程學習成果認證通過。")
            else:
                when = f"，{deadline['deadline']}{fmt.days_left(deadline['days_left'])}" if deadline else ""
                st.caption(f"本學期尚無任何課程學習成果認證通過{when}")
                st.dataframe(at_risk[["seat_number", "student_number", "student_name", "risk_reason"]]
                             .rename(columns=HEADERS), column_config=TABLE_COLUMNS, hide_index=True, placeholder="—")

            st.subheader("每位學生待辦事項")
            todo = view.students[view.students["missing_count"] > 0]
            if todo.empty:
                st.success("全班每位學生的上傳、認證、勾選、多元表現與收訖都已完成。")
            else:
                printable = todo[["seat_number", "student_name", "student_number", "missing"]].rename(columns=TODO_HEADERS)
                st.dataframe(printable, column_config={"待辦事項": st.column_config.TextColumn(width="large")},
                             hide_index=True, placeholder="—")
                widgets.download_buttons(printable, f"{school}_{year}_{term}_{class_code}_學生待辦事項", "學生待辦事項")

            st.subheader("每位學生的成果狀態")
            chart_data = view.students.assign(label=[f"{seat or ''} {name}" for seat, name in
                                                     zip(view.students["seat_number"], view.students["student_name"])])
            st.altair_chart(charts.stacked_counts(
                chart_data, "label", {"outcomes_certified": ("認證通過", charts.COMPLETION_COLOR),
                                      "outcomes_pending": ("待認證", charts.WARNING_COLOR),
                                      "outcomes_failed": ("未通過", charts.ERROR_COLOR),
                                      "outcomes_not_in_review": ("未送審或已取消", charts.NEUTRAL_COLOR)},
                category_title="座號 姓名", sort=chart_data["label"].tolist(), band=20), width="stretch")

            st.subheader("全班明細")
            table = view.students[list(HEADERS)].rename(columns=HEADERS)
            st.dataframe(table, column_config=TABLE_COLUMNS, hide_index=True, placeholder="—")
            name = f"{school}_{year}_{term}_{class_code}_班級完成度"
            widgets.download_buttons(table, name, "班級完成度")

        receipt = data.class_confirmations(school, year, term, class_code)
        if receipt.window_closes is not None:
            waiting = receipt.students
            st.subheader(f"收訖明細確認（確認期限 {clock.roc_date(receipt.window_closes)}）")
            st.caption("、".join(f"{label} {receipt.counts.get(state, 0)} 人" for state, label in STATE_LABELS.items())
                       + "；有誤的項目由承辦單位處理（更正後重新提交，或回覆理由）")
            if waiting.empty:
                st.success("全班都已確認收訖明細，也沒有未結的申訴。")
            else:
                listed = waiting.assign(state_label=waiting["state"].map(STATE_LABELS).fillna(waiting["state"]))
                table = listed[list(CONFIRMATION_HEADERS)].rename(columns=CONFIRMATION_HEADERS)
                st.dataframe(table, column_config={"座號": TABLE_COLUMNS["座號"], "身分證號": TABLE_COLUMNS["身分證號"],
                                                   "未結申訴": fmt.count_column("未結申訴")},
                             hide_index=True, placeholder="—")
                widgets.download_buttons(table, f"{school}_{year}_{term}_{class_code}_收訖確認", "收訖確認")
