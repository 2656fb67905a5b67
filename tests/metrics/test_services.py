import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from metrics.models import Measurement, MetricDefinition
from metrics.services import parse_month, parse_value
from tests.factories import MetricFactory, add_measurements
from tests.utils import TODAY, month, month_start

PARSE_DAY = datetime.date(2026, 11, 23)  # the spelling tests parse on a day of their own


@pytest.mark.parametrize("text", ["2026-03", "2026-03-01", "03/2026", " 3/2026 "])
def test_months_in_the_usual_spellings(text):
    assert parse_month(text, today=PARSE_DAY) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("text", ["2026-13", "mars 2026", "2026-03-15", "2026-12", "01/2027", ""])
def test_bad_or_future_months_are_refused_in_french(text):
    with pytest.raises(ValidationError):
        parse_month(text, today=PARSE_DAY)


def test_this_month_is_open_and_the_next_one_is_not():
    assert parse_month(month(0)) == month_start(0) == TODAY.replace(day=1)
    with pytest.raises(ValidationError, match="n’est pas encore commencé"):
        parse_month(month(1))


@pytest.mark.parametrize(
    ("today", "opened", "refused"),
    [
        (datetime.date(2026, 12, 31), "2026-12", "2027-01"),  # the last day of the year
        (datetime.date(2027, 1, 1), "2027-01", "2027-02"),
        (datetime.date(2027, 6, 30), "2027-06", "2027-07"),  # the last day of a semester
        (datetime.date(2028, 2, 29), "02/2028", "03/2028"),  # a leap day
    ],
)
def test_the_month_opens_on_its_first_day_and_stays_open_to_its_last(today, opened, refused):
    assert parse_month(opened, today=today) == today.replace(day=1)
    with pytest.raises(ValidationError):
        parse_month(refused, today=today)


@pytest.mark.parametrize(("text", "value"), [("1 234,5", "1234.5"), ("0.40", "0.40"), ("-3", "-3")])
def test_values_with_french_or_english_decimals(text, value):
    assert parse_value(text) == Decimal(value)


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "1e20", "0.123456", ""])
def test_bad_values_are_refused(text):
    with pytest.raises(ValidationError):
        parse_value(text)


def test_recording_counts_new_changed_unchanged_and_keeps_each_months_definition(db):
    metric = MetricFactory()
    new_definition = MetricDefinition.objects.create(
        metric=metric, valid_from=month_start(-2), text="Dossiers déposés, hors brouillons"
    )
    first = add_measurements(metric, {month(-3): 100, month(-2): 120})
    assert (len(first.new), len(first.changed), first.unchanged) == (2, 0, 0)
    second = add_measurements(metric, {month(-3): 100, month(-2): 130, month(-1): 140})
    assert (len(second.new), len(second.changed), second.unchanged) == (1, 1, 1)
    definitions = dict(Measurement.objects.values_list("month", "definition__text"))
    assert definitions[month_start(-3)] == "Nombre de dossiers déposés dans le mois"
    assert definitions[month_start(-2)] == definitions[month_start(-1)] == new_definition.text


def test_the_metrics_page_says_whether_each_objective_was_met(client, staff, startup):
    from metrics.models import Objective

    metric = MetricFactory(startup=startup)
    add_measurements(metric, {month(-3): 900, month(-2): 1200})
    due = month_start(-1) - datetime.timedelta(days=1)  # the last day of the month of 1 200
    Objective.objects.create(metric=metric, target=1000, due_on=due)
    earlier = month_start(-2) - datetime.timedelta(days=1)  # the last day of the month of 900
    Objective.objects.create(metric=metric, target=5000, due_on=earlier)
    Objective.objects.create(metric=metric, target=5000, due_on=month_start(12))
    client.force_login(staff)
    content = client.get(f"/portefeuille/startups/{startup.slug}/indicateurs/").content.decode()
    assert content.count(">Atteint<") == 1
    assert content.count(">Manqué<") == 1
    assert content.count(">En cours<") == 1


@pytest.mark.parametrize("text", ["1e999999999", "-1e999999999", "1e15"])
def test_a_number_too_large_for_any_context_is_refused_not_a_crash(text):
    """The form, the CSV upload and the API all parse values here."""
    with pytest.raises(ValidationError, match="pas un nombre utilisable"):
        parse_value(text)
