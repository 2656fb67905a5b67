"""How a latest value and its trend read: a percentage changes in points, and a value more
than two months old says so instead of passing for current."""

from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from committees.reports.prefill import report_prefill
from metrics.startup_metrics import startup_series
from startups.dates import Semester
from tests.factories import BudgetLineFactory, MetricFactory, add_measurements
from tests.utils import TODAY, month


def page_text(response) -> str:
    tree = lxml_html.fromstring(response.content)
    return " ".join(tree.text_content().replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.fixture
def satisfaction(startup):
    metric = MetricFactory(
        startup=startup, label="Taux de satisfaction", unit="%", is_north_star=False
    )
    add_measurements(metric, {month(-13): "78.2", month(-1): "85.1"})
    return metric


def test_a_percentage_changes_in_points_not_in_percent(client, staff, startup, satisfaction):
    [series] = startup_series(startup, today=TODAY)
    assert series.year_change == Decimal("6.9")
    client.force_login(staff)
    content = page_text(client.get(reverse("metrics:list", args=[startup.slug])))
    assert "+6,9 points en un an" in content
    assert "+8,8 %" not in content
    [row] = report_prefill(startup, semester=Semester.of(TODAY), today=TODAY)["identity"][
        "indicators"
    ]
    assert row["year_change"] == Decimal("6.9")


def test_a_count_still_changes_in_percent(client, staff, startup):
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    add_measurements(metric, {month(-13): 100, month(-1): 150})
    client.force_login(staff)
    assert "+50 % en un an" in page_text(client.get(reverse("metrics:list", args=[startup.slug])))


@pytest.mark.parametrize(("latest", "stale"), [(-2, False), (-3, True)])
def test_a_value_more_than_two_months_old_is_flagged(client, staff, startup, latest, stale):
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    add_measurements(metric, {month(latest - 1): 100, month(latest): 120})
    [series] = startup_series(startup, today=TODAY)
    assert series.is_stale is stale
    [row] = report_prefill(startup, semester=Semester.of(TODAY), today=TODAY)["identity"][
        "indicators"
    ]
    assert row["stale"] is stale
    client.force_login(staff)
    content = page_text(client.get(reverse("startups:detail", args=[startup.slug])))
    assert ("valeur ancienne" in content) is stale


def test_a_semester_measured_in_part_says_so_and_shows_no_cost_per_unit(client, staff, startup):
    last = Semester.of(TODAY) - 1
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    values = {f"{m:%Y-%m}": 10_000 for m in last.months} | {
        f"{(last - 1).months[-1]:%Y-%m}": 10_000
    }
    add_measurements(metric, values)
    for semester in (last - 1, last):
        BudgetLineFactory(startup=startup, year=semester.year, half=semester.half, paid=60_000)
    client.force_login(staff)
    content = page_text(client.get(reverse("metrics:list", args=[startup.slug])))
    assert f"{last - 1} 60 000 € lignes budgétaires 10 000 1 mois mesuré sur 6 – –" in content
    assert f"{last} 60 000 € lignes budgétaires 60 000 1,00 € – –" in content
