"""An intrapreneur uploads a CSV of measurements, reads the preview, applies it; a bad file is
refused with its errors. axe-core on the upload, preview and refusal pages."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from metrics.charts import month_label
from metrics.models import Measurement
from tests.factories import (
    IncubatorFactory,
    MetricFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
    add_measurements,
)
from tests.utils import month, month_start

FILED = "Dossiers déposés"
USERS = "Utilisateurs actifs"
M1, M2, M3 = month(-3), month(-2), month(-1)  # the three months before this one


@pytest.fixture
def team(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    sponsor = OrganisationFactory(slug="dgfip", acronym="DGFiP")
    startup = StartupFactory(
        slug="mon-service", name="Mon Service", incubator=incubator, sponsors=[sponsor]
    )
    filed = MetricFactory(startup=startup, label=FILED)
    MetricFactory(startup=startup, active_users=True, label=USERS)
    add_measurements(filed, {M1: 1200, M2: 1300})
    user = UserFactory(email="intra@example.org", first_name="Alex", member_of=startup)
    return {"startup": startup, "user": user, "media": tmp_path}


def choose_file(page, name: str, text: str, encoding="utf-8"):
    page.get_by_label("Fichier CSV").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode(encoding)}
    )
    page.get_by_role("button", name="Voir l’aperçu").click()


VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 800}}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_intrapreneur_uploads_previews_and_applies(
    page, log_in, screenshot, assert_accessible, team, viewport
):
    startup = team["startup"]
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(team["user"])
    page.goto(reverse("metrics:csv-upload", args=[startup.slug]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des mesures")
    screenshot(f"csv-upload-{viewport}")
    assert_accessible()

    # Excel in France: semicolons, decimal commas, Windows-1252.
    text = f"mois;{FILED};{USERS}\r\n{M1};1200;340\r\n{M2};1 350,5;\r\n{M3};1400;360\r\n"
    choose_file(page, "mesures.csv", text, encoding="cp1252")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aperçu de l’import")
    expect(page.locator(".comite-csv-counts")).to_contain_text("3 nouvelles")
    expect(page.locator(".comite-csv-counts")).to_contain_text("1 modifiée")
    expect(page.locator(".comite-csv-counts")).to_contain_text("1 inchangée")
    changed = page.get_by_role("row").filter(has_text="Modifiée")
    expect(changed).to_contain_text(month_label(month_start(-2)).capitalize())  # "Février 2026"
    expect(changed).to_contain_text("1\u202f300")
    expect(changed).to_contain_text("1\u202f350,5")
    screenshot(f"csv-preview-{viewport}")
    assert_accessible()
    assert Measurement.objects.filter(metric__startup=startup).count() == 2  # nothing yet

    page.get_by_role("button", name="Valider l’import").click()
    expect(
        page.get_by_text("Import terminé : 3 valeurs ajoutées, 1 modifiée, 1 inchangée.")
    ).to_be_visible()
    screenshot(f"csv-applied-{viewport}")
    values = dict(Measurement.objects.filter(metric__label=FILED).values_list("month", "value"))
    assert values[month_start(-2)] == 1350.5
    assert not list((team["media"] / "imports-csv").iterdir())

    # Back to the preview (the browser's history): signed-in pages are never stored
    # (Cache-Control: no-store), so the browser asks again: the file is gone, nothing to apply.
    page.go_back()
    expect(page.get_by_text("Aucun fichier en attente d’import")).to_be_visible()


def test_a_bad_file_is_refused_with_its_errors(page, log_in, screenshot, assert_accessible, team):
    startup = team["startup"]
    log_in(team["user"])
    page.goto(reverse("metrics:csv-upload", args=[startup.slug]))
    choose_file(page, "mesures.csv", f"mois;{FILED};Inconnu\n2026-13;12a;3\n")
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("Fichier refusé : 3 erreurs, aucune valeur enregistrée")
    expect(errors).to_contain_text(f"ligne 2, colonne « {FILED} » : « 12a » n’est pas un nombre.")
    screenshot("csv-refused")
    assert_accessible()
    assert Measurement.objects.filter(metric__startup=startup).count() == 2


def test_the_template_downloads(page, log_in, team):
    log_in(team["user"])
    page.goto(reverse("metrics:csv-upload", args=[team["startup"].slug]))
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le modèle").click()
    assert download.value.suggested_filename == "indicateurs-mon-service.csv"
