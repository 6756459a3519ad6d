"""檢核結果: the pre-submission gate per school and rule, drilling down to the offending rows."""

import altair as alt
import streamlit as st

from dashboards import charts, clock, filters, names, session
from expectations.rules import SEVERITY_LABELS
from dashboards import formatting as fmt

st.title("檢核結果")
data = session.data_access()

RUN_COLUMNS = {
    "school_code": st.column_config.TextColumn("學校代碼"),
    "school_name": st.column_config.TextColumn("學校名稱"),
    "verdict": st.column_config.TextColumn("結果"),
    "error_violations": fmt.count_column("錯誤（筆）"),
    "warning_violations": fmt.count_column("警告（筆）"),
    "failed": st.column_config.TextColumn("未通過規則", width="medium"),
    "checked_label": st.column_config.TextColumn("檢核時間", help="臺北時間"),
}
ROW_COLUMNS = {
    "item_term": st.column_config.NumberColumn("學期", format="%d"),
    "class_code": st.column_config.TextColumn("班級"),
    "seat_number": st.column_config.NumberColumn("座號", format="%d"),
    "student_number": st.column_config.TextColumn("學號"),
    "student_name": st.column_config.TextColumn("姓名"),
    "item": st.column_config.TextColumn("項目", width="large", help="課程學習成果以科目、名稱與簡述開頭表示"),
    "value": st.column_config.TextColumn("實際值"),
    "limit_value": st.column_config.TextColumn("上限／規定"),
    "teacher_label": st.column_config.TextColumn("教師"),
    "proxy_label": st.column_config.TextColumn("代理教師"),
}
SEVERITY = SEVERITY_LABELS


def rule_label(rule_id: str, title: str | None) -> str:
    return f"{rule_id} {title or ''}".strip()


with session.guard():
    year = filters.year(data)
    if year:
        school = None if data.scope.sees_all_schools else data.scope.school_code
        view = data.gate_overview(year, school)
        if view.runs.empty:
            st.info(f"{year} 學年度尚無檢核結果（portfolio gate 或 portfolio build 會產生）。")
        else:
            totals = view.totals
            scope_text = "本班學生" if view.class_scoped else ("各校（僅彙總）" if not view.row_level else "本校")
            st.caption(f"{year} 學年度　{scope_text}　檢核基準日 {fmt.roc_date(totals['as_of'])}")
            columns = st.columns(4)
            if len(view.runs) > 1:
                columns[0].metric("通過檢核", f"{totals['passed']} / {totals['schools']} 校", border=True)
            else:
                columns[0].metric("檢核結果", "通過" if totals["passed"] else "不通過", border=True)
            columns[1].metric("錯誤", f"{fmt.number(totals['errors'])} 筆", border=True, help="錯誤會擋下提交")
            columns[2].metric("警告", f"{fmt.number(totals['warnings'])} 筆", border=True, help="警告不擋提交，但應處理")
            columns[3].metric("檢核時間", clock.roc_datetime(totals["checked_at"], naive_zone=clock.MACHINE_ZONE),
                              border=True, help="臺北時間")

            rules = view.rules.assign(severity_label=view.rules["severity"].map(SEVERITY),
                                      rule=[rule_label(r, t) for r, t in zip(view.rules["rule_id"], view.rules["rule_title"])])
            per_rule = rules.groupby(["rule_id", "rule", "severity_label"], as_index=False)["violations"].sum()
            st.subheader("各規則違規筆數")
            chart = alt.Chart(per_rule[per_rule["violations"] > 0]).mark_bar().encode(
                x=alt.X("violations:Q", title="筆數", axis=alt.Axis(format="d", tickMinStep=1)),
                y=alt.Y("rule:N", title=None, sort=alt.EncodingSortField(field="rule_id"),
                        axis=alt.Axis(labelLimit=charts.LABEL_LIMIT)),
                color=alt.Color("severity_label:N", title=None, scale=alt.Scale(domain=["錯誤", "警告"],
                                range=["#c0392b", "#d08c2c"]), legend=alt.Legend(orient="bottom")),
                tooltip=[alt.Tooltip("rule:N", title="規則"), alt.Tooltip("violations:Q", title="筆數", format=",")],
            ).properties(height=alt.Step(charts.BAND))
            st.altair_chart(chart, width="stretch")

            if len(view.runs) > 1:
                st.subheader("各校檢核結果")
                runs = view.runs.assign(
                    verdict=["通過" if passed else "不通過" for passed in view.runs["passed"]],
                    checked_label=[clock.roc_datetime(at, naive_zone=clock.MACHINE_ZONE) for at in view.runs["checked_at"]],
                    failed=["、".join(rules) if rules is not None and len(rules) else "" for rules in view.runs["failed_rules"]])
                st.dataframe(runs, column_order=list(RUN_COLUMNS), column_config=RUN_COLUMNS, hide_index=True, placeholder="—")
                pivot = rules.assign(school=[f"{code} {name}" if isinstance(name, str) else code for code, name
                                             in zip(rules["school_code"], rules["school_name"])]).pivot_table(
                    index="school", columns="rule_id", values="violations", aggfunc="sum", fill_value=0)
                st.subheader("學校 × 規則")
                st.dataframe(pivot, column_config={"school": st.column_config.TextColumn("學校")}, placeholder="—")
            st.subheader("規則明細")
            st.dataframe(per_rule, column_order=["rule", "severity_label", "violations"], hide_index=True,
                         column_config={"rule": st.column_config.TextColumn("規則", width="large"),
                                        "severity_label": st.column_config.TextColumn("嚴重度"),
                                        "violations": fmt.count_column("違規（筆）")})

            if view.row_level:
                offending = per_rule[per_rule["violations"] > 0]
                st.subheader("違規資料")
                if offending.empty:
                    st.success("沒有任何違規資料。")
                else:
                    labels = dict(zip(offending["rule_id"], offending["rule"]))
                    rule_id = st.selectbox("規則", list(labels), format_func=labels.get, key="gate_rule")
                    rows = names.labelled(data.gate_rows(view.runs["school_code"].iloc[0], year, rule_id))
                    st.caption(f"{labels[rule_id]}：{fmt.number(len(rows))} 筆")
                    st.dataframe(rows, column_order=list(ROW_COLUMNS), column_config=ROW_COLUMNS, hide_index=True, placeholder="—")
            else:
                st.caption("教育主管機關帳號僅顯示彙總筆數，不顯示個別學生資料。")
