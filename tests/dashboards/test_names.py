"""Items, teachers and students named as people know them; codes only when no name is known."""

import pandas as pd

from dashboards.names import item_label, labelled


def test_a_course_outcome_is_its_course_title_and_the_start_of_its_summary():
    assert item_label("數學", "函數圖形報告", "以描點法畫出", "CO-0001622") == "數學 — 函數圖形報告：以描點法畫出…"
    assert item_label("數學", "函數圖形報告", None, "CO-0001622") == "數學 — 函數圖形報告"
    assert item_label(None, None, None, "112-2") == "112-2"


def test_teachers_and_proxies_are_named_unless_missing_from_the_roster():
    frame = labelled(pd.DataFrame({"teacher_code": ["T0024", "T0099"], "teacher_name": ["王婷馨", None],
                                   "proxy_code": [None, "T0011"], "proxy_name": [None, "張文彥"]}))

    assert frame["teacher_label"].tolist() == ["王婷馨", "T0099"]
    assert frame["proxy_label"].isna().iloc[0] and frame["proxy_label"].iloc[1] == "張文彥"
