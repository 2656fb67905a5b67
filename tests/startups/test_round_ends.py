"""A round ends the day before the same date six months later: 1 January → 30 June. Rounds
written one day late before this rule are moved back by a migration, and so is the next
committee date that hangs on them."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from metrics.figures import semester_cost
from startups.dates import Semester, add_months, round_end
from startups.enums import FundingSource
from startups.models import FundingRound
from startups.services import funding_round_create
from tests.utils import TODAY

late_rounds = importlib.import_module("startups.migrations.0004_round_ends")


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2026-01-01", 6, "2026-06-30"),
        ("2026-07-01", 6, "2026-12-31"),
        ("2026-03-15", 6, "2026-09-14"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2027-08-31", 6, "2028-02-29"),
        ("2026-03-01", 12, "2027-02-28"),
        ("2026-01-31", 1, "2026-02-28"),
    ],
)
def test_a_round_ends_the_day_before_the_same_date_months_later(start, months, end):
    day = datetime.date.fromisoformat
    assert round_end(day(start), months) == day(end)


def test_a_round_from_the_first_of_january_costs_nothing_in_july():
    year = TODAY.year
    start = datetime.date(year, 1, 1)
    six_months = FundingRound(start=start, end=round_end(start, 6), amount_granted=Decimal(1000))
    assert semester_cost(Semester(year, 1), [], [six_months]) == (Decimal(1000), "rounds")
    assert semester_cost(Semester(year, 2), [], [six_months]) == (None, "")


def test_the_migration_moves_back_the_rounds_written_one_day_late(startup):
    late = funding_round_create(
        startup=startup,
        label="Tour écrit avec un jour de trop",
        source=FundingSource.FAST,
        start=TODAY,
        end=add_months(TODAY, 6),
        amount_granted=Decimal(100_000),
        today=TODAY,
    )
    odd = funding_round_create(
        startup=startup,
        label="Tour aux dates choisies",
        source=FundingSource.MANUAL,
        start=datetime.date(TODAY.year - 1, 3, 10),
        end=datetime.date(TODAY.year - 1, 9, 20),
        amount_granted=Decimal(5_000),
        today=TODAY,
    )
    startup.refresh_from_db()
    assert startup.committee_due_on == late.end - datetime.timedelta(days=45)

    late_rounds.fix(apps, None)

    late.refresh_from_db()
    odd.refresh_from_db()
    startup.refresh_from_db()
    assert late.end == round_end(TODAY, 6)
    assert odd.end == datetime.date(TODAY.year - 1, 9, 20)
    assert startup.committee_due_on == late.end - datetime.timedelta(days=45)
    committee_due_on = startup.committee_due_on
    startup.refresh_derived(today=TODAY)
    assert startup.committee_due_on == committee_due_on  # as if computed afresh
    late_rounds.fix(apps, None)  # a second run changes nothing
    late.refresh_from_db()
    assert late.end == round_end(TODAY, 6)
