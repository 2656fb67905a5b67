"""Budget lines: who reads and who edits them, the form's checks, what the page adds up."""

from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from metrics.budget import semester_costs
from metrics.enums import BudgetActivity, BudgetNature, ResourceType
from metrics.models import BudgetLine
from startups.dates import Semester
from tests.factories import BudgetLineFactory, StartupFactory, factory_round
from tests.utils import TODAY, get_page, loaded

CURRENT = Semester.of(TODAY)
YEAR = TODAY.year
VALID = {  # an actual amount for the semester under way
    "year": str(CURRENT.year),
    "half": str(CURRENT.half),
    "nature": BudgetNature.ACTUAL,
    "activity": BudgetActivity.DEVELOPMENT,
    "resource_type": ResourceType.CONTRACTORS,
    "committed": "120000",
    "paid": "100000,50",
    "label": "Marché de développement",
}


def url(name, startup, line=None):
    args = [startup.slug] if line is None else [startup.slug, line.pk]
    return reverse(f"metrics:{name}", args=args)


READERS = ["intrapreneur", "staff", "sponsor", "superuser"]
EDITORS = ["intrapreneur", "staff", "superuser"]
NOT_EDITORS = ["sponsor", "outsider", "other_team"]


@pytest.mark.parametrize(
    ("persona", "status"), [*((p, 200) for p in READERS), ("outsider", 403), ("other_team", 403)]
)
def test_who_reads_the_budget(client, request, startup, persona, status):
    BudgetLineFactory(startup=startup)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("budget", startup)).status_code == status


@pytest.mark.parametrize("persona", EDITORS)
def test_editors_add_change_and_delete_a_line(client, request, startup, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("budget_add", startup)).status_code == 200
    response = client.post(url("budget_add", startup), VALID)
    assert response.status_code == 302
    assert response["Location"] == url("budget", startup)
    line = BudgetLine.objects.get(startup=startup)
    assert (line.committed, line.paid) == (Decimal(120_000), Decimal("100000.50"))
    assert (line.year, line.half) == (CURRENT.year, CURRENT.half)
    assert not line.is_demo

    edit = url("budget_edit", startup, line)
    response = client.post(edit, VALID | {"paid": "90000"} | loaded(client, edit))
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.paid == Decimal(90_000)

    # Deleting asks first: the GET shows a confirmation and deletes nothing.
    assert client.get(url("budget_delete", startup, line)).status_code == 200
    assert BudgetLine.objects.filter(pk=line.pk).exists()
    response = client.post(url("budget_delete", startup, line))
    assert response.status_code == 302
    assert not BudgetLine.objects.filter(pk=line.pk).exists()


@pytest.mark.parametrize("persona", NOT_EDITORS)
def test_sponsors_outsiders_and_other_teams_cannot_edit(client, request, startup, persona):
    line = BudgetLineFactory(startup=startup)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("budget_add", startup)).status_code == 403
    assert client.post(url("budget_add", startup), VALID).status_code == 403
    assert client.post(url("budget_edit", startup, line), VALID).status_code == 403
    assert client.post(url("budget_delete", startup, line)).status_code == 403
    assert BudgetLine.objects.get() == line
    line.refresh_from_db()
    assert line.paid == Decimal(100_000)


def test_a_line_is_reached_only_through_its_own_startup(client, intrapreneur, startup):
    elsewhere = BudgetLineFactory()
    client.force_login(intrapreneur)
    assert client.post(url("budget_edit", startup, elsewhere), VALID).status_code == 404
    assert client.post(url("budget_delete", startup, elsewhere)).status_code == 404
    assert BudgetLine.objects.filter(pk=elsewhere.pk).exists()


def field_errors(response) -> dict[str, str]:
    tree = lxml_html.fromstring(response.content)
    return {
        node.get("id").removeprefix("id_").removesuffix("-desc-error"): node.text_content().strip()
        for node in tree.cssselect("[id$='-desc-error']")
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"committed": "-1"}, "committed", "supérieure ou égale à 0"),
        ({"paid": "abc"}, "paid", "Saisissez un nombre"),
        ({"paid": "12,345"}, "paid", "2 chiffres après la virgule"),
        ({"year": "2012"}, "year", "comprise entre 2013"),
        ({"year": str(YEAR + 4)}, "year", f"et {YEAR + 3}"),
        ({"half": "3"}, "half", "Sélectionnez un choix valide"),
        ({"year": str(YEAR + 1), "half": ""}, "nature", "choisissez « Prévisionnel »"),
        (  # the next semester has not started
            {"year": str((CURRENT + 1).year), "half": str((CURRENT + 1).half)},
            "nature",
            "choisissez « Prévisionnel »",
        ),
        ({"activity": "lunch"}, "activity", "Sélectionnez un choix valide"),
    ],
)
def test_bad_values_are_refused_next_to_their_field_in_french(
    client, intrapreneur, startup, change, field, message
):
    client.force_login(intrapreneur)
    response = client.post(url("budget_add", startup), VALID | change)
    assert response.status_code == 200
    errors = field_errors(response)
    assert list(errors) == [field]
    assert message in errors[field]
    assert not BudgetLine.objects.exists()


def on(day, change, accepted):
    return pytest.param(change, accepted, marks=pytest.mark.today(day), id=f"{day}-{accepted}")


FORECAST = {"nature": BudgetNature.FORECAST}


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        # An actual amount once its period has started, not the day before.
        on("2027-06-30", {"year": "2027", "half": "2"}, False),
        on("2027-07-01", {"year": "2027", "half": "2"}, True),
        on("2026-12-31", {"year": "2027", "half": ""}, False),
        on("2026-12-31", {"year": "2027", "half": "1"}, False),
        on("2027-01-01", {"year": "2027", "half": ""}, True),
        on("2028-02-29", {"year": "2028", "half": "1"}, True),
        # A forecast up to three years after the current one.
        on("2027-12-31", {"year": "2031", **FORECAST}, False),
        on("2028-01-01", {"year": "2031", **FORECAST}, True),
    ],
)
def test_the_years_and_semesters_open_on_their_first_day(
    client, intrapreneur, startup, change, accepted
):
    client.force_login(intrapreneur)
    response = client.post(url("budget_add", startup), VALID | change)
    assert (response.status_code == 302) is accepted
    assert BudgetLine.objects.exists() is accepted


def test_paid_above_committed_is_allowed_and_a_future_forecast_too(client, staff, startup):
    """CP may pay for an earlier period's AE (a multi-year contract): not an error."""
    client.force_login(staff)
    forecast = VALID | {
        "year": str(YEAR + 3),  # the last year open to forecasts
        "half": "",
        "nature": BudgetNature.FORECAST,
        "paid": "200000",
    }
    assert client.post(url("budget_add", startup), forecast).status_code == 302
    assert BudgetLine.objects.get().paid > BudgetLine.objects.get().committed


def test_the_page_adds_up_years_activities_and_says_where_each_semester_cost_comes_from(
    client, sponsor, startup
):
    """A yearly actual line the year before the last semester's, an actual line (demo) and a
    forecast for the last semester; the semester under way is paid by the fixture's round."""
    last = CURRENT.previous
    BudgetLineFactory(startup=startup, year=last.year - 1, half=None, paid=Decimal(300_000))
    BudgetLineFactory(
        startup=startup, year=last.year, half=last.half, paid=Decimal(100_000), is_demo=True
    )
    BudgetLineFactory(
        startup=startup,
        year=last.year,
        half=last.half,
        paid=Decimal(90_000),
        committed=Decimal(90_000),
        nature=BudgetNature.FORECAST,
        activity=BudgetActivity.HOSTING,
        resource_type=ResourceType.SOFTWARE,
    )
    client.force_login(sponsor)
    response = client.get(url("budget", startup))
    context = response.context
    assert not context["can_edit"]
    assert [y.year for y in context["years"]] == [last.year, last.year - 1]
    totals = context["years"][0].totals
    assert (totals.actual_paid, totals.forecast_paid) == (Decimal(100_000), Decimal(90_000))
    assert [(label, t.actual_paid, t.forecast_paid) for label, t in context["activities"]] == [
        ("Développement", Decimal(400_000), Decimal(0)),
        ("Hébergement", Decimal(0), Decimal(90_000)),
    ]
    # From the first semester of the yearly line to the semester under way, most recent first:
    # a yearly line counts half in each semester; a semester with neither a line nor the round
    # (S1 of last year, when this is a first semester) is unknown; the semester under way has
    # no actual line, so the round (six months from 120 days ago) pays it, pro rata of its days.
    round_start, round_end = factory_round(TODAY)
    round_days = (round_end - round_start).days + 1
    days_now = (min(round_end, CURRENT.end) - max(round_start, CURRENT.start)).days + 1
    first = Semester(last.year - 1, 1)
    expected, semester = {}, first
    while semester <= CURRENT:
        expected[semester] = (None, "")
        semester += 1
    expected |= {
        first: (Decimal(150_000), "budget"),
        first + 1: (Decimal(150_000), "budget"),
        last: (Decimal(100_000), "budget"),
        CURRENT: ((Decimal(250_000) * days_now / round_days).quantize(Decimal(1)), "rounds"),
    }
    costs = {
        row.semester: (row.cost and row.cost.quantize(Decimal(1)), row.source)
        for row in context["semesters"]
    }
    assert costs == expected
    assert [row.semester for row in context["semesters"]] == sorted(expected, reverse=True)
    text = lxml_html.fromstring(response.content).text_content()
    assert "Valeur de démonstration" in text
    assert "Ajouter une ligne" not in text
    assert "Tours de financement, au prorata des jours" in text


def test_no_line_and_no_round_no_semester():
    assert semester_costs([], [], today=TODAY) == []


# Session and user (2), savepoint and release (2), the menu's staff check (1), the startup and
# the reader check (2), the editor check (1), the lines (1), the rounds (1).
BUDGET_QUERIES = 10


def test_budget_page_queries_do_not_grow_with_lines_or_startups(client, staff, startup):
    client.force_login(staff)
    BudgetLineFactory(startup=startup)
    get_page(client, url("budget", startup), queries=BUDGET_QUERIES)
    for year in range(YEAR - 12, YEAR):
        for half in (1, 2):
            BudgetLineFactory(startup=startup, year=year, half=half)
            BudgetLineFactory(startup=startup, year=year, half=half, nature="forecast")
    for _ in range(49):
        BudgetLineFactory(startup=StartupFactory(incubator=startup.incubator))
    get_page(client, url("budget", startup), queries=BUDGET_QUERIES)
