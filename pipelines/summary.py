"""The summary `portfolio build` and `portfolio demo` print after a build."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.settings import Settings
from pipelines.warehouse import connect


@dataclass(frozen=True)
class SchoolLine:
    school_code: str
    academic_year: int
    term: int
    students_enrolled: int
    students_with_upload: int
    outcomes_uploaded: int
    outcomes_certified: int
    outcomes_pending: int
    outcomes_failed: int


@dataclass(frozen=True)
class BuildSummary:
    schools: int
    students: int
    outcomes: int
    performances: int
    quarantine: list[tuple[str, str, int]]  # reason, Chinese label, rows
    rejected_files: list[tuple[str, str]]  # source file, message
    latest_terms: list[SchoolLine]
    refused_schools: list[tuple[str, str]] = ()  # school, every problem of its policy.yaml
    not_read: list[tuple[str, str, str]] = ()  # source file, unknown | refused, why (ingest/layout.py)


def read_summary(settings: Settings) -> BuildSummary:
    with connect(settings.warehouse, read_only=True, memory_limit=settings.duckdb_memory) as con:
        def scalar(sql: str) -> int:
            return con.execute(sql).fetchall()[0][0]

        latest = con.execute(
            """
            select school_code, academic_year, term, students_enrolled, students_with_upload,
                   outcomes_uploaded, outcomes_certified, outcomes_pending, outcomes_failed
            from marts.fct_school_completion
            qualify row_number() over (partition by school_code order by academic_year desc, term desc) = 1
            order by school_code
            """
        ).fetchall()
        return BuildSummary(
            schools=scalar("select count(*) from marts.dim_schools"),
            students=scalar("select count(*) from marts.dim_students"),
            outcomes=scalar("select count(*) from marts.fct_course_outcomes"),
            performances=scalar("select count(*) from marts.fct_diverse_performances"),
            quarantine=con.execute(
                "select reason, any_value(reason_label), count(*) from marts.fct_quarantine group by 1 order by 3 desc"
            ).fetchall(),
            rejected_files=con.execute(
                """
                select source_file, message from marts.fct_quarantine
                where source_line is null and reason not in ('school_refused', 'invalid_policy') order by source_file
                """
            ).fetchall(),
            latest_terms=[SchoolLine(*row) for row in latest],
            # straight from raw: what ingestion refused or did not read is not in the marts
            refused_schools=con.execute(
                "select school_code, policy_error from raw.school_policies where policy_source = 'invalid' order by 1"
            ).fetchall(),
            not_read=con.execute(
                "select source_file, status, message from raw.deliveries where file_kind = 'unknown' order by 1"
            ).fetchall(),
        )


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "     –"


def format_summary(summary: BuildSummary) -> str:
    lines = [
        "",
        f"倉儲摘要：{summary.schools} 校、{summary.students:,} 位學生、課程學習成果 {summary.outcomes:,} 件、"
        f"多元表現 {summary.performances:,} 件",
    ]
    if summary.quarantine:
        total = sum(count for _, _, count in summary.quarantine)
        lines.append(f"隔離 {total:,} 列（原因）：" + "、".join(
            f"{label} {count:,}" for _, label, count in summary.quarantine))
        for source_file, message in summary.rejected_files:
            lines.append(f"  整檔拒收 {message}")
    else:
        lines.append("隔離 0 列")
    for school, problems in summary.refused_schools:
        lines.append(f"學校 {school} 不建置：{problems}")
    if summary.not_read:
        lines.append(f"未讀取的檔案或資料夾 {len(summary.not_read)} 個（合約未定義，已記錄）：")
        lines.extend(f"  {'拒讀' if status == 'refused' else '未讀取'} {message}" for _, status, message in summary.not_read)
    lines.append("")
    lines.append("各校最新學期完成度")
    lines.append("  學校     學年度-學期  在學人數  有上傳  上傳率   成果數  已認證  待認證  未通過  認證率")
    for line in summary.latest_terms:
        lines.append(
            f"  {line.school_code}   {line.academic_year}-{line.term}     {line.students_enrolled:>7,}  "
            f"{line.students_with_upload:>6,}  {_rate(line.students_with_upload, line.students_enrolled)}  "
            f"{line.outcomes_uploaded:>6,}  {line.outcomes_certified:>6,}  {line.outcomes_pending:>6,}  "
            f"{line.outcomes_failed:>6,}  {_rate(line.outcomes_certified, line.outcomes_uploaded)}"
        )
    return "\n".join(lines)


def print_summary(settings: Settings) -> None:
    print(format_summary(read_summary(settings)), flush=True)
