"""The exchange tests' sample: the ops tests' two schools plus S02's portfolio at school A, built once.

S02 studies at A (A02) in 113-1 and transfers to B (B0002, 轉入 2025-02-21): at A the student uploaded
one outcome (certified), one diverse performance and held a cadre post, all before the transfer. At B the
student selects (勾選, 2025-06-01) both imported items by their ids there (`<A>:CO-A9`, `<A>:DP-A9`): they
are in B's 勾選紀錄 from the start, and find their items once a package is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.settings import Settings
from tests.ops import schools_fixture as schools
from tests.ops.conftest import ingest, run_dbt

# stg_exchange__course_outcomes is a view: built here, it shows a package imported later (test_staging.py)
DBT_SELECTION = ["+fct_student_terms", "+fct_course_outcomes", "+fct_certification_events",
                 "+fct_diverse_performances", "+fct_cadres", "stg_exchange__course_outcomes"]

TRANSFER_OUTCOME = {**schools._outcome("CO-A9", "A02", 113, 1, "T01", "2024-12-01 10:00:00"),
                    "文件檔名": "reading.pdf", "文件大小": 2048}
TRANSFER_EVENTS = [
    {"成果編號": "CO-A9", "動作": "送審", "教師代碼": "T01", "時間": "2024-12-02 09:00:00", "說明": ""},
    {"成果編號": "CO-A9", "動作": "認證通過", "教師代碼": "T01", "時間": "2024-12-05 09:00:00", "說明": ""},
]
TRANSFER_PERFORMANCE = {**schools.PERFORMANCES_A[0], "表現編號": "DP-A9", "學號": "A02", "名稱": "志工服務",
                        "開始日期": "2024-10-01", "結束日期": "2024-10-01", "上傳時間": "2024-10-02 10:00:00"}
SELECTIONS_B = [{"學號": "B0002", "學年度": 113, "項目類型": item_type, "項目編號": f"{schools.SCHOOL_A}:{item_id}",
                 "動作": "勾選", "時間": "2025-06-01 09:00:00"}
                for item_type, item_id in (("課程學習成果", "CO-A9"), ("多元表現", "DP-A9"))]
TRANSFER_CADRE = {"學年度": 113, "學期": 1, "學號": "A02", "單位名稱": "101班", "擔任職務": "班長", "幹部等級": 2,
                  "開始日期": "2024-08-30", "結束日期": "2025-01-20"}


@dataclass(frozen=True)
class ExchangeSample:
    settings: Settings


def write_sources(root: Path) -> Path:
    schools.write_sources(root)
    a = root / schools.SCHOOL_A
    schools.write_csv(a / "platform" / "課程學習成果.csv", "course_outcomes", [*schools.OUTCOMES_A, TRANSFER_OUTCOME])
    schools.write_csv(a / "platform" / "認證紀錄.csv", "certification_events", [*schools.EVENTS_A, *TRANSFER_EVENTS])
    schools.write_csv(a / "platform" / "多元表現.csv", "diverse_performances",
                      [*schools.PERFORMANCES_A, TRANSFER_PERFORMANCE])
    schools.write_csv(a / "admin" / "校內幹部.csv", "cadres", [TRANSFER_CADRE])
    schools.write_csv(root / schools.SCHOOL_B / "platform" / "勾選紀錄.csv", "selections", SELECTIONS_B)
    return root


@pytest.fixture(scope="session")
def exchange_sample(tmp_path_factory) -> ExchangeSample:
    root = tmp_path_factory.mktemp("exchange_sample")
    write_sources(root / "source")
    settings = Settings.resolve(warehouse=root / "warehouse.duckdb", source=root / "source")
    ingest(settings)
    completed = run_dbt(settings.warehouse, root, DBT_SELECTION)
    if completed.returncode != 0:
        raise RuntimeError(f"dbt build failed on the exchange sample:\n{completed.stdout[-6000:]}")
    return ExchangeSample(settings)
