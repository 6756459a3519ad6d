"""Diagnostics (progress, warnings, timings, debug lines) go through `logging`; what a command reports
to its user (results, summaries) stays `print`. The command line sets logging up once, here.

Every record passes through the one national-ID mask (pipelines.identity.install_masking).
"""

from __future__ import annotations

import logging
import sys

from pipelines.identity import install_masking

# Progress lines read as the command's own output; a level name only where it tells the reader something.
_FORMATS = {
    logging.INFO: "%(message)s",
    logging.DEBUG: "%(asctime)s %(levelname)s %(name)s: %(message)s",
}


OUR_LOGGERS = ("pipelines", "dashboards", "benchmarks")


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (a masked stream, a test's capture), as logging's
    own last-resort handler does, rather than the stream that was current when it was made."""

    def __init__(self, verbose: bool = False) -> None:
        logging.Handler.__init__(self)
        self._verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        """Ours at their level; a library's (Dagster's, dagster-dbt's run chatter, which sets its own
        levels) only from WARNING; Python's own warnings (deprecations, beta notices) only when verbose:
        they tell developers, not the registrar, something."""
        if record.name == "py.warnings":
            return self._verbose
        return record.name.split(".")[0] in OUR_LOGGERS or record.levelno >= logging.WARNING

    @property
    def stream(self):
        return sys.stderr


class _Formatter(logging.Formatter):
    def __init__(self, verbose: bool) -> None:
        super().__init__(_FORMATS[logging.DEBUG] if verbose else _FORMATS[logging.INFO])
        self._verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if not self._verbose and record.levelno >= logging.WARNING:
            return f"{'警告' if record.levelno == logging.WARNING else '錯誤'}：{text}"
        return text


def setup_logging(verbose: bool = False) -> None:
    """Our INFO lines and libraries' warnings to stderr (our DEBUG lines too, with time and logger name,
    when `verbose`).
    Calling it again replaces the handler it installed, so a process that runs several commands
    (the tests) never prints a line twice."""
    install_masking()
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if isinstance(handler, _CurrentStderr)]:
        root.removeHandler(handler)
    handler = _CurrentStderr(verbose)
    handler.setFormatter(_Formatter(verbose))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # libraries: their warnings and errors only
    for ours in OUR_LOGGERS:
        logging.getLogger(ours).setLevel(logging.DEBUG if verbose else logging.INFO)
