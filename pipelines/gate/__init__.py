"""The pre-submission gate: "can we submit?" per school and year, and what to fix.

- ``core.run_gate(warehouse, school, year, term, as_of) -> GateResult``: every rule R01–R28
  (expectations/suites.py, Great Expectations on dbt's marts/gate frames), held to the school's policy.
- ``report.write_json`` (rules.md's JSON), ``html.write_html`` (繁體中文, by class and by teacher),
  ``xlsx.write_xlsx``, ``store.store_results`` (warehouse schema ``gate``).
- ``proxy.choose_proxy``: who certifies for a departed teacher (policy proxy_order), in one place.
- ``cli.add_parser`` / ``cli.run``: ``portfolio gate``; ``assets``: the Dagster asset and blocking check.

Nothing is imported here, so that ``portfolio --help`` does not pay for importing Great Expectations.
"""
