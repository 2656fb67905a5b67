import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from metrics.models import Measurement, MetricDefinition
from metrics.services import parse_month, parse_value
from tests.factories import MetricFactory, add_measurements
from tests.utils import TODAY


@pytest.mark.parametrize("text", ["2026-03", "2026-03-01", "03/2026", " 3/2026 "])
def test_months_in_the_usual_spellings(text):
    assert parse_month(text, today=TODAY) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("text", ["2026-13", "mars 2026", "2026-03-15", "2027-01", ""])
def test_bad_or_future_months_are_refused_in_french(text):
    with pytest.raises(ValidationError):
        parse_month(text, today=TODAY)


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
        metric=metric,
        valid_from=datetime.date(2026, 3, 1),
        text="Dossiers déposés, hors brouillons",
    )
    first = add_measurements(metric, {"2026-02": 100, "2026-03": 120})
    assert (len(first.new), len(first.changed), first.unchanged) == (2, 0, 0)
    second = add_measurements(metric, {"2026-02": 100, "2026-03": 130, "2026-04": 140})
    assert (len(second.new), len(second.changed), second.unchanged) == (1, 1, 1)
    definitions = dict(Measurement.objects.values_list("month__month", "definition__text"))
    assert definitions[2] == "Nombre de dossiers déposés dans le mois"
    assert definitions[3] == definitions[4] == new_definition.text


def test_the_metrics_page_says_whether_each_objective_was_met(client, staff, startup):
    from metrics.models import Objective

    metric = MetricFactory(startup=startup)
    add_measurements(metric, {"2026-05": 900, "2026-06": 1200})
    Objective.objects.create(metric=metric, target=1000, due_on=datetime.date(2026, 6, 30))
    Objective.objects.create(metric=metric, target=5000, due_on=datetime.date(2026, 6, 30))
    Objective.objects.create(metric=metric, target=5000, due_on=datetime.date(2099, 6, 30))
    client.force_login(staff)
    content = client.get(f"/portefeuille/startups/{startup.slug}/indicateurs/").content.decode()
    assert content.count(">Atteint<") == 1
    assert content.count(">Manqué<") == 1
    assert content.count(">En cours<") == 1
