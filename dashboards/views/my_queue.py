"""我的認證: a 任課教師's own certification queue and the items to certify as proxy for a teacher who left,
most urgent first, each named by course, title and summary with the student, upload day, due day and
days left; downloadable as a list to work through."""

import streamlit as st

from dashboards import filters, session, widgets
from dashboards import formatting as fmt
from dashboards import names as labels

st.title("我的認證")
data = session.data_access()

HEADERS = {  # shown and downloaded alike, most urgent first
    "days_left_label": "剩餘天數", "due": "認證期限", "subject_name": "課程", "title": "成果名稱",
    "summary_excerpt": "簡述（節錄）", "class_code": "班級", "seat_number": "座號", "student_number": "學號",
    "student_name": "學生", "uploaded": "上傳日", "submitted": "送審日", "on_behalf_of": "身分", "outcome_id": "成果編號",
}
COLUMNS = {
    "簡述（節錄）": st.column_config.TextColumn(width="large"),
    "座號": st.column_config.NumberColumn(format="%d"),
}


def on_behalf_of(items, me: str) -> list[str]:
    """本人 for the own items; for a proxy item, whose queue it comes from."""
    return ["本人" if code == me else f"代理 {labels.person_label(name, code) or '未指定教師'}"
            for code, name in zip(items["teacher_code"], items["teacher_name"])]


with session.guard():
    me = data.scope.teacher_code
    school = filters.school(data)
    chosen = filters.term(data) if school else None
    as_of = filters.as_of(data)
    if school and chosen:
        year, term = chosen
        view = data.teacher_queues(school, year, term, as_of)
        own = view.teachers[view.teachers["teacher_code"] == me]
        name = own["teacher_name"].iloc[0] if len(own) else None
        rule = f"送審後 {view.certification_days} 天內或認證截止日前" if view.certification_days else "認證截止日前"
        st.caption(f"{labels.person_label(name, me)}　{fmt.term_label(year, term)}　基準日 {fmt.roc_date(as_of)}　"
                   f"認證期限：{rule}")
        items = view.items
        proxy = int((items["teacher_code"] != me).sum()) if len(items) else 0
        due_soon = int(items["days_left"].between(0, 3).sum()) if len(items) else 0
        columns = st.columns(4)
        columns[0].metric("待認證", f"{fmt.number(len(items))} 件", border=True)
        columns[1].metric("已逾期", f"{fmt.number(view.totals['overdue'])} 件", border=True)
        columns[2].metric("三天內到期", f"{fmt.number(due_soon)} 件", border=True)
        columns[3].metric("代理認證", f"{fmt.number(proxy)} 件", border=True,
                          help="離職或留職停薪教師的成果，依學校補充規定的代理順序由您認證")
        if items.empty:
            st.success("這個學期沒有待您認證的課程學習成果。")
        else:
            items = items.sort_values(["days_left", "days_waiting", "class_code", "seat_number"],
                                      ascending=[True, False, True, True], na_position="last")
            table = items.assign(
                days_left_label=[fmt.days_left(days) for days in items["days_left"]],
                due=[fmt.roc_date(day) for day in items["due_date"]],
                uploaded=[fmt.roc_date(day) for day in items["uploaded_date"]],
                submitted=[fmt.roc_date(day) for day in items["submitted_date"]],
                on_behalf_of=on_behalf_of(items, me),
            )[list(HEADERS)].rename(columns=HEADERS)
            st.subheader("待認證成果（最急的在前）")
            st.dataframe(table, column_config=COLUMNS, hide_index=True, placeholder="—")
            widgets.download_buttons(table, f"{school}_{year}_{term}_我的待認證_{me}", "待認證")
