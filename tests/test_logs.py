import logging

from pipelines.logs import setup_logging


def test_a_logged_national_id_reaches_stderr_masked(capsys):
    setup_logging()
    logging.getLogger("pipelines.ingest").warning("學生 %s 的資料重複", "A123456789")
    err = capsys.readouterr().err
    assert "A123456789" not in err
    assert "警告：學生 A12****789 的資料重複" in err


def test_our_info_lines_by_default_debug_lines_only_when_verbose_and_never_twice(capsys):
    setup_logging()
    logging.getLogger("pipelines.build").info("進度一")
    logging.getLogger("pipelines.build").debug("細節一")
    logging.getLogger("some.library").info("函式庫的雜訊")
    assert capsys.readouterr().err == "進度一\n"
    setup_logging(verbose=True)
    logging.getLogger("dashboards.data").debug("細節二")
    err = capsys.readouterr().err
    assert err.count("細節二") == 1 and "DEBUG dashboards.data" in err
    setup_logging()


def test_a_librarys_own_info_lines_and_pythons_warnings_stay_out_unless_verbose(capsys, request):
    library = logging.getLogger("dagster.builtin")
    request.addfinalizer(lambda level=library.level: library.setLevel(level))
    library.setLevel(logging.DEBUG)  # Dagster sets its loggers' levels itself
    setup_logging()
    library.info("A dbt subsetted execution is being performed")
    library.warning("庫的警告")
    logging.getLogger("py.warnings").warning("BetaWarning: Parameter `owners` is currently in beta")
    err = capsys.readouterr().err
    assert "subsetted" not in err and "BetaWarning" not in err and "庫的警告" in err
    setup_logging(verbose=True)
    logging.getLogger("py.warnings").warning("BetaWarning: Parameter `owners` is currently in beta")
    assert "BetaWarning" in capsys.readouterr().err
    setup_logging()
