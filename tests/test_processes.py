import os
import sys

import pytest

from pipelines.processes import MAX_WORKERS, main_script_hidden, spawned_pool, worker_count


@pytest.mark.parametrize(("configured", "expected"), [
    ("3", 3), (" 1 ", 1),
    ("", None), ("0", None), ("-2", None), ("two", None),  # unset or not a count: one per CPU
])
def test_worker_count_is_the_variable_else_one_per_cpu_up_to_the_maximum(monkeypatch, configured, expected):
    monkeypatch.setenv("PORTFOLIO_TEST_WORKERS", configured)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert worker_count("PORTFOLIO_TEST_WORKERS") == (expected or MAX_WORKERS)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert worker_count("PORTFOLIO_TEST_WORKERS") == (expected or 1)


def test_a_main_script_is_hidden_from_spawned_workers_and_back_afterwards(monkeypatch, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("raise SystemExit('a worker must not run the main script')\n")
    main = type(sys)("__main__")
    main.__file__ = str(script)
    main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", main)
    with main_script_hidden():
        assert not hasattr(main, "__file__")
    assert main.__file__ == str(script)
    with spawned_pool(1) as pool:  # the worker starts without running the script
        assert pool.submit(os.getpid).result() != os.getpid()
