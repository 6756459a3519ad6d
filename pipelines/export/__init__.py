"""The central-database exports (../shared/contract/exports.md), frozen submissions and receipts.

``layout`` (files, sheets, headers as data), ``gating`` (what the gate's verdict means per folder),
``workbook`` (writing and reading a 名冊), ``core`` (export_school, export_all), ``submission``
(frozen folders, submit, verify), ``reconcile`` (收訖明細 against the submission), ``store`` (schema
``submissions``), the CLI modules (``cli`` export, ``submit_cli``, ``verify_cli``, ``reconcile_cli``,
``receipts_cli``) and the Dagster assets (``assets``).
"""
