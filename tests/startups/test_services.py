"""The writes other apps ask of `startups`: each refreshes the startup's derived fields."""

import datetime
from decimal import Decimal

from startups.enums import FundingSource, Lifecycle
from startups.services import (
    committee_event_record,
    derived_refreshed_once,
    funding_round_create,
    phase_change,
)
from tests.factories import OrganisationFactory
from tests.utils import TODAY, assert_queries

# Reading the phases, committees and last round, then saving the derived fields.
REFRESH_QUERIES = 4


def test_a_phase_change_closes_the_current_phase_and_refreshes_the_startup(startup):
    phase = phase_change(startup=startup, lifecycle=Lifecycle.ACCELERATION, on=TODAY, today=TODAY)
    assert (phase.lifecycle, phase.name, phase.start, phase.end) == (
        Lifecycle.ACCELERATION,
        "acceleration",
        TODAY,
        None,
    )
    previous = startup.phases.get(position=phase.position - 1)
    assert previous.end == TODAY - datetime.timedelta(days=1)
    startup.refresh_from_db()
    assert (startup.current_phase, startup.current_phase_start) == (Lifecycle.ACCELERATION, TODAY)


def test_no_phase_change_into_the_current_phase(startup):
    assert phase_change(startup=startup, lifecycle=Lifecycle.CONSTRUCTION, on=TODAY) is None


def test_a_round_is_written_with_its_contributions_in_one_insert(startup):
    first, second = OrganisationFactory(), OrganisationFactory()
    funding_round = funding_round_create(
        startup=startup,
        label="Tour",
        source=FundingSource.MANUAL,
        start=TODAY,
        end=TODAY + datetime.timedelta(days=180),
        amount_granted=Decimal("300"),
        contributions=[(first.pk, Decimal("100")), (second.pk, Decimal("200"))],
        today=TODAY,
    )
    assert sorted(c.amount for c in funding_round.contributions.all()) == [100, 200]
    startup.refresh_from_db()
    assert startup.committee_due_on == funding_round.end - datetime.timedelta(days=45)


def test_writes_in_a_block_refresh_the_startup_once(startup):
    # Read the phases, close one, open one; then write the event and read the phases again.
    with (
        assert_queries(3 + 2 + REFRESH_QUERIES),
        derived_refreshed_once(startup=startup, today=TODAY),
    ):
        phase_change(startup=startup, lifecycle=Lifecycle.ACCELERATION, on=TODAY, today=TODAY)
        committee_event_record(startup=startup, on=TODAY, comment="Refinancer", today=TODAY)
        phase_change(startup=startup, lifecycle=Lifecycle.ACCELERATION, on=TODAY, today=TODAY)
    startup.refresh_from_db()
    assert (startup.current_phase, startup.last_committee_on) == (Lifecycle.ACCELERATION, TODAY)
