"""全國總覽: how the schools compare. Aggregates only (教育主管機關)."""

import streamlit as st

from dashboards import charts, filters, session, widgets
from dashboards import formatting as fmt

st.title("全國總覽")
data = session.data_access()

SCHOOL_COLUMNS = {
    "school_code": st.column_config.TextColumn("學校代碼"),
    "school_name": st.column_config.TextColumn("學校名稱"),
    "county_name": st.column_config.TextColumn("縣市"),
    "school_type_name": st.column_config.TextColumn("公私立別"),
    "students_enrolled": fmt.count_column("在學學生"),
    "completion_rate": fmt.rate_column("完成率", help="至少一件課程學習成果認證通過的在學學生比率"),
    "upload_rate": fmt.rate_column("上傳率", help="至少上傳一件課程學習成果的在學學生比率"),
    "selection_rate": fmt.rate_column("勾選率", help="已勾選課程學習成果的在學學生比率（全學年）"),
    "certification_rate": fmt.rate_column("認證通過率", help="已上傳成果中認證通過的比率"),
    "students_without_certified": fmt.count_column("尚無認證通過（人）"),
    "outcomes_pending": fmt.count_column("待認證（件）"),
}
RATES = ("completion_rate", "upload_rate", "selection_rate", "certification_rate")

with session.guard():
    chosen = filters.term(data)
    if chosen:
        year, term = chosen
        counties, kinds, public = filters.school_groups(data)
        view = data.national_overview(year, term, counties=counties, school_types=kinds, public=public)
        narrowed = "、".join([*counties, *kinds, *([] if public is None else ["公立" if public else "私立"])])
        st.caption(f"{fmt.term_label(year, term)}　{narrowed or '全國'}各校在學學生的課程學習成果上傳、認證與勾選"
                   "（僅彙總，不含個別學生）")
        if view.schools.empty:
            st.info("這個學期尚無任何學校的資料。")
        else:
            totals = view.totals
            trend = view.trend.assign(term_label=[fmt.short_term(y, t) for y, t in
                                                  zip(view.trend["academic_year"], view.trend["term"])])
            previous = trend[(trend["academic_year"] * 10 + trend["term"]) < year * 10 + term].tail(1)
            delta = None
            if len(previous) and totals["completion_rate"] is not None:
                delta = f"{(totals['completion_rate'] - previous['completion_rate'].iloc[0]) * 100:+.1f} 百分點"
            columns = st.columns(5)
            columns[0].metric("學校數", fmt.number(totals["schools"]), border=True)
            columns[1].metric("在學學生", fmt.number(totals["students_enrolled"]), border=True)
            columns[2].metric("完成率", fmt.percent(totals["completion_rate"]), delta=delta, border=True,
                              help="至少一件課程學習成果認證通過的在學學生比率；變化為與上學期相比")
            columns[3].metric("上傳率", fmt.percent(totals["upload_rate"]), border=True,
                              help="至少上傳一件課程學習成果的在學學生比率")
            columns[4].metric("尚無認證通過", f"{fmt.number(totals['students_without_certified'])} 人", border=True)

            left, right = st.columns(2)
            with left:
                st.subheader("各縣市完成率")
                st.altair_chart(charts.rate_bars(
                    view.counties, "county_name", "completion_rate", category_title="縣市", rate_title="完成率",
                    tooltip=[("members", "學校數"), ("students_enrolled", "在學學生")]), width="stretch")
            with right:
                st.subheader("公私立別完成率")
                st.altair_chart(charts.rate_bars(
                    view.school_types, "school_type_name", "completion_rate", category_title="公私立別",
                    rate_title="完成率", tooltip=[("members", "學校數"), ("students_enrolled", "在學學生")]),
                    width="stretch")
            st.subheader("各縣市學生數")
            st.caption("在學學生中已有認證通過成果與尚無認證通過的人數；依完成率由低到高")
            st.altair_chart(charts.stacked_counts(
                view.counties, "county_name",
                {"students_with_certified": ("已有認證通過", charts.COMPLETION_COLOR),
                 "students_without_certified": ("尚無認證通過", charts.WARNING_COLOR)},
                category_title="縣市", value_title="學生數（人）", sort=view.counties["county_name"].tolist()),
                width="stretch")
            left, right = st.columns(2)
            with left:
                st.subheader("各校完成率分布")
                st.altair_chart(charts.distribution(view.schools, "completion_rate", title="完成率"), width="stretch")
            with right:
                st.subheader("歷學期趨勢")
                st.altair_chart(charts.trend(trend, {"completion_rate": "完成率", "upload_rate": "上傳率",
                                                     "selection_rate": "勾選率"}), width="stretch")

            st.subheader(f"落後最多的 {len(view.behind)} 校")
            st.caption("依完成率由低到高")
            st.dataframe(fmt.as_percentages(view.behind, RATES), column_order=list(SCHOOL_COLUMNS),
                         column_config=SCHOOL_COLUMNS, hide_index=True, placeholder="—")
            st.subheader("縣市 → 學校")
            county = st.selectbox("縣市", ["全部", *view.counties.sort_values("county_name")["county_name"]],
                                  key="drill_county")
            schools = view.schools if county == "全部" else view.schools[view.schools["county_name"] == county]
            st.dataframe(fmt.as_percentages(schools, RATES).assign(link=[f"/school?school={code}&year={year}&term={term}"
                                                                         for code in schools["school_code"]]),
                         column_order=[*SCHOOL_COLUMNS, "link"], hide_index=True, placeholder="—",
                         column_config={**SCHOOL_COLUMNS, "link": st.column_config.LinkColumn(
                             "學校頁", display_text="開啟", help="該校的年級、班級、截止日與檢核（僅彙總）")})
            table = fmt.as_percentages(schools, RATES)[list(SCHOOL_COLUMNS)].rename(columns={key: column.get("label", key) for key, column
                                                                   in SCHOOL_COLUMNS.items()})
            widgets.download_buttons(table, f"{year}_{term}_各校完成度_{county}", "各校完成度")
            st.subheader("各縣市明細")
            county_table = view.counties[["county_name", "members", "students_enrolled", "completion_rate",
                                          "upload_rate", "selection_rate", "students_without_certified"]]
            st.dataframe(fmt.as_percentages(county_table, RATES), hide_index=True, placeholder="—",
                         column_config={"county_name": "縣市", "members": fmt.count_column("學校數"),
                                        **{key: SCHOOL_COLUMNS[key] for key in county_table.columns if key in SCHOOL_COLUMNS}})
            widgets.download_buttons(fmt.as_percentages(county_table, RATES).rename(columns={"county_name": "縣市", "members": "學校數"}),
                                     f"{year}_{term}_各縣市完成度", "各縣市完成度")
            st.subheader("歷學期比較")
            st.dataframe(fmt.as_percentages(trend, RATES), hide_index=True, placeholder="—",
                         column_order=["term_label", "students_enrolled", "completion_rate", "upload_rate", "selection_rate"],
                         column_config={"term_label": "學年度-學期", **SCHOOL_COLUMNS})
            widgets.download_buttons(fmt.as_percentages(trend, RATES)[["term_label", "students_enrolled", "completion_rate",
                                                                       "upload_rate", "selection_rate"]],
                                     f"{year}_{term}_歷學期比較", "歷學期比較")
