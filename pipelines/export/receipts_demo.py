"""What `portfolio demo` does after the exports: the whole loop after submission on the sample data.

For each written term folder (1 or 2) of a passing school: submit it (each unit its own 名冊, the last one
freezing the folder), simulate the ministry's receipt,
reconcile it, simulate the students' replies (platform/收訖確認.csv, with the generator's truth), ingest them
like any delivery, and print the confirmation state beside the truth.
"""

from __future__ import annotations

from pipelines.contract import FILES_BY_KIND


def run_receipts_loop(settings, outcomes, print_line=print) -> None:
    from pipelines.export.confirmations import policy_days, evaluate
    from pipelines.export.layout import receipt_path
    from pipelines.export.reconcile import reconcile
    from pipelines.export.store import SCHEMA
    from pipelines.export.layout import workbooks_for
    from pipelines.export.submission import roster_units, student_index, submit
    from pipelines.generate.receipts import simulate_receipt, simulate_replies
    from pipelines.ingest.dates import roc_date
    from pipelines.ingest.load import ingest_file_kind
    from pipelines.warehouse import connect

    for outcome in outcomes:
        if outcome.status != "written" or outcome.term not in (1, 2) or outcome.folder is None:
            continue
        school, year, term = outcome.school, outcome.academic_year, outcome.term
        owners = roster_units()
        for unit in dict.fromkeys(owners[workbook.name] for workbook in workbooks_for(term)):
            submit(settings, settings.exports_dir, school, year, term, by=f"demo {unit}", unit=unit)
        receipt = simulate_receipt(outcome.folder, receipt_path(settings.source, school, year, term), seed=2026).path
        result = reconcile(settings, school, year, term)
        with connect(settings.warehouse, read_only=True) as con:
            [(opens,)] = con.execute(f"""select min(reconciled_at) from {SCHEMA}.reconciliations
                where school_code = ? and academic_year = ? and term = ?""", [school, year, term]).fetchall()
            window_days = policy_days(con, school)[0]
        numbers = {digest: student["student_number"]
                   for digest, student in student_index(settings.warehouse, school, year, term).items()}
        truth = simulate_replies(outcome.folder, receipt, settings.source / school / "platform" / "收訖確認.csv",
                                 numbers, opens_at=opens, window_days=window_days, seed=2026)
        with connect(settings.warehouse) as con:
            ingest_file_kind(con, settings.source, FILES_BY_KIND["receipt_confirmations"], schools=[school])
        state = evaluate(settings.warehouse, school, year, term)
        summary = state.summary()
        print_line(f"  {school} {year}_{term}：收訖 {result.count('received'):,}、退件 {result.count('rejected'):,}；"
                   f"學生 {summary['students']}（已確認 {summary['confirmed']}、有誤 {summary['disputed']}、"
                   f"未確認 {summary['unconfirmed']}），未結申訴 {summary['open_disputes']}，確認期限 {roc_date(state.window_closes)}"
                   f"｜模擬真值 已確認 {truth.confirmed}、有誤 {truth.disputed}、未確認 {truth.unconfirmed}、"
                   f"逾期 {truth.late_replies} 項、家長 {truth.guardian_replies} 項")
