"""`portfolio exchange import`: store a sending school's package as the receiving school's history.

Refused unless the receiving school has the student on its register as 轉入 with the package's 身分證號
and 出生日期 (its registry must be built first). Stored in raw.exchange_<section> tables keyed by
(receiving school, package_id) with the receiving school's 學號 on every row; importing the same package
again replaces its rows, so a corrected package from the sending school replaces the earlier one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import duckdb

from pipelines.exchange.export import ExchangeError
from pipelines.exchange.package import SECTION_COLUMNS, Package
from pipelines.roc import TAIPEI
from pipelines.exchange.tables import KEY_COLUMNS, PACKAGE_COLUMNS, create_exchange_tables
from pipelines.warehouse import table_exists

TRANSFER_IN = "轉入"
@dataclass(frozen=True)
class ImportResult:
    package_id: str
    receiving_student_number: str
    records: dict[str, int]


def receiving_student_number(con: duckdb.DuckDBPyConnection, school: str, package: Package) -> str:
    """The 學號 under which `school` registered the package's student as 轉入, else ExchangeError."""
    if not table_exists(con, "marts", "fct_student_terms"):
        raise ExchangeError("倉儲尚未建置學籍資料：請先執行 portfolio build")
    if package.sending_school == school:
        raise ExchangeError(f"交換包來自學校 {school} 本身，不能匯入同一所學校")
    found = con.execute(
        "select student_number, birth_date from marts.fct_student_terms "
        "where school_code = ? and national_id = ? and enrolment_status = ? "
        "order by academic_year desc, term desc limit 1",
        [school, package.national_id, TRANSFER_IN]).fetchall()
    if not found:
        raise ExchangeError(f"學校 {school} 沒有身分證號 {package.masked_id} 的轉入學籍，拒絕匯入"
                            "（請先在校務系統登錄轉入並重新建置）")
    student_number, birth_date = found[0]
    if birth_date is None or birth_date.isoformat() != package.birth_date:
        raise ExchangeError(f"身分證號 {package.masked_id} 的出生日期與學校 {school} 的學籍資料不符，拒絕匯入")
    return student_number


def _value(value, kind: str):
    return json.dumps(value, ensure_ascii=False) if kind == "JSON" else value


def store_package(con: duckdb.DuckDBPyConnection, school: str, package: Package) -> ImportResult:
    """Check the student, then replace this package's rows at `school` in one transaction."""
    student_number = receiving_student_number(con, school, package)
    create_exchange_tables(con)
    key = [school, package.package_id, student_number, package.sending_school]
    con.execute("begin transaction")
    try:
        for table in ("exchange_packages", *(f"exchange_{section}" for section in SECTION_COLUMNS)):
            con.execute(f"delete from raw.{table} where school_code = ? and package_id = ?",
                        [school, package.package_id])
        imported_at = dt.datetime.now(TAIPEI).replace(tzinfo=None)
        con.execute(f"insert into raw.exchange_packages values ({', '.join('?' * len(PACKAGE_COLUMNS))})",
                    [*key, package.national_id, package.birth_date, package.created_at, imported_at])
        for section, columns in SECTION_COLUMNS.items():
            rows = [[*key, *(_value(record.get(name), kind) for name, kind in columns)]
                    for record in package.sections[section]]
            if rows:
                con.executemany(f"insert into raw.exchange_{section} values "
                                f"({', '.join('?' * (len(KEY_COLUMNS) + len(columns)))})", rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return ImportResult(package.package_id, student_number,
                        {section: len(package.sections[section]) for section in SECTION_COLUMNS})
