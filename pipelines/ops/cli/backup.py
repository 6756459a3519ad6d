"""`portfolio backup list | create | restore`: the warehouse's snapshots (pipelines/ops/backup.py)."""

from __future__ import annotations

import argparse
import sys

from pipelines.cli_args import add_warehouse
from pipelines.ops.cli.common import add_actor


def add_parser(subparsers) -> argparse.ArgumentParser:
    backup = subparsers.add_parser(
        "backup", help="list, take or restore snapshots of the warehouse (backups/ beside it)",
        description="Every build keeps the warehouse it replaces as a snapshot in backups/ beside the warehouse "
        "(the last $PORTFOLIO_BACKUPS_KEEP, default 5). `list` shows them, `create` takes one now, "
        "`restore NAME` (or `restore latest`) puts one back; the warehouse it replaces is kept as a snapshot too.",
    )
    actions = backup.add_subparsers(dest="backup_action", required=True, metavar="ACTION")
    add_warehouse(actions.add_parser("list", help="list the snapshots, newest last"))
    add_warehouse(actions.add_parser("create", help="take a snapshot now"))
    restore = actions.add_parser("restore", help="make a snapshot the live warehouse again")
    restore.add_argument("name", help="the snapshot's file name (or a unique part of it), or 'latest'")
    add_warehouse(restore)
    add_actor(restore)
    return backup


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""


def _mirror_audit(settings) -> None:
    """Show the restore itself in audit.events now (the next build would anyway)."""
    import duckdb

    from pipelines.ops.audit import sync_audit_table

    try:
        with duckdb.connect(str(settings.warehouse)) as con:
            sync_audit_table(con, settings)
    except duckdb.Error:
        pass


def run(args: argparse.Namespace) -> int:
    from pipelines.ops.backup import find_snapshot, restore_snapshot, take_snapshot
    from pipelines.ops.files import WarehouseBusy, list_snapshots
    from pipelines.settings import Settings

    settings = Settings.resolve(warehouse=args.warehouse)
    if args.backup_action == "list":
        snapshots = list_snapshots(settings)
        print(f"倉儲 {settings.warehouse} 的備份（{settings.backups_dir}，保留最近 {settings.backups_keep} 份）")
        if not snapshots:
            print("  尚無備份：每次建置成功時會保存建置前的版本")
        labels = {"build": "建置前", "restore": "還原前", "manual": "手動"}
        for snapshot in snapshots:
            print(f"  {snapshot.name}  {snapshot.created:%Y-%m-%d %H:%M:%S}  {labels.get(snapshot.label, snapshot.label)}"
                  f"  {_size(snapshot.size)}")
        return 0

    if args.backup_action == "create":
        try:
            path = take_snapshot(settings, "manual")
        except WarehouseBusy as error:
            print(str(error), file=sys.stderr)
            return 1
        if path is None:
            print(f"找不到倉儲檔 {settings.warehouse}", file=sys.stderr)
            return 2
        print(f"已備份 {settings.warehouse.name} → {path}")
        return 0

    snapshot = find_snapshot(settings, args.name)
    if snapshot is None:
        names = [s.name for s in list_snapshots(settings)]
        print(f"找不到備份 {args.name!r}（現有：{'、'.join(names) or '無'}）", file=sys.stderr)
        return 2
    from pipelines.ops.audit import record_audit

    try:
        saved = restore_snapshot(settings, snapshot, announce=print)
    except (ValueError, WarehouseBusy) as error:
        print(str(error), file=sys.stderr)
        return 1
    record_audit(settings, "backup_restore", actor=args.actor,
                 details={"restored": snapshot.name, "replaced_saved_as": saved.name if saved else None})
    _mirror_audit(settings)
    print(f"已還原 {snapshot.name} → {settings.warehouse}")
    if saved:
        print(f"  還原前的倉儲保存為 {saved.name}（如需復原：portfolio backup restore {saved.name}）")
    return 0
