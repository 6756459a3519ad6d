"""`portfolio receipts status` and `portfolio receipts answer`: the students' confirmations and disputes.

status: exit 0 when every student confirmed and no dispute is open, 1 otherwise, 2 for bad usage or when
no receipt was reconciled yet. answer: exit 0 when the answer was recorded, 2 otherwise. forms: exit 0 when
written, 1 when --pdf cannot print (no chromium), 2 when no receipt was reconciled.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pipelines.cli_args import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE, add_warehouse, built_settings
from pipelines.export.cli import add_target

STATE_LABELS = {"confirmed": "已確認", "disputed": "有誤", "unconfirmed": "未確認"}


def add_parsers(actions) -> None:
    status = actions.add_parser(
        "status", help="the students' confirmations of a submission's receipt, and the open disputes",
        description="Count the students of the latest reconciled receipt who confirmed (正確 for every item), "
        "disputed (有誤 for some item) or have not replied, the confirmation window's last day, and the "
        "dispute cases still open (by roster and class, with the unit that owns them). Replies come from "
        "platform/收訖確認.csv through portfolio build; new 有誤 replies open numbered cases.",
    )
    add_target(status, term_required=True)
    status.add_argument("--json", type=Path, metavar="PATH", help="also write the counts as JSON here")
    add_warehouse(status)
    forms = actions.add_parser(
        "forms", help="write the per-class 歷程確認單 workbooks (one sheet per student) for the 導師",
        description="One xlsx per class: a 總覽 of its students (confirmation state; 郵寄 for students who have "
        "left, reached by post) and one print-ready sheet per student with every item received or rejected.",
    )
    add_target(forms, term_required=True)
    forms.add_argument("--reports", type=Path, metavar="DIR",
                       help="where they go (default <warehouse dir>/reports/receipts/<學校代碼>/<學年度>_<學期>/確認單/)")
    forms.add_argument("--pdf", action="store_true",
                       help="also print each class's forms as PDF (through Debian's chromium, fonts-noto-cjk)")
    add_warehouse(forms)
    answer = actions.add_parser(
        "answer", help="close one dispute case with the school's reason (no re-submission needed)",
        description="Record the school's answer to dispute case N (from portfolio receipts status): the item "
        "was right, or was corrected another way. A case fixed by a re-submission closes by itself.",
    )
    answer.add_argument("--case", type=int, required=True, metavar="N", help="case number")
    answer.add_argument("--reason", required=True, metavar="TEXT", help="the reason told to the student")
    add_warehouse(answer)


def _on_warehouse(args: argparse.Namespace, action):
    """(settings, what `action(warehouse)` gives) on the built warehouse; the result is None when there is no
    warehouse or the confirmations cannot be judged, with the reason printed."""
    from pipelines.export.confirmations import ConfirmationError

    settings = built_settings(args.warehouse)
    if settings is None:
        return settings, None
    try:
        result = action(settings.warehouse)
    except ConfirmationError as error:
        print(str(error), file=sys.stderr)
        return settings, None
    from pipelines.publish import refresh_submissions

    refresh_submissions(settings)  # the evaluation (new cases, answers) reaches the dashboards now
    return settings, result


def run_status(args: argparse.Namespace) -> int:
    from pipelines.export.confirmations import evaluate
    from pipelines.names import key_names
    from pipelines.roc import roc_date

    settings, state = _on_warehouse(args, lambda warehouse: evaluate(warehouse, args.school, args.year, args.term))
    if state is None:
        return EXIT_USAGE
    summary = state.summary()
    print(f"{state.school}  {state.academic_year}_{state.term}  確認期間至 {roc_date(state.window_closes, era=True)}")
    print(f"  學生 {summary['students']:,}：" + "、".join(f"{label} {summary[state_name]:,}" for state_name, label in STATE_LABELS.items())
          + f"；逾期回覆 {state.late_replies:,} 項、家長代為確認 {state.guardian_replies:,} 項")
    if state.unmatched_replies:
        print(f"  對不上收訖明細項目的回覆 {state.unmatched_replies:,} 項")
    open_cases = [case for case in state.cases if case.is_open]
    print(f"  申訴案件 {len(state.cases):,}，未結 {len(open_cases):,}")
    for (workbook, class_code, unit), count in sorted(Counter(
            (case.workbook, case.class_code or "未分班", case.owner_unit) for case in open_cases).items()):
        print(f"    {workbook}  {class_code} 班  {unit}  {count} 件")
    book = key_names(settings.warehouse, state.school, [case.item_key_shown for case in open_cases])
    for case in open_cases:
        print(f"    第 {case.case_id} 號  {case.class_code or '未分班'} 班 {case.student_number}  {case.workbook} "
              f"{book.item_key(case.item_key_shown) or ''}  {case.owner_unit}  期限 {roc_date(case.due_date, era=True)}")
    waiting = Counter(state.classes[number] or "未分班" for number, value in state.students.items() if value == "unconfirmed")
    for class_code, count in sorted(waiting.items()):
        print(f"  {class_code} 班未確認 {count} 人")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return EXIT_OK if summary["unconfirmed"] == 0 and summary["open_disputes"] == 0 else EXIT_BLOCKED


def run_answer(args: argparse.Namespace) -> int:
    from pipelines.export.confirmations import answer_case, evaluate
    from pipelines.export.submission import _default_actor

    def answer(warehouse):
        case = answer_case(warehouse, args.case, args.reason, _default_actor())
        evaluate(warehouse, case["school_code"], case["academic_year"], case["term"])  # the case's term, as it is now
        return case

    _, case = _on_warehouse(args, answer)
    if case is None:
        return EXIT_USAGE
    print(f"第 {args.case} 號申訴（{case['student_number']} {case['workbook']}）已回覆結案")
    return EXIT_OK


def run_forms(args: argparse.Namespace) -> int:
    from pipelines.export.confirmation_forms import write_confirmation_forms
    from pipelines.export.confirmations import evaluate
    from pipelines.export.layout import folder_name

    settings, state = _on_warehouse(args, lambda warehouse: evaluate(warehouse, args.school, args.year, args.term))
    if state is None:
        return EXIT_USAGE
    folder = args.reports or settings.receipt_reports_dir / args.school / folder_name(args.year, args.term) / "確認單"
    written = write_confirmation_forms(settings.warehouse, state, folder)
    print(f"歷程確認單 {len(written)} 班：{folder}")
    if args.pdf:
        from pipelines.export.confirmation_forms import write_confirmation_pdfs
        from pipelines.export.confirmations import ConfirmationError

        try:
            printed = write_confirmation_pdfs(settings.warehouse, state, folder)
        except (ConfirmationError, OSError, subprocess.SubprocessError) as error:
            print(str(error), file=sys.stderr)
            return EXIT_BLOCKED
        print(f"歷程確認單 PDF {len(printed)} 班：{folder}")
    return EXIT_OK
