"""Operations: what lets a school leave the platform running all year.

Plain Python, no Dagster import (unit-testable):

- ``backup``: builds on a copy swapped in atomically, snapshots in backups/, list and restore;
- ``purge``: retention of leavers' data (``portfolio purge``), everywhere it lives, audited;
- ``reminders`` / ``reminder_xlsx``: lists before the policy's deadlines, proxy certification with its chain,
  receipt confirmations and open disputes per class, the registrar's 名冊 deadlines and disputes;
- ``audit``: the audit log (``record_audit``) that exports, submissions, reconciliation, purges and
  restores write to.

Dagster: ``dagster`` (per-school partitioned jobs, the delivery sensor, the nightly gate and morning
reminder schedules). Command line: ``cli/`` (remind, purge, backup, audit).
"""
