"""Test helpers, in one place: the tests' clock and dates, the query-count assertion."""

import datetime
import os
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from committees.models import REPORT_LEAD_DAYS, report_semester
from startups.dates import Semester, add_months

PARIS = ZoneInfo("Europe/Paris")

DEFAULT_TODAY = "2026-11-23"
TODAY = datetime.date.fromisoformat(os.environ.get("COMITE_TEST_TODAY") or DEFAULT_TODAY)
"""The tests' "today": every test runs on a clock frozen on it at 10:00 in Paris (and ticking),
unless it moves the clock itself (`@pytest.mark.today("2027-01-01")` or `clock.move_to`)."""

SESSION_IN_DAYS = 15
"""The factories' committee session is 15 days ahead, at 14 h: its reports are due in 8 days."""


def reviewed_semester(today: datetime.date) -> Semester:
    """The half year that the reports of a session held SESSION_IN_DAYS after `today` look
    back on (S2 for a session in December or January, S1 in June or July)."""
    return report_semester(today + datetime.timedelta(days=SESSION_IN_DAYS - REPORT_LEAD_DAYS))


SEMESTER = reviewed_semester(TODAY)


def frozen_at(day: datetime.date) -> datetime.datetime:
    """Where the tests' clock starts on `day`: 10:00 in Paris, far from midnight either way."""
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=PARIS)


def days_from_today(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def month_start(offset: int = 0, *, today: datetime.date = TODAY) -> datetime.date:
    """The first day of the month `offset` months from today's (0: this month, -1: the last)."""
    return add_months(today.replace(day=1), offset)


def month(offset: int = 0, *, today: datetime.date = TODAY) -> str:
    """`YYYY-MM` of the month `offset` months from today's, as forms and files write it."""
    return f"{month_start(offset, today=today):%Y-%m}"


@contextmanager
def assert_queries(expected: int):
    """The block runs exactly `expected` SQL queries; if not, the failure lists each of them."""
    with CaptureQueriesContext(connection) as queries:
        yield queries
    if len(queries) != expected:
        listing = "\n".join(
            f"{number:>3}. {query['sql']}"
            for number, query in enumerate(queries.captured_queries, start=1)
        )
        pytest.fail(f"{len(queries)} SQL queries instead of {expected}:\n{listing}", pytrace=False)


def get_page(client, url: str, *, queries: int, **kwargs):
    """GET `url`, expecting a 200 in exactly `queries` SQL queries."""
    with assert_queries(queries):
        response = client.get(url, **kwargs)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response


def loaded(client, url: str) -> dict:
    """The `loaded` value a form several people edit carries (accounts/editing.py), read from
    its page as a browser sends it back: {"loaded": ...}."""
    from lxml import html

    page = client.get(url)
    (value,) = html.fromstring(page.content).xpath('//input[@name="loaded"]/@value')
    return {"loaded": value}
