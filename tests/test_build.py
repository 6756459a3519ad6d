"""`run_build` on the real graph: a step failing halfway leaves the last good warehouse in place."""

from __future__ import annotations

import hashlib
import os
import shutil

import duckdb

from pipelines.ops.backup import failed_path
from pipelines.settings import Settings


def test_a_build_failing_halfway_leaves_the_previous_warehouse_usable(built_sample, tmp_path, monkeypatch):
    import pipelines.ingest.assets as ingest_assets
    from pipelines.build import run_build

    shutil.copytree(built_sample.source, tmp_path / "source")
    shutil.copyfile(built_sample.warehouse, tmp_path / "warehouse.duckdb")
    settings = Settings.resolve(warehouse=tmp_path / "warehouse.duckdb", source=tmp_path / "source")
    school = sorted(path.name for path in settings.source.iterdir() if path.name != "_truth")[0]
    classes = next((settings.source / school / "admin").glob("班級.*"))
    classes.write_bytes(classes.read_bytes() + (b"\n" if classes.suffix == ".csv" else b""))  # a newer delivery
    before = hashlib.sha256(settings.warehouse.read_bytes()).hexdigest()

    real_ingest = ingest_assets.ingest_file_kind

    def ingest_then_fail_on_teachers(con, source_root, spec, schools=None):
        results = real_ingest(con, source_root, spec, schools=schools)
        if spec.kind == "teachers":
            raise OSError("disk full")  # the injected failure, after other files were written
        return results

    monkeypatch.setattr(ingest_assets, "ingest_file_kind", ingest_then_fail_on_teachers)
    for name in ("PORTFOLIO_WAREHOUSE", "PORTFOLIO_SOURCE"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    assert run_build(settings) is False

    assert hashlib.sha256(settings.warehouse.read_bytes()).hexdigest() == before
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:  # still opens, still answers
        assert con.execute("select count(*) from marts.dim_students").fetchall()[0][0] > 0
    with duckdb.connect(str(failed_path(settings.warehouse)), read_only=True) as con:  # it did get halfway
        newer = con.execute("select count(*) from raw.deliveries where school_code = ? and file_kind = 'classes'",
                            [school]).fetchall()[0][0]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        older = con.execute("select count(*) from raw.deliveries where school_code = ? and file_kind = 'classes'",
                            [school]).fetchall()[0][0]
    assert newer == older + 1
