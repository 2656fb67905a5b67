import pytest
from django.urls import reverse
from lxml import html
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from committees.enums import ReportStatus
from committees.models import SemesterReport
from committees.reports.services import (
    latest_version,
    report_request_changes,
    report_section_save,
    report_start,
)
from tests.committees.reports import COMPLETE, fill, post_data, submitted_report
from tests.factories import MetricFactory, StartupFactory, add_measurements
from tests.utils import SEMESTER, get_page, loaded, month


def url(name, startup, *args):
    return reverse(f"committees:{name}", args=[startup.slug, *args])


@pytest.fixture
def draft(startup, intrapreneur, session):
    return report_start(startup=startup, semester=SEMESTER, by=intrapreneur)


@pytest.mark.parametrize(
    ("persona", "reports_page", "edit_page", "draft_page"),
    [
        ("intrapreneur", 200, 200, 200),
        ("staff", 200, 403, 200),
        ("sponsor", 200, 403, 403),
        ("outsider", 403, 403, 403),
        ("superuser", 200, 403, 200),
    ],
)
def test_who_sees_what_of_a_draft(
    client, request, draft, startup, persona, reports_page, edit_page, draft_page
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("startup-reports", startup)).status_code == reports_page
    assert client.get(url("report-edit", startup, draft.semester)).status_code == edit_page
    assert client.get(url("report", startup, draft.semester)).status_code == draft_page


@pytest.mark.parametrize(("persona", "status"), [("sponsor", 200), ("outsider", 403)])
def test_sponsors_read_submitted_reports_of_the_startups_they_fund(
    client, request, startup, intrapreneur, persona, status
):
    report = submitted_report(startup, intrapreneur)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("report", startup, report.semester)).status_code == status


def test_a_sponsor_of_another_startup_reads_nothing(client, startup, intrapreneur, other_sponsor):
    report = submitted_report(startup, intrapreneur)
    client.force_login(other_sponsor)
    assert client.get(url("report", startup, report.semester)).status_code == 403


def test_a_sponsor_reads_the_submitted_version_while_the_team_revises_it(
    client, startup, intrapreneur, staff, sponsor
):
    report = submitted_report(startup, intrapreneur)
    report_request_changes(report=report, comments={"impact": "Précisez."}, by=staff)
    report_section_save(
        report=report,
        key="identity",
        data={**COMPLETE["identity"], "problem": "Brouillon en cours"},
        by=intrapreneur,
    )
    client.force_login(staff)
    assertContains(client.get(url("report", startup, report.semester)), "Brouillon en cours")
    client.force_login(sponsor)
    page = client.get(url("report", startup, report.semester))
    assertContains(page, "Version 1")
    assertNotContains(page, "Brouillon en cours")
    asked = client.get(url("report", startup, report.semester) + "?version=2")
    assert asked.context["version"].number == 1


def test_the_team_starts_its_report_from_its_page(client, startup, intrapreneur, session):
    client.force_login(intrapreneur)
    page = client.get(url("startup-reports", startup))
    assertContains(page, "Commencer le bilan")
    assertContains(page, "Manquant")
    response = client.post(url("report-start", startup))
    assertRedirects(response, url("report-edit", startup, SEMESTER.key))
    client.post(url("report-start", startup))
    assert SemesterReport.objects.filter(startup=startup).count() == 1


@pytest.mark.parametrize("persona", ["staff", "sponsor", "outsider"])
def test_only_the_team_writes(client, request, draft, startup, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        url("report-section", startup, draft.semester, "identity"),
        post_data("identity", COMPLETE["identity"]),
    )
    assert response.status_code == 403
    assert client.post(url("report-submit", startup, draft.semester)).status_code == 403
    assert client.post(url("report-start", startup)).status_code == 403


def test_autosave_answers_with_the_time_and_the_progress(client, draft, startup, intrapreneur):
    client.force_login(intrapreneur)
    response = client.post(
        url("report-section", startup, draft.semester, "identity"),
        post_data("identity", COMPLETE["identity"]),
        headers={"HX-Request": "true"},
    )
    assertContains(response, "Enregistré à")
    assertContains(response, "Sections complètes : 1 sur 5")
    assertContains(response, 'id="report-progress"')
    section = latest_version(draft).sections.get(key="identity")
    assert section.data == COMPLETE["identity"]
    assert section.saved_by == intrapreneur


def test_autosave_of_a_partial_section_keeps_what_was_typed(client, draft, startup, intrapreneur):
    client.force_login(intrapreneur)
    client.post(
        url("report-section", startup, draft.semester, "last_semester"),
        {"last_semester-delivered": "La messagerie"},
        headers={"HX-Request": "true"},
    )
    data = latest_version(draft).sections.get(key="last_semester").data
    assert data["delivered"] == "La messagerie"
    page = client.get(url("report-edit", startup, draft.semester))
    assertContains(page, "Sections complètes : 0 sur 5")
    assertContains(page, "La messagerie</textarea>")


def test_a_badly_typed_field_gets_its_error_and_nothing_is_lost(
    client, draft, startup, intrapreneur
):
    client.force_login(intrapreneur)
    data = post_data("last_semester", {**COMPLETE["last_semester"], "demo_url": "pas une adresse"})
    response = client.post(
        url("report-section", startup, draft.semester, "last_semester"),
        data,
        headers={"HX-Request": "true"},
    )
    assertContains(response, "Non enregistré")
    tree = html.fromstring(response.content)
    [messages] = tree.cssselect("#id_last_semester-demo_url-messages")
    assert messages.get("hx-swap-oob") == "true"
    assert "URL valide" in messages.text_content()
    # Without JavaScript: the page again, with the error next to the field and the text kept.
    page = client.post(url("report-section", startup, draft.semester, "last_semester"), data)
    assert page.status_code == 422
    assertContains(page, "URL valide", status_code=422)
    assertContains(page, COMPLETE["last_semester"]["learnings"], status_code=422)


def test_saving_without_javascript_comes_back_to_the_section(client, draft, startup, intrapreneur):
    client.force_login(intrapreneur)
    response = client.post(
        url("report-section", startup, draft.semester, "impact"),
        post_data("impact", COMPLETE["impact"]),
    )
    assertRedirects(response, url("report-edit", startup, draft.semester) + "#impact")


def test_autosave_and_a_fresh_page_agree(client, draft, startup, intrapreneur):
    """htmx equivalence: the status line autosave swaps in is the one a full GET shows."""
    client.force_login(intrapreneur)
    swapped = client.post(
        url("report-section", startup, draft.semester, "impact"),
        post_data("impact", COMPLETE["impact"]),
        headers={"HX-Request": "true"},
    )
    page = html.fromstring(client.get(url("report-edit", startup, draft.semester)).content)
    fragment = html.fragment_fromstring(swapped.content.decode(), create_parent="div")
    assert " ".join(page.cssselect("#status-impact")[0].text_content().split()) == " ".join(
        fragment.cssselect(".fr-message")[0].text_content().split()
    )
    swapped_progress = fragment.cssselect("#report-progress")[0]
    assert " ".join(swapped_progress.text_content().split()) == " ".join(
        page.cssselect("#report-progress")[0].text_content().split()
    )


def test_submitting_an_incomplete_report_says_what_is_missing(client, draft, startup, intrapreneur):
    client.force_login(intrapreneur)
    response = client.post(url("report-submit", startup, draft.semester))
    assert response.status_code == 422
    assertContains(response, "Le bilan n’est pas complet", status_code=422)
    assertContains(response, "section à relire et enregistrer", status_code=422)


def test_the_team_submits_and_a_double_click_changes_nothing(client, draft, startup, intrapreneur):
    fill(draft, intrapreneur)
    client.force_login(intrapreneur)
    first = client.post(url("report-submit", startup, draft.semester))
    second = client.post(url("report-submit", startup, draft.semester))
    assertRedirects(first, draft.get_absolute_url())
    assertRedirects(second, draft.get_absolute_url())
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED
    assert draft.versions.count() == 1
    assert client.get(url("report-edit", startup, draft.semester)).status_code == 302


def test_staff_request_changes_with_comments_per_section(
    client, startup, intrapreneur, staff, session
):
    report = submitted_report(startup, intrapreneur)
    client.force_login(staff)
    page = client.get(url("report", startup, report.semester))
    assertContains(page, "Demander des modifications")
    response = client.post(
        url("report-review", startup, report.semester),
        {"action": "changes", "comment-impact": "Ajoutez la satisfaction."}
        | loaded(client, url("report", startup, report.semester)),
    )
    assertRedirects(response, report.get_absolute_url())
    report.refresh_from_db()
    assert report.status == ReportStatus.CHANGES_REQUESTED
    client.force_login(intrapreneur)
    assertContains(
        client.get(url("report-edit", startup, report.semester)), "Ajoutez la satisfaction."
    )


@pytest.mark.parametrize("persona", ["intrapreneur", "sponsor"])
def test_only_staff_review(client, request, startup, intrapreneur, persona):
    report = submitted_report(startup, intrapreneur)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url("report-review", startup, report.semester), {"action": "accept"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_the_report_shows_the_figures_it_was_submitted_with(client, startup, intrapreneur, sponsor):
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    add_measurements(metric, {month(): 180})
    report = submitted_report(startup, intrapreneur)
    add_measurements(metric, {month(): 999})
    client.force_login(sponsor)
    page = client.get(url("report", startup, report.semester))
    assertContains(page, "figés à la soumission")
    assertContains(page, "<strong>180 dossiers</strong>", html=False)
    assertNotContains(page, "999")
    assertContains(page, COMPLETE["request"]["without_funding"])


def metrics_for(startup, n):
    for i in range(n):
        metric = MetricFactory(startup=startup, label=f"Indicateur {i}", is_north_star=i == 0)
        add_measurements(metric, {month(-2): 10 + i, month(-1): 20 + i, month(): 30 + i})


# The report pages: 21 with who funds the current round.
@pytest.mark.parametrize(
    ("page", "queries"),
    [("startup-reports", 13), ("report-edit", 21), ("report", 21)],
)
def test_pages_take_a_fixed_number_of_queries(client, draft, startup, intrapreneur, page, queries):
    """The same count with 1 metric and 10, one section saved and all of them."""
    client.force_login(intrapreneur)
    args = [] if page == "startup-reports" else [draft.semester]
    metrics_for(startup, 1)
    get_page(client, url(page, startup, *args), queries=queries)
    metrics_for(StartupFactory(), 0)
    for i in range(1, 10):
        metric = MetricFactory(startup=startup, label=f"Autre {i}", is_north_star=False)
        add_measurements(metric, {month(): i})
    fill(draft, intrapreneur)
    get_page(client, url(page, startup, *args), queries=queries)
