"""Portfolio analytics: the figures on worked examples, the scope, who may see them, and a
number of queries that does not grow with the portfolio."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from metrics.analytics import (
    UNKNOWN_FUNDER,
    bar_chart,
    money_per_funder,
    money_per_semester,
    phase_funnel,
    portfolio_analytics,
    startups_of,
)
from metrics.enums import BudgetNature
from metrics.models import Objective
from startups.dates import Semester
from startups.enums import Lifecycle
from tests.factories import (
    BudgetLineFactory,
    IncubatorFactory,
    MetricFactory,
    StartupFactory,
    UserFactory,
    add_measurements,
    factory_round,
)
from tests.utils import TODAY, get_page, month, month_start

D = datetime.date


def funding(pk, start, end, amount):
    return SimpleNamespace(pk=pk, start=start, end=end, amount_granted=Decimal(amount))


def test_money_per_semester_splits_a_round_pro_rata_of_its_days():
    rounds = [
        funding(1, D(2021, 4, 1), D(2021, 9, 30), 183_000),  # 91 days in S1, 92 in S2
        funding(2, D(2021, 7, 1), D(2021, 12, 31), 100_000),
    ]
    assert money_per_semester(rounds) == {
        Semester(2021, 1): Decimal(91_000),
        Semester(2021, 2): Decimal(192_000),
    }


def test_money_per_funder_counts_organisations_named_funds_and_what_no_one_accounts_for():
    dgfip = SimpleNamespace(acronym="DGFiP", name="Direction générale des finances publiques")
    dinum = SimpleNamespace(acronym="", name="DINUM")
    rounds = [
        funding(1, D(2021, 4, 1), D(2021, 9, 30), 183_000),
        funding(2, D(2021, 7, 1), D(2021, 12, 31), 100_000),
    ]
    contributions = [
        SimpleNamespace(funding_round_id=1, organisation=dgfip, funder="", amount=Decimal(100_000)),
        SimpleNamespace(
            funding_round_id=1, organisation=None, funder="Fonds FAST", amount=Decimal(50_000)
        ),
        SimpleNamespace(funding_round_id=2, organisation=dinum, funder="", amount=Decimal(100_000)),
    ]
    assert money_per_funder(rounds, contributions) == [
        ("DGFiP", Decimal(100_000)),
        ("DINUM", Decimal(100_000)),
        ("Fonds FAST", Decimal(50_000)),
        (UNKNOWN_FUNDER, Decimal(33_000)),
    ]


def phase(startup, lifecycle, start, end=None):
    return SimpleNamespace(startup_id=startup, lifecycle=lifecycle, start=start, end=end)


def test_phase_funnel_counts_startups_and_the_median_of_finished_stays():
    phases = [
        # A: investigation 91 days, construction 365 days, acceleration still running.
        phase("A", Lifecycle.INVESTIGATION, D(2024, 1, 1), D(2024, 4, 1)),
        phase("A", Lifecycle.CONSTRUCTION, D(2024, 4, 1), D(2025, 4, 1)),
        phase("A", Lifecycle.ACCELERATION, D(2025, 4, 1)),
        # B: investigation 60 days, then stopped.
        phase("B", Lifecycle.INVESTIGATION, D(2024, 1, 1), D(2024, 3, 1)),
        phase("B", Lifecycle.STOPPED, D(2024, 3, 1)),
        # C: construction 181 days, consolidation 184 + opéré 182 = one transfer of 366 days.
        phase("C", Lifecycle.CONSTRUCTION, D(2023, 1, 1), D(2023, 7, 1)),
        phase("C", Lifecycle.TRANSFER, D(2023, 7, 1), D(2024, 1, 1)),
        phase("C", Lifecycle.TRANSFER, D(2024, 1, 1), D(2024, 7, 1)),
        phase("C", Lifecycle.STOPPED, D(2024, 7, 1)),
    ]
    funnel = {step.phase: step for step in phase_funnel(phases)}
    assert [(s.reached, s.finished, s.median_months) for s in funnel.values()] == [
        (2, 2, Decimal("2.5")),  # median of 91 and 60 days: 75.5 days
        (2, 2, Decimal("9.0")),  # median of 365 and 181 days: 273 days
        (1, 0, None),  # still running: no median yet
        (1, 1, Decimal("12.0")),  # 366 days
        (2, 0, None),  # a stop has no duration
    ]


def test_bar_chart_bars_are_proportional_to_the_largest_value():
    chart = bar_chart("c", "Titre", "Description", [("a", Decimal(10), "10"), ("b", 5, "5")])
    assert [bar.width for bar in chart.bars] == [410, 205]
    assert [bar.y for bar in chart.bars] == [4, 32]
    assert bar_chart("c", "Titre", "Description", []).bars == []


def semester_months(semester, value):
    return {f"{m:%Y-%m}": value for m in semester.months}


CURRENT = Semester.of(TODAY)
LAST = CURRENT.previous  # the last full semester, the analytics' one
BEFORE = LAST - 1
DUE_LATER = (CURRENT + 1).end  # an objective still to come


@pytest.fixture
def portfolio(incubator, staff):
    """Costs and impact over the last two full semesters; one startup measured this month."""
    worse = StartupFactory(name="A Coût en hausse", incubator=incubator)
    star = MetricFactory(startup=worse, unit="dossiers")
    add_measurements(star, semester_months(BEFORE, 1000))
    add_measurements(star, semester_months(LAST, 1000))
    BudgetLineFactory(startup=worse, year=BEFORE.year, half=BEFORE.half, paid=Decimal(100_000))
    BudgetLineFactory(startup=worse, year=LAST.year, half=LAST.half, paid=Decimal(150_000))

    ready = StartupFactory(name="B Prête", incubator=incubator)
    star = MetricFactory(startup=ready, unit=" Dossiers ")
    add_measurements(star, semester_months(LAST, 2000) | {month(0): 2500})
    Objective.objects.create(metric=star, target=Decimal(3000), due_on=DUE_LATER)
    users = MetricFactory(startup=ready, active_users=True)
    add_measurements(users, semester_months(LAST, 400))
    BudgetLineFactory(startup=ready, year=LAST.year, half=LAST.half, paid=Decimal(60_000))
    BudgetLineFactory(
        startup=ready, year=LAST.year, half=LAST.half, paid=Decimal(1), nature=BudgetNature.FORECAST
    )

    StartupFactory(name="C Sans rien", incubator=incubator)
    StartupFactory(name="D Arrêtée", incubator=incubator, stopped=True)
    StartupFactory(name="E Ailleurs")
    return {"worse": worse, "ready": ready}


def names(items):
    return [getattr(item, "startup", item).name for item in items]


def test_the_programme_lists_on_a_small_portfolio(portfolio, incubator):
    figures = portfolio_analytics(startups_of([incubator]), today=TODAY)
    assert figures.semester == LAST
    assert [s.name for s in figures.startups] == [
        "A Coût en hausse",
        "B Prête",
        "C Sans rien",
        "D Arrêtée",
    ]
    assert names(figures.without_north_star) == ["C Sans rien"]
    # Stale: no measurement in the last two months (the stopped startup is not followed any
    # more). A's last one is the last full semester's last month: stale unless that is one of
    # the two months before this one (in January and July).
    assert figures.stale_since == month_start(-2)
    a_is_stale = LAST.months[-1] < month_start(-2)
    assert names(figures.stale) == ["A Coût en hausse"] * a_is_stale + ["C Sans rien"]
    [worse] = figures.worsened
    assert worse.startup.name == "A Coût en hausse"
    assert worse.previous_cost_per_unit.quantize(Decimal("0.01")) == Decimal("16.67")
    assert worse.cost_per_unit == Decimal(25)
    assert worse.change_percent == Decimal(50)
    [check] = figures.acceleration
    assert check.facts.startup.name == "B Prête"
    assert check.active_users == Decimal(400)
    assert figures.in_construction == 3
    # Same unit once case and spaces are ignored: compared side by side, cheapest first.
    [dossiers] = figures.comparisons
    assert dossiers.unit == "dossiers"
    assert [(f.startup.name, f.cost_per_unit) for f in dossiers.rows] == [
        ("B Prête", Decimal(5)),
        ("A Coût en hausse", Decimal(25)),
    ]


def test_money_and_funnel_of_the_staff_scope_only(portfolio, incubator):
    figures = portfolio_analytics(startups_of([incubator]), today=TODAY)
    assert figures.money_total == 0  # none of these startups has a round
    everything = portfolio_analytics(startups_of(None), today=TODAY)
    assert len(everything.startups) == 5
    funnel = {step.phase: step.reached for step in figures.funnel}
    assert funnel == {
        Lifecycle.INVESTIGATION: 4,
        Lifecycle.CONSTRUCTION: 3,
        Lifecycle.ACCELERATION: 0,
        Lifecycle.TRANSFER: 0,
        Lifecycle.STOPPED: 1,
    }


def test_money_per_semester_and_funder_from_the_rounds(startup, staff, client):
    """The `startup` fixture has a 250 000 € round for six months from 120 days ago, all FAST:
    split between the semesters it covers, pro rata of its days."""
    client.force_login(staff)
    figures = client.get(reverse("metrics:analytics")).context["figures"]
    assert figures.money_total == Decimal(250_000)
    assert figures.money_per_funder == [("Fonds FAST", Decimal(250_000))]
    start, end = factory_round(TODAY)
    days = (end - start).days + 1
    first = Semester.of(start)
    days_in_first = (first.end - start).days + 1
    expected = {first: Decimal(250_000) * min(days_in_first, days) / days}
    if days_in_first < days:
        expected[first + 1] = Decimal(250_000) * (days - days_in_first) / days
    per_semester = dict(figures.money_per_semester)
    assert list(per_semester) == list(expected)
    assert sum(per_semester.values()) == Decimal(250_000)
    assert {s: m.quantize(Decimal("1")) for s, m in per_semester.items()} == {
        s: m.quantize(Decimal("1")) for s, m in expected.items()
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("superuser", 200),
        ("sponsor", 403),
        ("intrapreneur", 403),
        ("outsider", 403),
    ],
)
def test_only_incubator_staff_and_superusers_see_the_analytics(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("metrics:analytics")).status_code == status


def nav_links(response):
    tree = lxml_html.fromstring(response.content)
    return [a.text_content().strip() for a in tree.cssselect("#fr-navigation a")]


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("staff", True), ("superuser", True), ("sponsor", False), ("intrapreneur", False)],
)
def test_the_menu_shows_analytics_to_those_who_may_see_them(client, request, persona, shown):
    client.force_login(request.getfixturevalue(persona))
    assert ("Analyses" in nav_links(client.get(reverse("home")))) is shown


def test_the_page_says_what_is_computed_and_what_is_not(client, staff, portfolio):
    client.force_login(staff)
    response = client.get(reverse("metrics:analytics"))
    text = lxml_html.fromstring(response.content).text_content()
    assert "Part du marché inconnue" in text
    assert "À vérifier en comité" in text
    assert "B Prête" in text
    assert "E Ailleurs" not in text
    tree = lxml_html.fromstring(response.content)
    for svg in tree.cssselect("svg[role=img]"):
        labelled = svg.get("aria-labelledby").split()
        assert [svg.cssselect(f"#{id}")[0].tag for id in labelled] == ["title", "desc"]
        assert all(text.get("font-family") for text in svg.cssselect("text"))
    assert not tree.cssselect("[style]")


def full_startup(incubator, n):
    startup = StartupFactory(
        name=f"Startup {n:02}", incubator=incubator, with_round=True, with_committee=True
    )
    star = MetricFactory(startup=startup)
    add_measurements(star, semester_months(LAST, 100 + n))
    users = MetricFactory(startup=startup, active_users=True)
    add_measurements(users, {f"{LAST.months[4]:%Y-%m}": 10})
    Objective.objects.create(metric=star, target=Decimal(300), due_on=DUE_LATER)
    BudgetLineFactory(startup=startup, year=LAST.year, half=LAST.half)
    return startup


# Session and user (2), the request's savepoint and release (2), the menu's staff check (1),
# the staffed incubators (1), then startups, rounds, contributions, phases, metrics,
# measurements, last months, objectives and budget lines: one query each.
ANALYTICS_QUERIES = 15


def test_analytics_queries_do_not_grow_with_the_portfolio(client, staff, incubator):
    client.force_login(staff)
    url = reverse("metrics:analytics")
    full_startup(incubator, 0)
    get_page(client, url, queries=ANALYTICS_QUERIES)
    for n in range(1, 50):
        full_startup(IncubatorFactory() if n % 10 == 0 else incubator, n)
    get_page(client, url, queries=ANALYTICS_QUERIES)
    figures = client.get(url).context["figures"]
    assert len(figures.startups) == 46  # 4 of the 50 are in other incubators
    assert len(figures.acceleration) == 46


def test_a_co_incubated_startup_is_in_its_co_incubators_analytics(client, staff, incubator):
    elsewhere = StartupFactory(name="Co-incubée")
    elsewhere.co_incubators.add(incubator)
    client.force_login(staff)
    figures = client.get(reverse("metrics:analytics")).context["figures"]
    assert [s.name for s in figures.startups] == ["Co-incubée"]


def test_staff_of_two_incubators_see_both(client, incubator):
    other = IncubatorFactory()
    StartupFactory(name="Ici", incubator=incubator)
    StartupFactory(name="Là", incubator=other)
    user = UserFactory(staff_of=incubator)
    user.incubator_roles.create(incubator=other)
    client.force_login(user)
    figures = client.get(reverse("metrics:analytics")).context["figures"]
    assert [s.name for s in figures.startups] == ["Ici", "Là"]
