import logging
from types import SimpleNamespace

from pipelines.resources import PortfolioResource


def test_progress_lines_reach_dagster_a_few_to_a_message_and_the_command_line_one_by_one(caplog):
    messages = []
    context = SimpleNamespace(log=SimpleNamespace(info=messages.append))
    portfolio = PortfolioResource(warehouse="warehouse.duckdb", source="source", print_progress=True)
    lines = [f"  檢核 01000{number} 113 學年度  通過" for number in range(5)]
    with caplog.at_level(logging.INFO, logger="pipelines.resources"):
        with portfolio.progress_lines(context, every=2) as say:
            for line in lines:
                say(line)
            assert messages == ["\n".join(lines[0:2]), "\n".join(lines[2:4])]  # the fifth waits for company
    assert messages[-1] == lines[4]  # and comes out when the block ends
    assert [record.getMessage() for record in caplog.records] == lines


def test_progress_lines_left_pending_are_logged_when_the_work_fails():
    messages = []
    context = SimpleNamespace(log=SimpleNamespace(info=messages.append))
    portfolio = PortfolioResource(warehouse="warehouse.duckdb", source="source")
    try:
        with portfolio.progress_lines(context) as say:
            say("  匯出 010001 113_1 已寫入")
            raise RuntimeError("disk full")
    except RuntimeError:
        pass
    assert messages == ["  匯出 010001 113_1 已寫入"]
