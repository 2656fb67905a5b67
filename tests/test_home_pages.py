"""Home pages that tell the truth: a team sees its next session, its report's deadline and state;
a sponsor sees its startups by what needs attention; staff see what is due now apart from the
stale records; a startup on an upcoming agenda has that session as its next committee. And
"Relancer", and the agenda's warnings."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from committees.enums import AuditAction
from committees.models import AuditEvent, Review
from startups.dates import stale_before
from tests.committees.reports import submitted_report
from tests.factories import ReviewFactory, SessionFactory, StartupFactory
from tests.utils import TODAY, frozen_at


@pytest.fixture
def on_agenda(startup, incubator):
    """The startup, late for its committee, on the agenda of a session in three weeks."""
    startup.committee_due_on = TODAY - datetime.timedelta(days=7)
    startup.save(update_fields=["committee_due_on"])
    session = SessionFactory(committee__incubator=incubator)
    ReviewFactory(session=session, startup=startup)
    return session


def test_a_team_sees_its_next_session_and_its_report_deadline(client, intrapreneur, on_agenda):
    client.force_login(intrapreneur)
    page = client.get(reverse("home")).content.decode()
    assert "Prochaine séance" in page and on_agenda.committee.name in page
    assert reverse("committees:session", args=[on_agenda.pk]) in page
    assert f"À rendre le {on_agenda.report_due_on.day}" in page and "Mon bilan semestriel" in page
    assert "En retard" not in page  # the due date is not the next committee: the session is


def test_a_startup_on_an_upcoming_agenda_is_not_late_for_its_committee(
    client, staff, startup, on_agenda
):
    client.force_login(staff)
    page = client.get(startup.get_absolute_url()).content.decode()
    assert "Inscrite à la séance du" in page
    table = client.get(reverse("startups:portfolio"), {"q": startup.name}).content.decode()
    assert "inscrite à la séance" in table and "En retard" not in table


def test_the_team_reads_a_submitted_report_as_such(client, intrapreneur, startup, on_agenda):
    submitted_report(startup, intrapreneur)
    client.force_login(intrapreneur)
    assert "Soumis, à relire par l’incubateur" in client.get(reverse("home")).content.decode()


def test_a_sponsor_sees_reports_to_read_and_sessions_apart_from_the_rest(
    client, sponsor, sponsor_organisation, startup, intrapreneur, on_agenda, incubator
):
    submitted_report(startup, intrapreneur)
    StartupFactory(name="Arrêtée", stopped=True, sponsors=[sponsor_organisation])
    StartupFactory(name="Tranquille", sponsors=[sponsor_organisation], incubator=incubator)
    client.force_login(sponsor)
    response = client.get(reverse("home"))
    [home] = response.context["represented"]
    assert [item.report.startup for item in home.to_read] == [startup]
    assert [row.startup.name for row in home.upcoming] == [startup.name]
    assert [row.startup.name for row in home.gone] == ["Arrêtée"]
    assert "Tranquille" in [row.startup.name for row in home.others + home.at_risk]
    page = response.content.decode()
    assert "Bilans à lire avant les séances" in page and "Arrêtées ou transférées (1)" in page


def test_staff_see_stale_records_apart_with_why(client, staff, incubator):
    StartupFactory(name="Le Taxi", incubator=incubator, committee_days_ago=9 * 365)
    StartupFactory(name="Due", incubator=incubator, committee_days_ago=190)
    client.force_login(staff)
    response = client.get(reverse("home"))
    assert [s.name for s in response.context["due_soon"]] == ["Due"]
    assert [s.name for s in response.context["stale"]] == ["Le Taxi"]
    page = response.content.decode()
    assert "À régulariser" in page and "depuis plus de six mois" in page
    overview = client.get(reverse("committees:reports")).content.decode()
    assert "À régulariser" in overview
    assert overview.index("Due") < overview.index("À régulariser") < overview.index("Le Taxi")


def test_stale_is_six_months():
    assert stale_before(datetime.date(2026, 11, 23)) == datetime.date(2026, 5, 23)


def test_relancer_emails_the_team_once_a_day(
    client, staff, startup, intrapreneur, on_agenda, django_capture_on_commit_callbacks, clock
):
    client.force_login(staff)
    semester = Review.objects.get(startup=startup).semester
    url = reverse("committees:report-nudge", args=[startup.slug, semester.key])
    overview = client.get(reverse("committees:reports")).content.decode()
    assert url in overview  # a missing report: "Relancer"
    for _ in range(2):  # a double click
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)
    [email] = mail.outbox
    assert email.to == [intrapreneur.email] and str(staff) in email.body
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_NUDGED).count() == 1
    page = client.get(reverse("committees:reports")).content.decode()
    assert "Relancée le" in page and "une relance par jour au plus" in page
    clock.move_to(frozen_at(TODAY) + datetime.timedelta(days=1, hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert len(mail.outbox) == 2


def test_relancer_is_for_the_startup_staff_and_a_real_semester(client, staff, sponsor, startup):
    client.force_login(sponsor)
    assert (
        client.post(reverse("committees:report-nudge", args=[startup.slug, "2026-S1"])).status_code
        == 403
    )
    client.force_login(staff)
    assert (
        client.post(reverse("committees:report-nudge", args=[startup.slug, "x-S9"])).status_code
        == 404
    )
    assert not AuditEvent.objects.exists()


def test_the_agenda_warns_of_another_session_and_takes_a_startup_not_due_yet(
    client, staff, startup, incubator, on_agenda
):
    later = SessionFactory(
        committee=on_agenda.committee, starts_at=on_agenda.starts_at + datetime.timedelta(days=7)
    )
    not_due = StartupFactory(name="Pas encore", incubator=incubator, committee_days_ago=10)
    client.force_login(staff)
    page = client.get(reverse("committees:session", args=[later.pk])).content.decode()
    assert "déjà à l’ordre du jour du" in page  # the proposal says where it is already
    assert f'<option value="{not_due.pk}">Pas encore</option>' in page
    add = reverse("committees:agenda-add", args=[later.pk])
    response = client.post(add, {"startup": startup.pk}, follow=True)
    assert "est aussi à l’ordre du jour de la séance du" in response.content.decode()
    client.post(add, {"startup": not_due.pk})
    assert set(later.reviews.values_list("startup__name", flat=True)) == {
        startup.name,
        "Pas encore",
    }
