"""One whole `portfolio build` with bad deliveries beside good ones: the others build, and the summary says
what was refused or not read, by name."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.cli import main
from tests.adversarial.cases import BROKEN_POLICY
from tests.adversarial.deliveries import students
from tests.ops import schools_fixture

pytestmark = pytest.mark.e2e

REFUSED = "013399"


def test_a_build_with_bad_deliveries_builds_every_other_school(tmp_path, capsys):
    source = schools_fixture.write_sources(tmp_path / "source")
    (source / REFUSED / "admin").mkdir(parents=True)
    (source / REFUSED / "admin" / "學生資料.csv").write_bytes(students())
    (source / REFUSED / "policy.yaml").write_bytes(BROKEN_POLICY)
    classes = source / schools_fixture.SCHOOL_B / "admin" / "班級.csv"
    classes.write_text(classes.read_text(encoding="utf-8") + "113,2,299\n", encoding="utf-8")  # 3 fields of 6
    (source / schools_fixture.SCHOOL_B / "platform").mkdir(exist_ok=True)
    (source / schools_fixture.SCHOOL_B / "platform" / "課程學習成果(1).csv").write_bytes(b"x")
    (source / "abc123").mkdir()

    warehouse = tmp_path / "warehouse.duckdb"
    assert main(["build", "--source", str(source), "--warehouse", str(warehouse)]) == 0
    printed = "".join(capsys.readouterr())  # the summary (stdout) and the build's log (stderr)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        built = dict(con.execute("select school_code, count(*) from marts.dim_students group by 1").fetchall())
        ragged = con.execute("select source_line, reason from raw.quarantine where reason = 'ragged_row'").fetchall()
    assert set(built) == {schools_fixture.SCHOOL_A, schools_fixture.SCHOOL_B}  # 013399 is refused, the rest built
    assert len(ragged) == 1
    assert f"學校 {REFUSED} 不建置：{REFUSED}/policy.yaml 有 3 項錯誤" in printed
    assert "「summary_max_chars」，值 500：必須介於 1 與 100 之間" in printed
    assert f"{schools_fixture.SCHOOL_B}/platform/課程學習成果(1).csv：檔名不是合約的" in printed
    assert "資料夾名稱「abc123」不是學校代碼的寫法" in printed
