from dashboards.bench import time_pages
from dashboards.roles import PAGE_ROLES


def test_every_page_s_queries_are_timed(published):
    timings = time_pages(published, repeat=1)

    assert set(timings) == set(PAGE_ROLES)
    assert all(seconds > 0 for seconds in timings.values())
