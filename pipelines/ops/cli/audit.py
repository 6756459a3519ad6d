"""`portfolio audit`: who exported, submitted, reconciled, purged, restored what and when."""

from __future__ import annotations

import argparse
import json

from pipelines.cli_args import add_warehouse, school_code


def add_parser(subparsers) -> argparse.ArgumentParser:
    audit = subparsers.add_parser(
        "audit", help="show the audit log (who exported, submitted, reconciled, purged, restored what and when)",
        description="The audit log is audit/events.jsonl beside the warehouse (append-only; mirrored into the "
        "warehouse table audit.events at every build). Events hold counts and keys, never content.",
    )
    audit.add_argument("--action", help="only this action (build, export, submit, reconcile, purge, backup, backup_restore, recover, remind)")
    audit.add_argument("--school", metavar="CODE", type=school_code, help="only this school")
    audit.add_argument("--last", type=int, default=30, metavar="N", help="the last N events (default 30; 0 for all)")
    audit.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    add_warehouse(audit)
    return audit


def _summary(details: dict) -> str:
    parts = []
    for key, value in details.items():
        if isinstance(value, list):
            parts.append(f"{key}={len(value)}")
        elif isinstance(value, dict):
            parts.append(f"{key}={sum(v for v in value.values() if isinstance(v, int)) if value else 0}")
        else:
            parts.append(f"{key}={value}")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    from pipelines.ops.audit import read_audit
    from pipelines.settings import Settings

    settings = Settings.resolve(warehouse=args.warehouse)
    events = read_audit(settings, action=args.action, school=args.school)
    if args.last:
        events = events[-args.last:]
    if args.json:
        for event in events:
            print(json.dumps(event, ensure_ascii=False))
        return 0
    print(f"稽核紀錄 {settings.audit_log}（{len(events)} 筆）")
    for event in events:
        where = " ".join(str(part) for part in (event.get("school_code"), event.get("academic_year"), event.get("term"))
                         if part is not None)
        print(f"  {event.get('occurred_at', '')[:19]}  {event.get('actor', ''):<12} {event.get('action', ''):<15} "
              f"{where:<14} {_summary(event.get('details') or {})}")
    return 0
