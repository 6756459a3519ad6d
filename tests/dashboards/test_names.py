"""The pages' frames get labels beside their codes (the labels themselves: tests/test_names.py)."""

import pandas as pd

from dashboards.names import labelled


def test_teachers_and_proxies_are_named_unless_missing_from_the_roster():
    frame = labelled(pd.DataFrame({"teacher_code": ["T0024", "T0099"], "teacher_name": ["王婷馨", None],
                                   "proxy_code": [None, "T0011"], "proxy_name": [None, "張文彥"]}))

    assert frame["teacher_label"].tolist() == ["王婷馨", "T0099"]
    assert frame["proxy_label"].isna().iloc[0] and frame["proxy_label"].iloc[1] == "張文彥"


def test_an_r24_finding_names_the_code_list_that_lacks_the_code():
    frame = labelled(pd.DataFrame({
        "rule_id": ["R24", "R24", "R02"], "item_key": ["群別代碼：（身分證號）", "幹部等級：一年二班+副班長", "CO-1"],
        "value": ["99", "9", "118"], "limit_value": ["xwalk_clusters", "xwalk_cadre_levels", "100"]}))

    assert frame["value"].tolist() == ["99（代碼表無此代碼）", "9（代碼表無此代碼）", "118"]
    assert frame["limit_value"].tolist() == ["須為群別代碼表的代碼（共 16 個，xwalk_clusters）",
                                             "須為幹部等級代碼表的代碼（共 3 個，xwalk_cadre_levels）", "100"]
