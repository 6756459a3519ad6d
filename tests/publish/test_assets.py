import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.gate.assets import GATE_KEY
from pipelines.publish.assets import PUBLISH_KEY
from pipelines.settings import Settings


def test_publishing_runs_after_the_marts_and_the_gate(tmp_path):
    definitions = build_definitions(Settings.resolve(warehouse=tmp_path / "w.duckdb", source=tmp_path))
    graph = definitions.resolve_asset_graph()

    parents = graph.get(PUBLISH_KEY).parent_keys
    assert GATE_KEY in parents
    assert dg.AssetKey(["marts", "fct_student_completion"]) in parents
