"""How a latest value and its trend read: a percentage changes in points, and a value more
than two months old says so instead of passing for current."""

from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from committees.reports.prefill import report_prefill
from metrics.analytics import portfolio_analytics, startups_of
from metrics.startup_metrics import startup_efficiency, startup_money, startup_series
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


@pytest.fixture
def started_in_december(startup):
    """A metric started in the last month of a semester, with that whole semester's budget,
    then a full semester: 60 000 € for one month's 10 000 dossiers would read 6,00 € a
    dossier, and the next semester's 0,96 € (57 600 € for 60 000) a fall of 84 % and
    increasing returns that never happened."""
    last = Semester.of(TODAY) - 1
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    add_measurements(
        metric,
        {f"{m:%Y-%m}": 10_000 for m in [(last - 1).months[-1], *last.months]},
    )
    for semester, paid in ((last - 1, 60_000), (last, 57_600)):
        BudgetLineFactory(startup=startup, year=semester.year, half=semester.half, paid=paid)
    return last - 1, last


def test_a_semester_measured_in_part_says_so_and_shows_no_cost_per_unit(
    client, staff, startup, started_in_december
):
    partial, full = started_in_december
    client.force_login(staff)
    response = client.get(reverse("metrics:list", args=[startup.slug]))
    content = page_text(response)
    assert f"{partial} 60 000 € lignes budgétaires 10 000 1 mois mesuré sur 6 – – –" in content
    assert f"{full} 57 600 € lignes budgétaires 60 000 0,96 € – –" in content
    assert "−84" not in content and "6,00 €" not in content
    assert (
        f"{partial} : impact mesuré sur 1 mois seulement, donc pas de coût par unité "
        "ni de comparaison avec ce semestre." in content
    )
    tree = lxml_html.fromstring(response.content)
    [svg] = tree.cssselect("svg[aria-labelledby^=trajectory]")
    assert [label.text for label in svg.cssselect("text[font-weight=bold]")] == [str(full)]
    desc = svg.cssselect("#trajectory-desc")[0].text_content().replace("\u202f", " ")
    assert f"{partial} : " not in desc
    assert f"Sans point : {partial} (impact mesuré sur 1 mois seulement)." in desc


def test_nothing_is_compared_with_a_semester_measured_in_part(
    client, staff, startup, incubator, started_in_december
):
    """Not on the startup's page, in the committee report or in the portfolio analytics."""
    partial, full = started_in_december
    budget_lines, rounds = startup_money(startup)
    efficiency = startup_efficiency(
        startup_series(startup, today=TODAY), budget_lines=budget_lines, rounds=rounds, today=TODAY
    )
    assert [f.semester for f in efficiency.partial] == [partial]
    assert efficiency.last.semester == full and efficiency.last.cost_per_unit == Decimal("0.96")
    assert (efficiency.last.change, efficiency.last.increasing_returns) == (None, None)
    assert [p.label for p in efficiency.chart.points] == [str(full)]
    prefill = report_prefill(startup, semester=Semester.of(TODAY), today=TODAY)["efficiency"]
    assert (prefill["change"], prefill["increasing_returns"]) == (None, None)
    figures = portfolio_analytics(startups_of([incubator]), today=TODAY)
    [comparison] = figures.comparisons
    [row] = comparison.rows
    assert (row.previous_cost_per_unit, row.cost_per_unit, row.change) == (
        None,
        Decimal("0.96"),
        None,
    )
    assert figures.worsened == []
    client.force_login(staff)
    content = page_text(client.get(reverse("startups:detail", args=[startup.slug])))
    assert f"Coût par unité d’impact (dossiers, {full}) : 0,96 €" in content
    assert "sur un semestre" not in content
