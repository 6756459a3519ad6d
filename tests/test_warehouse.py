import duckdb
import pytest

from pipelines.warehouse import connect, table_exists


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute('create schema marts; create table marts.facts (a int); create table marts."odd""name" (a int)')
    con.execute("create view marts.summary as select 1 as one; create temp table scratch (a int)")
    yield con
    con.close()


@pytest.mark.parametrize(("schema", "table", "exists"), [
    ("marts", "facts", True),
    ("marts", "summary", True),  # a view counts
    ("main", "scratch", True),  # a temporary table, as information_schema names it
    ("marts", 'odd"name', True),  # quotes in a name are escaped, not SQL
    ("marts", "missing", False),
    ("nowhere", "facts", False),  # a schema that does not exist
])
def test_table_exists_names_tables_views_and_temporary_tables(con, schema, table, exists):
    assert table_exists(con, schema, table) is exists


def test_a_connection_draws_no_progress_bar(tmp_path):
    with connect(tmp_path / "warehouse.duckdb") as con:
        assert con.execute("select current_setting('enable_progress_bar')").fetchone()[0] is False
