"""The pre-submission gate for one school and academic year: "can we submit?" and what to fix."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from expectations.rules import RULES
from expectations.runner import GATE_SCHEMA, GateError, RuleResult
from pipelines.names import NameBook, connection_rows, read_names
from pipelines.policy import DEFAULT_POLICY, KEYED_POLICY_KEYS, POLICY_KEYS, Policy


class UnknownSchoolOrYear(GateError):
    """The warehouse has no such school, or no registry for that year: a usage error, not a failed gate."""


class GateFailed(Exception):
    """Raised by GateResult.raise_if_failed(): some error rule has violations, so the school cannot submit."""

    def __init__(self, result: GateResult):
        super().__init__(f"{result.school} {result.academic_year} 學年度未通過檢核：{'、'.join(result.failed_rules)}"
                         f"（錯誤 {result.errors} 筆）")
        self.result = result


@dataclass(frozen=True)
class ClassInfo:
    class_code: str
    class_name: str | None = None
    homeroom_teacher_code: str | None = None
    homeroom_teacher_name: str | None = None


@dataclass(frozen=True)
class GateResult:
    school: str
    academic_year: int
    term: int | None
    as_of: dt.date
    results: tuple[RuleResult, ...]
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    checked_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    policy_error: str | None = None  # policy.yaml was invalid: the national defaults were used
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    names: NameBook | None = field(default=None, compare=False)  # the offending rows' students, items and teachers by name (reports)

    @property
    def name_book(self) -> NameBook:
        """The names the reports print; codes only when the result was made without a warehouse."""
        return self.names if self.names is not None else NameBook(self.school)

    @property
    def passed(self) -> bool:
        """False exactly when some error rule has violations."""
        return not any(result.rule.is_error and result.violations for result in self.results)

    @property
    def errors(self) -> int:
        return sum(result.violations for result in self.results if result.rule.is_error)

    @property
    def warnings(self) -> int:
        return sum(result.violations for result in self.results if not result.rule.is_error)

    @property
    def failed_rules(self) -> list[str]:
        return [result.id for result in self.results if result.rule.is_error and result.violations]

    def raise_if_failed(self) -> GateResult:
        """For callers that want an exception (an export): GateFailed when an error rule has violations."""
        if not self.passed:
            raise GateFailed(self)
        return self

    def result(self, rule_id: str) -> RuleResult:
        return next(result for result in self.results if result.id == rule_id)


def read_policy(warehouse: Path, school: str) -> tuple[Policy, str | None]:
    """The school's resolved policy from the warehouse (ingestion applied the defaults) and its error, if any."""
    from pipelines.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        found = con.execute(f"select * from {GATE_SCHEMA}.dim_schools where school_code = ?", [school]).df()
    if found.empty:
        raise UnknownSchoolOrYear(f"倉儲中沒有學校 {school}")
    return policy_from_record(found.iloc[0].to_dict())


def policy_from_record(record: dict) -> tuple[Policy, str | None]:
    """A dim_schools row as (Policy, policy_error)."""
    values = {}
    for key in POLICY_KEYS:
        # deadlines reach the gate through the dbt models, joined per term and year; a column a warehouse
        # built before it existed holds null: the national default applies
        if key not in record or key in KEYED_POLICY_KEYS or _is_missing(record[key]):
            continue
        value = record[key]
        if isinstance(value, (str, bool)):
            values[key] = value
        elif hasattr(value, "__len__"):
            values[key] = tuple(str(item) for item in value)
        else:
            values[key] = bool(value) if isinstance(getattr(DEFAULT_POLICY, key), bool) else int(value)
    error = record.get("policy_error")
    return dataclasses.replace(DEFAULT_POLICY, **values), error if isinstance(error, str) else None


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def available_years(warehouse: Path, school: str | None = None) -> dict[str, list[int]]:
    """Academic years with a registry, per school."""
    from pipelines.warehouse import connect

    query = f"select distinct school_code, academic_year from {GATE_SCHEMA}.fct_student_terms"
    parameters: list = []
    if school is not None:
        query += " where school_code = ?"
        parameters.append(school)
    with connect(warehouse, read_only=True) as con:
        pairs = con.execute(query + " order by 1, 2", parameters).fetchall()
        schools = [row[0] for row in con.execute(f"select school_code from {GATE_SCHEMA}.dim_schools order by 1").fetchall()]
    years: dict[str, list[int]] = {code: [] for code in schools if school is None or code == school}
    for code, year in pairs:
        years.setdefault(code, []).append(int(year))
    return years


def run_gate(warehouse: Path, school: str, year: int, term: int | None = None, as_of: dt.date | None = None) -> GateResult:
    """Every rule R01–R28 for one school and academic year (and term), held to the school's own policy.

    The batched gate for one target (`run_gates`): one gate, whether one school asks or the nation.
    """
    (result,) = run_gates(warehouse, [(school, year)], term, as_of)
    return result


def _named_in(results) -> tuple[set[str], set[str]]:
    """The student numbers and item keys of the offending rows: what the reports name."""
    rows = [row for result in results for row in result.rows]
    return {row.student_number for row in rows}, {row.key for row in rows}


# The batched gate validates this many schools in one pass. Every rule is judged within a school, so passes
# give the results of one, and what a pass holds (GX's pandas frames of distinct combinations, R25's count
# per key) is a fifth of the nation's: the nation's 1,000 school-years in one pass took 140 s and peaked at
# 6.9 GB; in passes of 100 schools, 147 s and 3.9 GB.
SCHOOLS_PER_PASS = 100


def run_gates(warehouse: Path, targets: list[tuple[str, int]] | None = None, term: int | None = None,
              as_of: dt.date | None = None) -> list[GateResult]:
    """`run_gate` for many schools and years at once (default: every school and year on record).

    The same suites, policies and results, validated on pre-aggregated frames across schools
    (pipelines/gate/batch.py): the nation's 1,000 school-years in about the time of a few dozen. Passes
    run in worker processes when there are several (PORTFOLIO_GATE_WORKERS, default one per CPU up to 4):
    DuckDB spreads each query over the cores, but Great Expectations, making each violation and reading
    the names it shows are Python on one core, half of a pass. Each worker's DuckDB gets its share of
    the memory limit.
    """
    from expectations.runner import FRAMES
    from pipelines.gate.exported import FRAMES as EXPORTED_FRAMES
    from pipelines.processes import spawned_pool, worker_count
    from pipelines.warehouse import MEMORY_LIMIT_GB, connect, table_exists

    as_of = as_of or dt.date.today()
    with connect(warehouse, read_only=True) as con:
        for name in (*FRAMES, "dim_teachers", "dim_classes", "dim_schools"):
            if name not in EXPORTED_FRAMES and not table_exists(con, GATE_SCHEMA, name):
                raise GateError(f"倉儲缺少 {GATE_SCHEMA}.{name}：請先執行 portfolio build")
        on_record = {(school, int(year)) for school, year in con.execute(
            f"select distinct school_code, academic_year from {GATE_SCHEMA}.fct_student_terms").fetchall()}
    targets = sorted(on_record) if targets is None else [(school, int(year)) for school, year in targets]
    unknown = [target for target in targets if target not in on_record]
    if unknown:
        school, year = unknown[0]
        raise UnknownSchoolOrYear(f"學校 {school} 在倉儲中沒有 {year} 學年度的學籍資料")
    schools = sorted({school for school, _ in targets})
    if not schools:
        return []
    workers = min(worker_count("PORTFOLIO_GATE_WORKERS"), -(-len(schools) // SCHOOLS_PER_PASS))
    # as many passes as keep each within SCHOOLS_PER_PASS, in a multiple of the workers: they finish together
    passes = workers * -(-len(schools) // (workers * SCHOOLS_PER_PASS))
    size = -(-len(schools) // passes)
    memory_limit = f"{max(1, MEMORY_LIMIT_GB // workers)}GB"
    jobs = []
    for start in range(0, len(schools), size):
        chunk = set(schools[start:start + size])
        jobs.append((warehouse, [target for target in targets if target[0] in chunk], term, as_of, memory_limit))
    if workers > 1:
        with spawned_pool(workers) as pool:
            done = list(pool.map(_gate_pass, *zip(*jobs)))
    else:
        done = [_gate_pass(*job) for job in jobs]
    results = {(result.school, result.academic_year): result for chunk in done for result in chunk}
    return [results[target] for target in targets]


def _gate_pass(warehouse: Path, targets: list[tuple[str, int]], term: int | None, as_of: dt.date,
               memory_limit: str) -> list[GateResult]:
    """One pass of `run_gates`: these school-years (known to be on record) on one connection."""
    from pipelines.gate.batch import validate_school_years
    from pipelines.gate.proxy import teachers_from_records
    from pipelines.warehouse import connect

    with connect(warehouse, read_only=True, memory_limit=memory_limit) as con:
        schools = sorted({school for school, _ in targets})
        wanted = "school_code in (select unnest(?::varchar[]))"
        policies = {record["school_code"]: policy_from_record(record) for record in con.execute(
            f"select * from {GATE_SCHEMA}.dim_schools where {wanted}", [schools]).df().to_dict("records")}
        missing_policy = [school for school in schools if school not in policies]
        if missing_policy:
            raise UnknownSchoolOrYear(f"倉儲中沒有學校 {missing_policy[0]}")
        teacher_rows = con.execute(f"select * from {GATE_SCHEMA}.dim_teachers where {wanted}", [schools]).df()
        teachers = {school: teachers_from_records(group.to_dict("records"))
                    for school, group in teacher_rows.groupby("school_code")} if len(teacher_rows) else {}
        classes = con.execute(f"select * from {GATE_SCHEMA}.dim_classes where {wanted}", [schools]).df()
        results = validate_school_years(con, targets, policies, teachers, term, as_of)
        named: dict[str, tuple[set[str], set[str]]] = {school: (set(), set()) for school in schools}
        for (school, _), school_results in results.items():
            students, keys = _named_in(school_results)
            named[school][0].update(students)
            named[school][1].update(keys)
        names = read_names(connection_rows(con), named)
    missing = {rule.id for rule in RULES} - {result.id for result in next(iter(results.values()), [])} if results else set()
    if missing:
        raise GateError(f"rules not checked by any suite: {sorted(missing)}")
    by_school_year = {key: group for key, group in classes.groupby(["school_code", "academic_year"])} if len(classes) else {}
    return [
        GateResult(school=school, academic_year=year, term=term, as_of=as_of, results=tuple(results[(school, year)]),
                   policy_error=policies[school][1],
                   classes=_classes(by_school_year.get((school, year), classes.iloc[0:0]), term), names=names[school])
        for school, year in dict.fromkeys(targets)
    ]


def _classes(class_rows, term: int | None) -> dict[str, ClassInfo]:
    classes = {}
    if term is not None and len(class_rows):
        class_rows = class_rows[class_rows["term"] == term]
    for record in class_rows.sort_values("term").to_dict("records") if len(class_rows) else []:  # the later term's homeroom wins
        classes[record["class_code"]] = ClassInfo(
            class_code=record["class_code"],
            class_name=_text(record.get("class_name")),
            homeroom_teacher_code=_text(record.get("homeroom_teacher_code")),
            homeroom_teacher_name=_text(record.get("homeroom_teacher_name")),
        )
    return classes


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
