"""What `portfolio demo` does after the exports: the whole loop after submission on the sample data.

For each written term folder (1 or 2) of a passing school: submit it (each unit its own 名冊, the last one
freezing the folder), simulate the ministry's receipt,
reconcile it, simulate the students' replies (platform/收訖確認.csv, with the generator's truth), ingest them
like any delivery, and print the confirmation state beside the truth.

The loop runs on the data's reference day (dashboards.clock.reference_day, the day the school's dashboards
count days left from), not on today: the sample's terms lie in the past, and a window opened today would put every reply,
late or not, and every dispute's due date in the future of the data the dashboards show. The folder is
submitted at 09:00 of that day and its receipt reconciled at 10:00, when the confirmation window opens; the
replies are timed inside and after that window. The audit log keeps the real time of each step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pipelines.contract import FILES_BY_KIND

SUBMITTED_AT = dt.time(9, 0)  # on the reference day, Asia/Taipei
RECONCILED_AT = dt.time(10, 0)  # the receipt back an hour later: the confirmation window opens
SEED = 2026


@dataclass(frozen=True)
class ConfirmationRun:
    """One term folder taken through submit → receipt → replies: what the warehouse says and the truth."""

    reconciliation: object  # pipelines.export.reconcile.ReconcileResult
    state: object  # pipelines.export.confirmations.ConfirmationState
    truth: object  # pipelines.generate.receipts.ReplySimulation


def simulate_confirmations(settings, out: Path, school: str, year: int, term: int, folder: Path, day: dt.date,
                           *, seed: int = SEED, reports: Path | None = None) -> ConfirmationRun:
    """Submit `folder` (the newest export under `out`) on `day`, reconcile the simulated receipt, write and
    ingest the students' simulated replies and evaluate them."""
    from pipelines.export.confirmations import evaluate, policy_days
    from pipelines.export.layout import receipt_path, roster_units, workbooks_for
    from pipelines.export.reconcile import reconcile
    from pipelines.export.store import SCHEMA
    from pipelines.export.submission import student_index, submit
    from pipelines.generate.receipts import simulate_receipt, simulate_replies
    from pipelines.ingest.load import ingest_file_kind
    from pipelines.warehouse import connect

    owners = roster_units()
    for unit in dict.fromkeys(owners[workbook.name] for workbook in workbooks_for(term)):
        submit(settings, out, school, year, term, by=f"demo {unit}", unit=unit,
               at=dt.datetime.combine(day, SUBMITTED_AT))
    receipt = simulate_receipt(folder, receipt_path(settings.source, school, year, term), seed=seed).path
    result = reconcile(settings, school, year, term, reports=reports, at=dt.datetime.combine(day, RECONCILED_AT))
    with connect(settings.warehouse, read_only=True) as con:
        [(opens,)] = con.execute(f"""select min(reconciled_at) from {SCHEMA}.reconciliations
            where school_code = ? and academic_year = ? and term = ?""", [school, year, term]).fetchall()
        window_days = policy_days(con, school)[0]
    numbers = {digest: student["student_number"]
               for digest, student in student_index(settings.warehouse, school, year, term).items()}
    truth = simulate_replies(folder, receipt, settings.source / school / "platform" / "收訖確認.csv",
                             numbers, opens_at=opens, window_days=window_days, seed=seed)
    with connect(settings.warehouse) as con:
        ingest_file_kind(con, settings.source, FILES_BY_KIND["receipt_confirmations"], schools=[school])
    return ConfirmationRun(result, evaluate(settings.warehouse, school, year, term), truth)


def describe(run: ConfirmationRun) -> str:
    """One line: the warehouse's confirmation state, then the simulation's truth, the same counts in the same order."""
    from pipelines.roc import roc_date

    state, truth, result = run.state, run.truth, run.reconciliation
    summary = state.summary()
    return (f"  {state.school} {state.academic_year}_{state.term}：收訖 {result.count('received'):,}、"
            f"退件 {result.count('rejected'):,}；確認期間 {roc_date(state.window_opens, era=True)}–{roc_date(state.window_closes)}；"
            f"學生 {summary['students']}（已確認 {summary['confirmed']}、有誤 {summary['disputed']}、"
            f"未確認 {summary['unconfirmed']}），逾期回覆 {state.late_replies} 項、家長 {state.guardian_replies} 項，"
            f"未結申訴 {summary['open_disputes']}"
            f"｜模擬真值 確認期限 {roc_date(truth.window_closes)}；已確認 {truth.confirmed}、有誤 {truth.disputed}、"
            f"未確認 {truth.unconfirmed}，逾期 {truth.late_replies} 項、家長 {truth.guardian_replies} 項，"
            f"申訴 {truth.disputed_items}")


def run_receipts_loop(settings, outcomes, print_line=print, *,
                      reference: tuple[dt.date, str] | None = None) -> list[ConfirmationRun]:
    """The loop for every written term folder, each school on its own reference day (the one its accounts'
    dashboards count from: dashboards.demo.reference_day), or on `reference` (the day and the sentence why)."""
    from dashboards.demo import reference_day

    runs, said = [], set()
    for outcome in outcomes:
        if outcome.status != "written" or outcome.term not in (1, 2) or outcome.folder is None:
            continue
        day, why = reference or reference_day(settings, outcome.school)
        if outcome.school not in said:
            print_line(f"  {outcome.school} {why}：提交、收訖明細與確認期間都從這天開始模擬")
            said.add(outcome.school)
        run = simulate_confirmations(settings, settings.exports_dir, outcome.school, outcome.academic_year,
                                     outcome.term, outcome.folder, day)
        print_line(describe(run))
        runs.append(run)
    return runs
