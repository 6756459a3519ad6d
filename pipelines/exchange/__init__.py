"""Portfolio exchange for transfers (學籍異動之學習歷程交換): one student's history, school to school.

The sending school exports a package (`portfolio exchange export`, export.py); the receiving school
imports it (`portfolio exchange import`, importer.py) into raw.exchange_* tables (tables.py), which dbt
reads in staging (stg_exchange__*) and appends to the receiving school's fct_course_outcomes and
fct_diverse_performances with their origin (README "Transfers"). The package format is package.py;
`make demo` moves the generated transfer (demo.py).

A package carries the student's whole 身分證號, as the central-database workbooks do: it goes from school
to school and nowhere else. It is written where the operator says (never under reports/ or logs), and
every message and audit entry about it shows the ID masked.
"""
