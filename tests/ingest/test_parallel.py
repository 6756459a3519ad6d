from pipelines.ingest.parallel import ParseJob, Rejection, parse_all, shutdown

from .test_load import EVENT_A, EVENT_BAD, EVENT_HEADER, STUDENT_HEADER


def test_files_parsed_in_worker_processes_equal_those_parsed_here(source, deliver, monkeypatch):
    jobs = [
        ParseJob(deliver("013301/admin/學生資料.csv", STUDENT_HEADER + "113,1,S1,在學,1\n113,1,S2,在家,2\n"),
                 "students", "013301/admin/學生資料.csv"),
        ParseJob(deliver("013302/admin/學生資料.csv", b"\xff\xfe broken"), "students", "013302/admin/學生資料.csv"),
        ParseJob(deliver("013303/platform/認證紀錄.csv", EVENT_HEADER + EVENT_A + EVENT_BAD),
                 "certification_events", "013303/platform/認證紀錄.csv"),
        ParseJob(deliver("013304/platform/認證紀錄.csv", EVENT_HEADER), "certification_events", "013304/platform/認證紀錄.csv"),
    ]
    monkeypatch.setenv("PORTFOLIO_INGEST_WORKERS", "1")
    here = list(parse_all(jobs))
    monkeypatch.setenv("PORTFOLIO_INGEST_WORKERS", "2")
    try:
        pooled = list(parse_all(jobs))
    finally:
        shutdown()
    assert [type(outcome) for outcome in pooled] == [type(outcome) for outcome in here]
    assert isinstance(pooled[1], Rejection) and pooled[1] == here[1]
    for mine, theirs in ((here[i], pooled[i]) for i in (0, 2, 3)):
        assert theirs.rows.equals(mine.rows) and theirs.rows.schema == mine.rows.schema
        assert theirs.quarantine.equals(mine.quarantine) and theirs.quarantine.schema == mine.quarantine.schema
        assert (theirs.rows_delivered, theirs.rows_quarantined, theirs.encoding) == \
            (mine.rows_delivered, mine.rows_quarantined, mine.encoding)
