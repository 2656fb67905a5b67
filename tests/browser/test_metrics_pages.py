"""The metrics pages in Chromium: axe-core on each, editing one month's values in htmx, the
public page without logging in. Screenshots go to SHOTS (/tmp/comite-shots)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from metrics.charts import month_label, of_month
from metrics.enums import Dimension
from metrics.models import Measurement, MetricDefinition, Objective
from startups.dates import Semester
from tests.browser.test_accessibility import VIEWPORTS
from tests.factories import (
    BudgetLineFactory,
    IncubatorFactory,
    MetricFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
    add_measurements,
)
from tests.utils import TODAY, month, month_start

CURRENT = Semester.of(TODAY)
LAST = CURRENT.previous  # the last full semester
LAST_MONTH = month_start(-1)
OLD_MONTH = month_start(-29)  # long before the values table's twelve months


def last_months(n: int) -> list[str]:
    """The `n` months before this one, oldest first."""
    return [month(offset) for offset in range(-n, 0)]


@pytest.fixture
def startup_with_metrics(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="Direction générale des finances publiques")
    startup = StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dgfip],
        with_committee=True,
        with_round=True,
        public_page=True,
    )
    dossiers = MetricFactory(startup=startup, label="Dossiers déposés", is_public=True)
    add_measurements(
        dossiers,
        dict(zip(last_months(22), range(8_000, 60_000, 2_400), strict=False)),
    )
    MetricDefinition.objects.create(
        metric=dossiers, valid_from=month_start(-8), text="Dossiers hors brouillons"
    )
    Objective.objects.create(metric=dossiers, target=Decimal(65_000), due_on=CURRENT.end)
    users = MetricFactory(startup=startup, active_users=True)
    add_measurements(users, dict(zip(last_months(22), range(900, 5000, 180), strict=False)))
    satisfaction = MetricFactory(
        startup=startup,
        label="Satisfaction",
        unit="%",
        is_north_star=False,
        dimension=Dimension.USEFUL,
    )
    add_measurements(satisfaction, {month(-3): 84, month(-2): "87.5", month(-1): 91})
    for semester, paid in [(LAST - 2, 150_000), (LAST - 1, 190_000), (LAST, 210_000)]:
        BudgetLineFactory(
            startup=startup, year=semester.year, half=semester.half, paid=Decimal(paid)
        )
    staff = UserFactory(email="staff@example.org", first_name="Camille", staff_of=incubator)
    return {"startup": startup, "staff": staff, "dossiers": dossiers, "satisfaction": satisfaction}


PAGES = {
    "metrics": lambda s: reverse("metrics:list", args=[s.slug]),
    "metrics-values": lambda s: reverse("metrics:values", args=[s.slug]),
    "metrics-values-editing": lambda s: (
        reverse("metrics:values", args=[s.slug]) + f"?modifier={OLD_MONTH:%Y-%m}"
    ),
    "metrics-new": lambda s: reverse("metrics:create", args=[s.slug]),
    "startup-impact": lambda s: s.get_absolute_url(),
    "public": lambda s: reverse("metrics:public", args=[s.slug]),
}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_metrics_pages_have_no_axe_violation(
    page, log_in, screenshot, assert_accessible, startup_with_metrics, name, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    if name != "public":
        log_in(startup_with_metrics["staff"])
    response = page.goto(PAGES[name](startup_with_metrics["startup"]))
    assert response.status == 200
    assert page.locator("main h1").count() == 1
    for details in page.locator("details").all():
        details.locator("summary").click()  # the charts' data tables are checked open too
    screenshot(f"{name}-{viewport}")
    assert_accessible()


def test_edit_one_month_inline_with_htmx(
    page, log_in, screenshot, assert_accessible, startup_with_metrics
):
    startup, satisfaction = startup_with_metrics["startup"], startup_with_metrics["satisfaction"]
    log_in(startup_with_metrics["staff"])
    page.goto(reverse("metrics:values", args=[startup.slug]))
    row = page.locator(f"#month-{LAST_MONTH:%Y-%m}")
    label = month_label(LAST_MONTH)  # "octobre 2026"
    row.get_by_role("link", name=f"Modifier {label}").click()
    expect(row.get_by_label(f"Dossiers déposés, {label}")).to_be_focused()  # the first
    field = row.get_by_label(f"Satisfaction, {label}")
    expect(field).to_have_value("91")
    assert "?modifier" not in page.url  # swapped in place, no page load
    field.fill("beaucoup")
    row.get_by_role("button", name=f"Enregistrer {label}").click()
    expect(row.get_by_text("« beaucoup » n’est pas un nombre.")).to_be_visible()
    expect(row.get_by_label(f"Satisfaction, {label}")).to_be_focused()  # the value in error
    screenshot("metrics-values-error")
    assert_accessible()
    row.get_by_label(f"Satisfaction, {label}").fill("93,5")
    row.get_by_role("button", name=f"Enregistrer {label}").click()
    expect(page.get_by_role("status")).to_have_text(f"Valeurs {of_month(LAST_MONTH)} enregistrées.")
    expect(row.get_by_role("cell", name="93,5")).to_be_visible()
    expect(row.get_by_role("link", name=f"Modifier {label}")).to_be_focused()
    screenshot("metrics-values-saved")
    assert Measurement.objects.get(metric=satisfaction, month=LAST_MONTH).value == Decimal("93.5")
    # Cancel puts the row back as it was.
    row.get_by_role("link", name=f"Modifier {label}").click()
    row.get_by_role("link", name="Annuler").click()
    expect(row.get_by_role("cell", name="93,5")).to_be_visible()
    expect(row.locator("input")).to_have_count(0)


def test_edit_one_month_without_javascript(browser, live_server, startup_with_metrics):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(startup_with_metrics["staff"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    startup, satisfaction = startup_with_metrics["startup"], startup_with_metrics["satisfaction"]
    page.goto(reverse("metrics:values", args=[startup.slug]))
    page.get_by_role("textbox", name="Mois").fill(f"{OLD_MONTH:%Y-%m}")
    page.get_by_role("button", name="Ouvrir ce mois").click()
    page.get_by_label(f"Satisfaction, {month_label(OLD_MONTH)}").fill("70")
    page.get_by_role("button", name=f"Enregistrer {month_label(OLD_MONTH)}").click()
    assert page.url.endswith(reverse("metrics:values", args=[startup.slug]))
    status = f"Valeurs {of_month(OLD_MONTH)} enregistrées."
    expect(page.get_by_text(status).first).to_be_visible()
    assert Measurement.objects.get(metric=satisfaction, month=OLD_MONTH).value == 70
    context.close()


def test_public_page_shows_only_what_the_team_published(page, screenshot, startup_with_metrics):
    page.goto(reverse("metrics:public", args=[startup_with_metrics["startup"].slug]))
    expect(page.get_by_role("heading", name="Dossiers déposés")).to_be_visible()
    expect(page.get_by_role("img", name="Dossiers déposés (dossiers), par mois")).to_be_visible()
    expect(page.get_by_text("Satisfaction")).to_have_count(0)
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
