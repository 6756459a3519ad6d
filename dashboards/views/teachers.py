"""教師認證: each teacher's queue — pending, oldest waiting, past the deadline, and who acts for teachers who left."""

import streamlit as st

from dashboards import charts, filters, session, widgets
from dashboards import names as labels
from dashboards import formatting as fmt

st.title("教師認證")
data = session.data_access()

QUEUE_COLUMNS = {
    "teacher_code": st.column_config.TextColumn("教師代碼"),
    "teacher_name": st.column_config.TextColumn("姓名"),
    "subject": st.column_config.TextColumn("任教科目"),
    "status": st.column_config.TextColumn("在職狀態"),
    "pending": fmt.count_column("待認證（件）"),
    "overdue": fmt.count_column("已逾期（件）"),
    "oldest_days_waiting": st.column_config.NumberColumn("最久等待（天）", format="%d"),
    "proxy": st.column_config.TextColumn("應代理認證", help="教師已離職時，依學校補充規定的代理順序應接手的教師", width="medium"),
    "proxy_chain": st.column_config.TextColumn("代理順序", help="依 proxy_order 逐步尋找代理教師的過程", width="large"),
}
ITEM_HEADERS = {  # shown and downloaded alike, most urgent first
    "due": "認證期限", "days_left_label": "剩餘天數", "item": "課程學習成果", "class_code": "班級", "seat_number": "座號",
    "student_name": "學生", "uploaded": "上傳日", "submitted": "送審日", "days_waiting": "等待（天）",
    "teacher_label": "認證教師", "proxy_label": "代理教師", "outcome_id": "成果編號",
}
ITEM_COLUMNS = {
    "課程學習成果": st.column_config.TextColumn(width="large"),
    "座號": st.column_config.NumberColumn(format="%d"),
    "等待（天）": st.column_config.NumberColumn(format="%d"),
}

with session.guard():
    school = filters.school(data)
    chosen = filters.term(data) if school else None
    as_of = filters.as_of(data)
    if school and chosen:
        year, term = chosen
        view = data.teacher_queues(school, year, term, as_of)
        rule = f"送審後 {view.certification_days} 天內或認證截止日前" if view.certification_days else "認證截止日前"
        st.caption(f"{school}　{fmt.term_label(year, term)}　基準日 {fmt.roc_date(as_of)}　認證期限：{rule}")
        totals = view.totals
        columns = st.columns(4)
        columns[0].metric("待認證", f"{fmt.number(totals['pending'])} 件", border=True)
        columns[1].metric("已逾期", f"{fmt.number(totals['overdue'])} 件", border=True)
        oldest = totals["oldest_days_waiting"]
        columns[2].metric("最久等待", "—" if oldest is None else f"{oldest} 天", border=True)
        columns[3].metric("離職教師待代理", f"{fmt.number(totals['departed_with_pending'])} 位", border=True)

        queue = view.teachers
        if view.items.empty:
            st.success("這個學期沒有待認證的課程學習成果。")
        else:
            st.subheader("各教師待認證件數")
            waiting = queue[queue["pending"] > 0].assign(
                on_time=lambda frame: frame["pending"] - frame["overdue"],
                label=lambda frame: [f"{name or code}" for code, name in zip(frame["teacher_code"], frame["teacher_name"])])
            st.altair_chart(charts.stacked_counts(
                waiting, "label", {"overdue": ("已逾期", charts.ERROR_COLOR), "on_time": ("期限內", charts.WARNING_COLOR)},
                category_title="教師"), width="stretch")
        st.subheader("認證清單（依教師）")
        st.dataframe(queue, column_order=list(QUEUE_COLUMNS), column_config=QUEUE_COLUMNS, hide_index=True, placeholder="—")
        if not view.items.empty:
            st.subheader("待認證成果")
            codes = ["全部", *queue.loc[queue["pending"] > 0, "teacher_code"].dropna().tolist()]
            names = dict(zip(queue["teacher_code"], queue["teacher_name"]))
            picked = filters.select("教師", codes, "filter_teacher", sidebar=False,
                                    format_func=lambda code: code if code == "全部" else f"{names.get(code) or ''}（{code}）")
            items = view.items if picked == "全部" else view.items[view.items["teacher_code"] == picked]
            items = labels.labelled(items.sort_values(["days_left", "days_waiting"], ascending=[True, False],
                                                      na_position="last"))
            table = items.assign(
                due=[fmt.roc_date(day) for day in items["due_date"]],
                days_left_label=[fmt.days_left(days) for days in items["days_left"]],
                uploaded=[fmt.roc_date(day) for day in items["uploaded_date"]],
                submitted=[fmt.roc_date(day) for day in items["submitted_date"]],
            )[list(ITEM_HEADERS)].rename(columns=ITEM_HEADERS)
            st.dataframe(table, column_config=ITEM_COLUMNS, hide_index=True, placeholder="—")
            who = "全部" if picked == "全部" else names.get(picked) or picked
            widgets.download_buttons(table, f"{school}_{year}_{term}_待認證_{who}", "待認證")
