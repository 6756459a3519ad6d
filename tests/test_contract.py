"""The input contract's v2 columns (pipelines/contract.py): optional, coded from the seeds, old layouts still load."""

import csv

from pipelines.contract import FILES_BY_KIND, SEEDS_DIR
from pipelines.ingest.decoding import read_csv_cells
from pipelines.ingest.validate import validate_table

RECORDS = "學年度,學期,學號,課程代碼,修課類別,是否採計學分"
CODE = "112013301H11101A0000001"


def validate(text: str, kind: str):
    source = f"013301/admin/{FILES_BY_KIND[kind].label}.csv"
    return validate_table(read_csv_cells(text.encode("utf-8"), source), FILES_BY_KIND[kind], source)


def seed_column(seed: str, column: str) -> set[str]:
    with (SEEDS_DIR / f"{seed}.csv").open(encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def test_credit_counted_takes_the_rosters_codes_and_the_old_flags():
    parsed = validate(f"{RECORDS}\n" + "".join(f"113,1,S1,{CODE},學期,{code}\n" for code in ("1", "0", "2", "3")), "course_records")
    assert parsed.quarantine.height == 0
    assert sorted(parsed.rows["是否採計學分"].to_list()) == [0, 1, 2, 3]


def test_a_credit_counted_code_outside_the_seed_is_quarantined_with_the_seeds_codes():
    parsed = validate(f"{RECORDS}\n113,1,S1,{CODE},學期,4\n", "course_records")
    [row] = parsed.quarantine.to_dicts()
    assert (row["field"], row["reason"]) == ("是否採計學分", "unknown_code")
    assert set(FILES_BY_KIND["course_records"].column("是否採計學分").codes) == \
        seed_column("xwalk_credit_counted_codes", "delivered_code")


def test_make_up_retake_and_transfer_codes_are_checked_against_their_seeds():
    header = f"{RECORDS},原修課學年度,原修課學期,補修方式,重修方式,身分別"
    parsed = validate(f"{header}\n113,1,S1,{CODE},補修,1,112,2,2,,\n113,1,S1,{CODE},重修,2,112,1,,9,\n"
                      f"113,1,S1,{CODE},轉學轉科,1,112,2,,,7\n", "course_records")
    assert parsed.rows["補修方式"].to_list() == ["2"]
    assert sorted(parsed.quarantine["field"].to_list()) == ["身分別", "重修方式"]
    for header_name, seed, column in (("補修方式", "xwalk_make_up_methods", "make_up_method_code"),
                                      ("重修方式", "xwalk_retake_methods", "retake_method_code"),
                                      ("身分別", "xwalk_transfer_identities", "transfer_identity_code")):
        assert set(FILES_BY_KIND["course_records"].column(header_name).codes) == seed_column(seed, column)


def test_old_layout_students_load_with_the_v2_columns_empty():
    parsed = validate("學年度,學期,學號,身分證號,學籍狀態\n113,1,S1,A123456789,在學\n", "students")
    assert parsed.quarantine.height == 0
    assert parsed.rows.row(0, named=True)["原住民族別"] is None and parsed.rows.row(0, named=True)["入學方式"] is None


def test_visiting_study_rows_need_the_host_school_and_start_date():
    header = "學年度,學期,學號,借讀學校代碼,群別,借讀科班學程別,借讀代碼,申請開始日期,申請結束日期"
    parsed = validate(f"{header}\n113,1,S1,013302,00,101,1,113/09/01,114/01/20\n113,1,S2,,00,101,1,113/09/01,\n",
                      "visiting_studies")
    assert parsed.rows["借讀學校代碼"].to_list() == ["013302"]
    assert [(row["field"], row["reason"]) for row in parsed.quarantine.to_dicts()] == [("借讀學校代碼", "missing_key")]


def test_a_raw_table_made_before_the_contract_grew_gets_the_new_columns_empty():
    import duckdb

    from pipelines.contract import create_raw_schema

    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute('create table raw.students ("學年度" BIGINT, "學期" BIGINT, "學號" VARCHAR, school_code VARCHAR)')
    con.execute("insert into raw.students values (113, 1, 'S1', '013301')")
    create_raw_schema(con)
    create_raw_schema(con)  # idempotent
    columns = [row[0] for row in con.execute("describe raw.students").fetchall()]
    assert {"入學方式", "原住民族別", "學籍狀態"} <= set(columns)
    assert con.execute('select "學號", "入學方式" from raw.students').fetchall() == [("S1", None)]


def test_receipt_confirmations_take_the_seeds_results_and_mark_a_guardian():
    header = "學號,名冊,項目鍵,確認結果,說明,確認時間,確認人"
    parsed = validate(f"{header}\nS1,學生成績名冊,{CODE},正確,,114/03/04 10:00,家長\nS1,學生成績名冊,{CODE},錯,,114/03/04 11:00,\n"
                      f"S2,學生成績名冊,{CODE},有誤,成績不對,,\n", "receipt_confirmations")
    assert parsed.rows["確認人"].to_list() == ["家長"]
    assert [(row["source_line"], row["field"], row["reason"]) for row in parsed.quarantine.to_dicts()] == [
        (3, "確認結果", "unknown_code"), (4, "確認時間", "missing_key")]
    assert set(FILES_BY_KIND["receipt_confirmations"].column("確認結果").codes) == \
        seed_column("xwalk_confirmation_results", "result")
