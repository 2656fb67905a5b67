"""Two people edit the same thing: the second save, made on a version the first one changed,
is refused with who changed what and when, keeps what the second person typed and writes
nothing; the first person's values stay. A save without the version it started from is refused
too. Agenda items, committee rules, budget lines, the staff's review of a report."""

from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committees.enums import ReportStatus
from committees.models import Committee, Review, SemesterReport
from metrics.models import BudgetLine
from tests.committees.reports import submitted_report
from tests.factories import BudgetLineFactory, persona_user
from tests.metrics.test_budget import VALID
from tests.utils import loaded


@pytest.fixture
def marie(incubator):
    return persona_user(
        "staff",
        incubator=incubator,
        email="marie@example.org",
        first_name="Marie",
        last_name="Dupont",
    )


def agenda_item(session, startup, intrapreneur):
    review = session.reviews.get()
    page = reverse("committees:agenda-item", args=[session.pk, review.pk])
    return {
        "page": page,
        "post": page,
        "first": {"duration_minutes": "50", "recommendation": "Refinancer : l’usage croît."},
        "second": {"duration_minutes": "45", "recommendation": "Arrêter."},
        "changed": "recommandation de l’incubateur",
        "typed": "Arrêter.",
        "stored": lambda: Review.objects.get(pk=review.pk).recommendation,
        "first_value": "Refinancer : l’usage croît.",
    }


def rules(session, startup, intrapreneur):
    committee = session.committee
    base = {"majority": "simple", "report_lead_days": "7"}
    return {
        "page": reverse("committees:committee", args=[committee.pk]),
        "post": reverse("committees:committee-rules", args=[committee.pk]),
        "first": base | {"quorum": "3"},
        "second": base | {"quorum": "4"},
        "changed": "quorum",
        "typed": 'value="4"',
        "stored": lambda: Committee.objects.get(pk=committee.pk).quorum,
        "first_value": 3,
    }


def budget_line(session, startup, intrapreneur):
    line = BudgetLineFactory(startup=startup)
    page = reverse("metrics:budget_edit", args=[startup.slug, line.pk])
    return {
        "page": page,
        "post": page,
        "first": VALID | {"paid": "90000"},
        "second": VALID | {"paid": "80000", "label": "Autre marché"},
        "changed": "payé (CP, €)",
        "typed": "Autre marché",
        "stored": lambda: BudgetLine.objects.get(pk=line.pk).paid,
        "first_value": Decimal(90_000),
    }


def report_review(session, startup, intrapreneur):
    report = submitted_report(startup, intrapreneur)
    args = [startup.slug, report.semester]
    return {
        "page": reverse("committees:report", args=args),
        "post": reverse("committees:report-review", args=args),
        "first": {"action": "accept"},
        "second": {"action": "changes", "comment-impact": "Ajoutez la satisfaction."},
        "changed": "statut",
        "typed": None,  # accepted: nothing left to review, the message says why
        "stored": lambda: SemesterReport.objects.get(pk=report.pk).status,
        "first_value": ReportStatus.ACCEPTED,
    }


FORMS = {
    "agenda item": agenda_item,
    "committee rules": rules,
    "budget line": budget_line,
    "report review": report_review,
}


@pytest.mark.parametrize("form", FORMS)
def test_the_second_of_two_saves_is_refused_naming_who_changed_what(
    form, session, startup, intrapreneur, staff, marie
):
    case = FORMS[form](session, startup, intrapreneur)
    first, second = Client(), Client()
    first.force_login(marie)
    second.force_login(staff)
    first_loaded, second_loaded = loaded(first, case["page"]), loaded(second, case["page"])

    response = first.post(case["post"], case["first"] | first_loaded)
    assert response.status_code == 302
    response = second.post(case["post"], case["second"] | second_loaded)

    assert response.status_code == 409
    page = unescape(response.content.decode())
    at = f"{timezone.localtime():%H:%M}"
    assert f"Marie Dupont a modifié cet élément à {at} pendant que vous l’éditiez" in page
    changed = page[page.index("(champs : ") :].partition(").")[0]
    assert case["changed"] in changed, changed
    assert "rechargez la page pour partir de sa version" in page
    if case["typed"]:
        assert case["typed"] in page  # what they typed is still in the form
    assert case["stored"]() == case["first_value"]


@pytest.mark.parametrize("form", FORMS)
def test_a_save_without_the_version_it_started_from_is_refused(
    form, session, startup, intrapreneur, staff
):
    case = FORMS[form](session, startup, intrapreneur)
    client = Client()
    client.force_login(staff)
    before = case["stored"]()
    response = client.post(case["post"], case["first"])
    assert response.status_code == 409
    assert "ne dit pas quelle version il modifie" in unescape(response.content.decode())
    assert case["stored"]() == before


@pytest.mark.parametrize("form", FORMS)
def test_saving_again_from_the_current_version_works(
    form, session, startup, intrapreneur, staff, marie
):
    case = FORMS[form](session, startup, intrapreneur)
    client = Client()
    client.force_login(marie)
    assert (
        client.post(case["post"], case["first"] | loaded(client, case["page"])).status_code == 302
    )
    if form == "report review":
        return  # accepted: there is no next review
    client.force_login(staff)
    response = client.post(case["post"], case["second"] | loaded(client, case["page"]))
    assert response.status_code == 302
    assert case["stored"]() != case["first_value"]


def test_a_line_deleted_while_edited_is_not_saved(client, startup, staff):
    line = BudgetLineFactory(startup=startup)
    page = reverse("metrics:budget_edit", args=[startup.slug, line.pk])
    client.force_login(staff)
    version = loaded(client, page)
    BudgetLine.objects.filter(pk=line.pk).delete()
    assert client.post(page, VALID | version).status_code == 404
    assert not BudgetLine.objects.exists()


def test_the_message_says_someone_when_the_editors_account_is_gone(
    session, startup, intrapreneur, staff, marie
):
    case = agenda_item(session, startup, intrapreneur)
    first, second = Client(), Client()
    first.force_login(marie)
    second.force_login(staff)
    first_loaded, second_loaded = loaded(first, case["page"]), loaded(second, case["page"])
    first.post(case["post"], case["first"] | first_loaded)
    marie.delete()

    response = second.post(case["post"], case["second"] | second_loaded)
    assert response.status_code == 409
    assert "Quelqu’un a modifié cet élément" in unescape(response.content.decode())
