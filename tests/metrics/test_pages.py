"""The metrics pages: who reads and edits, what they show, the htmx month editing, the public
page and the impact panel of the startup page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from metrics.charts import month_label, of_month
from metrics.enums import Dimension, MeasurementSource
from metrics.models import Measurement, Metric, MetricDefinition, Objective
from startups.dates import Semester, add_months
from tests.factories import (
    BudgetLineFactory,
    MetricFactory,
    StartupFactory,
    add_measurements,
)
from tests.utils import PARIS, TODAY, get_page, month, month_start

CURRENT = Semester.of(TODAY)
LAST = CURRENT.previous  # the last full semester
FULL = [LAST - 2, LAST - 1, LAST]  # the north star's three full semesters
PER_MONTH = [10_000, 20_000, 50_000]  # 60 000, 120 000 then 300 000 dossiers a semester
PAID = [60_000, 96_000, 120_000]  # 1 €, 0,80 € then 0,40 € a dossier
THIS_SEMESTER = 55_000  # each month of the semester under way before this one
DEFINITION_CHANGED = LAST.months[2]


def dossiers_values() -> dict[datetime.date, int]:
    """The north star's monthly values: the three full semesters, then this semester's months
    before this one (none in its first month)."""
    values = {m: per_month for s, per_month in zip(FULL, PER_MONTH, strict=True) for m in s.months}
    return values | {m: THIS_SEMESTER for m in CURRENT.months if m < month_start(0)}


def keyed(values: dict[datetime.date, int]) -> dict[str, int]:
    return {f"{m:%Y-%m}": v for m, v in values.items()}


@pytest.fixture
def dossiers(startup):
    """The north star, public, with a new definition in the last full semester and an
    objective at the end of this one."""
    metric = MetricFactory(startup=startup, label="Dossiers déposés", is_public=True)
    add_measurements(metric, keyed(dossiers_values()))
    MetricDefinition.objects.create(
        metric=metric, valid_from=DEFINITION_CHANGED, text="Dossiers déposés, hors brouillons"
    )
    Objective.objects.create(metric=metric, target=Decimal(70_000), due_on=CURRENT.end)
    for semester, paid in zip(FULL, PAID, strict=True):
        BudgetLineFactory(
            startup=startup, year=semester.year, half=semester.half, paid=Decimal(paid)
        )
    return metric


@pytest.fixture
def active_users(startup):
    """1 000 monthly active users over the last two full semesters."""
    metric = MetricFactory(startup=startup, active_users=True)
    add_measurements(metric, {f"{m:%Y-%m}": 1000 for s in FULL[1:] for m in s.months})
    return metric


@pytest.fixture
def private_metric(startup):
    metric = MetricFactory(
        startup=startup,
        label="Taux de satisfaction",
        unit="%",
        is_north_star=False,
        dimension=Dimension.USEFUL,
    )
    add_measurements(metric, {month(-2): "87.5", month(-1): 91})
    return metric


def text(response) -> str:
    return response.content.decode().replace("\u202f", " ").replace("\xa0", " ")


# Who may read and edit ------------------------------------------------------------------------

PERSONAS = [
    "intrapreneur",
    "staff",
    "sponsor",
    "superuser",
    "outsider",
    "other_team",
    "other_sponsor",
]
READERS = {"intrapreneur", "staff", "sponsor", "superuser"}
EDITORS = {"intrapreneur", "staff", "superuser"}


@pytest.fixture
def persona(request, startup):
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_readers_read_and_only_editors_edit(client, startup, dossiers, persona, request):
    name = request.node.callspec.params["persona"]
    client.force_login(persona)
    slug = startup.slug
    read = client.get(reverse("metrics:list", args=[slug])).status_code
    pages = [
        reverse("metrics:create", args=[slug]),
        reverse("metrics:edit", args=[slug, dossiers.pk]),
        reverse("metrics:values", args=[slug]),
    ]
    edit = {client.get(url).status_code for url in pages}
    posted = client.post(reverse("metrics:values", args=[slug]), {"mois": month(-1)}).status_code
    assert read == (200 if name in READERS else 403)
    assert edit == ({200} if name in EDITORS else {403})
    assert posted == (302 if name in EDITORS else 403)


def test_readers_see_edit_links_only_when_they_may_edit(client, startup, dossiers, sponsor, staff):
    url = reverse("metrics:list", args=[startup.slug])
    client.force_login(sponsor)
    assert "Ajouter un indicateur" not in text(client.get(url))
    client.force_login(staff)
    assert "Ajouter un indicateur" in text(client.get(url))


def test_anonymous_people_are_sent_to_log_in(client, startup):
    response = client.get(reverse("metrics:list", args=[startup.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_metric_of_another_startup_is_a_404(client, startup, staff):
    other = MetricFactory(startup=StartupFactory(incubator=startup.incubator))
    client.force_login(staff)
    assert client.get(reverse("metrics:edit", args=[startup.slug, other.pk])).status_code == 404


# Query counts -------------------------------------------------------------------------------


def many_metrics(startup, n_metrics: int, n_months: int):
    """n metrics × m months, written directly (the record path has its own tests)."""
    rows = []
    for i in range(n_metrics):
        metric = MetricFactory(startup=startup, is_north_star=i == 0, label=f"Indicateur {i}")
        Objective.objects.create(metric=metric, target=Decimal(1000), due_on=TODAY)
        for n in range(n_months):
            month = add_months(TODAY.replace(day=1), -n - 1)
            rows.append(Measurement(metric=metric, month=month, value=n, source="demo"))
    Measurement.objects.bulk_create(rows)


PAGES = {
    "list": (lambda s: reverse("metrics:list", args=[s.slug]), 13),
    "values": (lambda s: reverse("metrics:values", args=[s.slug]), 8),
    "public": (lambda s: reverse("metrics:public", args=[s.slug]), 11),
    # + its committee decisions, its disagreements with beta.gouv.fr, whether this person invites
    # its team, its next session
    "startup": (lambda s: s.get_absolute_url(), 20),
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_pinned_whatever_the_number_of_metrics_and_months(
    client, superuser, startup, page
):
    """Session and user (2), the request's savepoint (2), then the page's own."""
    startup.public_page = True
    startup.save()
    client.force_login(superuser)
    url, expected = PAGES[page][0](startup), PAGES[page][1]
    many_metrics(startup, 1, 1)
    Metric.objects.update(is_public=True)
    get_page(client, url, queries=expected)
    Objective.objects.all().delete()
    Metric.objects.all().delete()
    many_metrics(startup, 10, 60)
    Metric.objects.update(is_public=True)
    BudgetLineFactory(startup=startup)
    get_page(client, url, queries=expected)


# What the metrics page shows ------------------------------------------------------------------


def test_metrics_page_shows_definitions_charts_tables_and_cost_per_impact(
    client, intrapreneur, startup, dossiers, active_users
):
    client.force_login(intrapreneur)
    response = client.get(reverse("metrics:list", args=[startup.slug]))
    content = text(response)
    tree = lxml_html.fromstring(response.content)
    assert "Dossiers déposés, hors brouillons" in content
    assert f"Définition modifiée en {month_label(DEFINITION_CHANGED)}" in content
    # The three full semesters: 1 €, 0,80 € then 0,40 € a dossier.
    rows = [
        [cell.text_content().split() for cell in row.cssselect("th, td")]
        for row in tree.cssselect("#semesters-caption ~ tbody tr")
    ]
    assert [(r[0], r[4], r[5]) for r in rows] == [
        (str(FULL[0]).split(), ["1,00", "€"], ["–"]),
        (str(FULL[1]).split(), ["0,80", "€"], ["−20", "%"]),
        (str(FULL[2]).split(), ["0,40", "€"], ["−50", "%"]),
    ]
    assert [r[6] for r in rows] == [["–"], ["Oui"], ["Oui"]]
    # Cost per use: (96 000 + 120 000) € ÷ 1 000 monthly active users.
    flat = " ".join(tree.text_content().replace("\u202f", " ").split())
    assert f"Coût par usage ({FULL[1]} et {FULL[2]}) : 216 € par utilisateur actif mensuel" in flat
    # Charts: an accessible SVG per metric and the trajectory, with the font set on the text.
    svgs = tree.cssselect("svg[role=img]")
    assert len(svgs) == 3
    for svg in svgs:
        assert svg.cssselect("title") and svg.cssselect("desc")
        assert all(
            t.get("font-family") == "Marianne, arial, sans-serif" for t in svg.cssselect("text")
        )
    trajectory = tree.cssselect("#trajectory-desc")[0].text_content().replace("\u202f", " ")
    assert f"{LAST} : 300 000 dossiers pour 120 000 €, soit 0,40 € par unité" in trajectory
    assert "0,40 €" in [t.text_content().replace("\u202f", " ") for t in svgs[0].cssselect("text")]
    # The last twelve months, this one first, in a table beside each chart.
    [table] = tree.cssselect(f"#last-{dossiers.pk} ~ tbody")
    cells = [row.text_content().replace("\u202f", " ").split() for row in table.cssselect("tr")]
    last_value = f"{dossiers_values()[month_start(-1)]:,}".replace(",", " ")
    assert cells[0] == [*month_label(month_start(0)).split(), "–"]
    assert cells[1] == [*month_label(month_start(-1)).split(), *last_value.split()]
    assert len(cells) == 12


def test_a_metric_without_values_says_so_instead_of_a_broken_chart(client, staff, startup):
    MetricFactory(startup=startup, label="Nouveau")
    client.force_login(staff)
    response = client.get(reverse("metrics:list", args=[startup.slug]))
    assert "Aucune valeur enregistrée pour l’instant" in text(response)
    assert b"<svg" not in response.content.split(b"Indicateurs</h2>")[1]


# Creating and editing a metric ------------------------------------------------------------


def metric_data(**overrides):
    return {
        "label": "Démarches abouties",
        "unit": "démarches",
        "dimension": Dimension.IMPACTFUL,
        "direction": "higher",
        "aggregation": "sum",
        "definition": "Démarches menées à leur terme dans le mois",
        "source_url": "https://stats.example.org",
    } | overrides


def test_team_creates_a_metric_with_its_definition(client, intrapreneur, startup):
    client.force_login(intrapreneur)
    response = client.post(reverse("metrics:create", args=[startup.slug]), metric_data())
    assert response.status_code == 302
    metric = Metric.objects.get(startup=startup)
    assert metric.label == "Démarches abouties"
    [definition] = metric.definitions.all()
    assert definition.text == "Démarches menées à leur terme dans le mois"
    assert definition.created_by == intrapreneur


def test_changing_a_definition_starts_a_new_one_this_month(client, staff, startup, dossiers):
    client.force_login(staff)
    url = reverse("metrics:edit", args=[startup.slug, dossiers.pk])
    before = list(dossiers.definitions.values_list("valid_from", "text"))
    data = metric_data(label="Dossiers déposés", unit="dossiers", is_north_star="on")
    client.post(url, data | {"definition": "Dossiers hors brouillons", "source_url": ""})
    after = list(dossiers.definitions.values_list("valid_from", "text"))
    assert after == [*before, (month_start(0), "Dossiers hors brouillons")]
    # Saved again the same month: this month's definition is rewritten, the old ones never.
    client.post(url, data | {"definition": "Dossiers hors brouillons et tests", "source_url": ""})
    client.post(url, data | {"definition": "Dossiers hors brouillons et tests", "source_url": ""})
    assert list(dossiers.definitions.values_list("valid_from", "text")) == [
        *before,
        (month_start(0), "Dossiers hors brouillons et tests"),
    ]


def test_a_second_north_star_or_a_duplicate_label_is_refused_in_french(
    client, staff, startup, dossiers
):
    client.force_login(staff)
    url = reverse("metrics:create", args=[startup.slug])
    response = client.post(url, metric_data(is_north_star="on"))
    assert response.status_code == 200
    assert "est déjà l’indicateur étoile polaire" in text(response)
    response = client.post(url, metric_data(label="Dossiers déposés"))
    assert "La startup a déjà un indicateur de ce nom." in text(response)
    assert Metric.objects.count() == 1


# Monthly values, one month at a time ------------------------------------------------------------


def values_url(startup):
    return reverse("metrics:values", args=[startup.slug])


def test_saving_a_month_records_through_the_form_path(
    client, intrapreneur, startup, dossiers, private_metric
):
    client.force_login(intrapreneur)
    data = {
        "mois": month(0),
        f"indicateur-{dossiers.pk}": "61 000",
        f"indicateur-{private_metric.pk}": "92,5",
    }
    response = client.post(values_url(startup), data)
    assert response.status_code == 302
    assert response["Location"] == values_url(startup)
    saved = Measurement.objects.filter(month=month_start(0))
    assert {(m.metric_id, m.value, m.source) for m in saved} == {
        (dossiers.pk, Decimal(61000), MeasurementSource.FORM),
        (private_metric.pk, Decimal("92.5"), MeasurementSource.FORM),
    }
    status = f"Valeurs {of_month(month_start(0))} enregistrées."
    assert status in text(client.get(values_url(startup)))


def test_a_bad_value_is_explained_next_to_its_input_and_nothing_is_written(
    client, staff, startup, dossiers, private_metric
):
    client.force_login(staff)
    data = {
        "mois": month(0),
        f"indicateur-{dossiers.pk}": "61 000",
        f"indicateur-{private_metric.pk}": "beaucoup",
    }
    response = client.post(values_url(startup), data)
    assert response.status_code == 200
    tree = lxml_html.fromstring(response.content)
    [error] = tree.cssselect(f"#id_indicateur-{private_metric.pk}-error")
    assert error.text_content() == "« beaucoup » n’est pas un nombre."
    assert tree.cssselect(f"#id_indicateur-{dossiers.pk}")[0].get("value") == "61 000"
    assert not Measurement.objects.filter(month=month_start(0)).exists()


@pytest.mark.parametrize("key", [month(1), "n’importe quoi"], ids=["next-month", "not-a-month"])
def test_a_future_or_bad_month_is_refused(client, staff, startup, dossiers, key):
    client.force_login(staff)
    response = client.post(values_url(startup), {"mois": key, f"indicateur-{dossiers.pk}": "1"})
    assert response.status_code == 400
    response = client.get(values_url(startup), {"modifier": key})
    assert "n’est pas" in text(response)


def test_a_double_submit_records_each_value_once(client, staff, startup, dossiers):
    client.force_login(staff)
    data = {"mois": month(0), f"indicateur-{dossiers.pk}": "61000"}
    for _ in range(2):
        client.post(values_url(startup), data)
        client.post(values_url(startup), data, headers={"HX-Request": "true"})
    assert Measurement.objects.filter(metric=dossiers, month=month_start(0)).count() == 1


def test_an_older_month_opens_from_the_picker(client, staff, startup, dossiers):
    client.force_login(staff)
    older = FULL[0].months[1]  # more than twelve months ago: not in the table
    response = client.get(values_url(startup), {"modifier": f"{older:%Y-%m}"})
    tree = lxml_html.fromstring(response.content)
    assert len(tree.cssselect("#values-table tbody tr")) == 13
    [value] = tree.cssselect(f"#month-{older:%Y-%m} input.fr-input")
    assert value.get("value") == "10\u202f000"


def swap_row(page, fragment: bytes, month: str):
    """Apply a row response as htmx does: the row in place of #month-…, out-of-band parts."""
    parts = lxml_html.fragments_fromstring(f"<table><tbody>{fragment.decode()}</tbody></table>")
    [row] = parts[0].cssselect(f"#month-{month}")
    [target] = page.cssselect(f"#month-{month}")
    row.tail = target.tail
    target.getparent().replace(target, row)
    for template in parts[0].cssselect("template"):
        for element in template:
            element.attrib.pop("hx-swap-oob")
            [old] = page.cssselect(f"#{element.get('id')}")
            element.tail = old.tail
            old.getparent().replace(old, element)
    return page


def table(tree) -> bytes:
    """The values table, without the CSRF tokens (masked anew in each response)."""
    [element] = tree.cssselect("#values-table")
    for token in element.cssselect("input[name=csrfmiddlewaretoken]"):
        token.set("value", "")
    return lxml_html.tostring(element)


def test_htmx_edit_swap_gives_the_same_table_as_a_full_get(client, staff, startup, dossiers):
    client.force_login(staff)
    url = values_url(startup)
    page = lxml_html.fromstring(client.get(url).content)
    fragment = client.get(url, {"modifier": month(-1)}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    swap_row(page, fragment.content, month(-1))
    fresh = lxml_html.fromstring(client.get(url, {"modifier": month(-1)}).content)
    assert table(page) == table(fresh)
    # Cancel: back to the plain row.
    fragment = client.get(url, {"ligne": month(-1)}, headers={"HX-Request": "true"})
    swap_row(page, fragment.content, month(-1))
    assert table(page) == table(lxml_html.fromstring(client.get(url).content))


def test_htmx_save_swap_gives_the_same_table_as_a_full_get(client, staff, startup, dossiers):
    client.force_login(staff)
    url = values_url(startup)
    page = lxml_html.fromstring(client.get(url, {"modifier": month(-1)}).content)
    data = {"mois": month(-1), f"indicateur-{dossiers.pk}": "56 789,5"}
    fragment = client.post(url, data, headers={"HX-Request": "true"})
    swap_row(page, fragment.content, month(-1))
    status = page.cssselect("#values-status")[0].text_content()
    assert status == f"Valeurs {of_month(month_start(-1))} enregistrées."
    assert table(page) == table(lxml_html.fromstring(client.get(url).content))
    saved = Measurement.objects.get(metric=dossiers, month=month_start(-1))
    assert saved.value == Decimal("56789.5")


def test_htmx_save_with_an_error_keeps_the_row_open_with_the_error(
    client, staff, startup, dossiers
):
    client.force_login(staff)
    data = {"mois": month(-1), f"indicateur-{dossiers.pk}": "1e40"}
    fragment = client.post(values_url(startup), data, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "n’est pas un nombre utilisable" in text(fragment)
    assert b"<html" not in fragment.content


# The public page -------------------------------------------------------------------------------


def test_public_page_is_404_unless_the_startup_opted_in(client, startup, dossiers):
    url = reverse("metrics:public", args=[startup.slug])
    assert client.get(url).status_code == 404
    startup.public_page = True
    startup.save()
    assert client.get(url).status_code == 200


def test_public_page_shows_public_metrics_and_cost_per_unit_only(
    client, startup, dossiers, active_users, private_metric
):
    startup.public_page = True
    startup.save()
    response = client.get(reverse("metrics:public", args=[startup.slug]))
    content = text(response)
    assert "Mon Service" in content and "Dossiers déposés" in content
    assert "0,40 €" in content
    for private in ("Taux de satisfaction", "Utilisateurs actifs", "120 000 €", "Coût par usage"):
        assert private not in content
    assert b"trajectory" not in response.content


def test_public_page_without_a_public_north_star_shows_no_cost(client, startup, dossiers):
    Metric.objects.update(is_public=False)
    MetricFactory(startup=startup, label="Visites", is_north_star=False, is_public=True)
    startup.public_page = True
    startup.save()
    content = text(client.get(reverse("metrics:public", args=[startup.slug])))
    assert "Visites" in content
    assert "Coût par impact" not in content and "Dossiers déposés" not in content


# The impact panel of the startup page ------------------------------------------------------------


def test_impact_panel_for_readers(client, sponsor, startup, dossiers, active_users, private_metric):
    client.force_login(sponsor)
    response = client.get(startup.get_absolute_url())
    tree = lxml_html.fromstring(response.content)
    rows = {
        row.cssselect("th")[0].text_content().strip(): " ".join(
            row.cssselect("td")[0].text_content().split()
        )
        for row in tree.cssselect(".comite-impact tbody tr")
    }
    assert list(rows) == ["Utilisable", "Utilisé", "Utile", "Impactant", "Efficient"]
    assert rows["Utilisable"] == "Aucun indicateur"
    # Last month against the same month a year before.
    values = dossiers_values()
    latest, year_before = values[month_start(-1)], values[month_start(-13)]
    change = round((latest / year_before - 1) * 100)
    assert (
        f"{latest:,} dossiers ({month_label(month_start(-1))}) ↗ +{change} % en un an "
        "(favorable)".replace(",", " ")
        in rows["Impactant"].replace("\u202f", " ")
    )
    assert f"91 % ({month_label(month_start(-1))})" in rows["Utile"].replace("\u202f", " ")
    assert f"Coût par unité d’impact (dossiers, {LAST}) : 0,40 € (−50 % sur un semestre)" in rows[
        "Efficient"
    ].replace("\u202f", " ")


def test_impact_panel_is_a_sentence_for_others(client, outsider, startup, dossiers):
    client.force_login(outsider)
    content = text(client.get(startup.get_absolute_url()))
    assert "Les indicateurs d’impact sont réservés" in content
    assert "Dossiers déposés" not in content


def test_the_month_is_paris_s_at_midnight_new_year(client, staff, startup, dossiers, clock):
    """At 00:30 on 1 January in Paris it is still 31 December in UTC: January is this month."""
    clock.move_to(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=PARIS))
    client.force_login(staff)
    data = {"mois": "2027-01", f"indicateur-{dossiers.pk}": "61000"}
    assert client.post(values_url(startup), data).status_code == 302
    assert Measurement.objects.get(metric=dossiers, month="2027-01-01").value == 61000
    data["mois"] = "2027-02"
    assert client.post(values_url(startup), data).status_code == 400
