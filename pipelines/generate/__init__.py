"""Synthetic school deliveries in the input contract's layout, with their ground truth.

``generate(out, schools, students_per_school, ...)`` writes ``<out>/<學校代碼>/`` folders
(policy.yaml, admin/, platform/) and ``<out>/_truth/`` (generation.json, quarantine.csv,
expected_counts.csv, violations.csv). No Dagster here: the CLI and the tests call it directly.

Modules: ``plan`` (per-school calendar, policy, file formats), ``admin`` and ``platform`` (the rows),
``inject`` (field-level rule violations), ``truth`` (counts and rules evaluated on the final rows;
its docstring gives the key of every rule), ``render`` (text, noise, malformed rows, CSV/XLSX),
``school`` (one school end to end), ``core`` (the public API), ``codes`` and ``text`` (identifiers, words).
"""

from pipelines.generate.core import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
