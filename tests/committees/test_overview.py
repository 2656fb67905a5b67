"""Staff's list of the reports expected for the next sessions (/bilans/)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from committees.models import REPORT_LEAD_DAYS, Committee, Review, Session, report_semester
from committees.reports.services import report_accept, report_request_changes, report_start
from startups.models import Startup
from tests.committees.reports import submitted_report
from tests.factories import IncubatorFactory, SessionFactory, StartupFactory
from tests.utils import get_page

URL = reverse("committees:reports")


def rows(response, section_id: str) -> dict[str, str]:
    """Startup name → status badge, in the table of one section of the page."""
    assert response.status_code == 200
    tree = html.fromstring(response.content)
    [section] = tree.cssselect(f'section[aria-labelledby="{section_id}"]')
    return {
        " ".join(row.cssselect("th")[0].text_content().split()): " ".join(
            row.cssselect(".fr-badge")[-1].text_content().split()
        )
        for row in section.cssselect("tbody tr")
    }


def session_in(committee, days: int) -> Session:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return Session.objects.create(
        committee=committee,
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))),
    )


def on_agenda(session, startup) -> Review:
    return Review.objects.create(session=session, startup=startup, position=startup.pk)


def report_in(state: str, startup, review, *, team, staff):
    """The startup's report for this agenda item, taken through the workflow to `state`."""
    if state == "missing":
        return None
    if state == "draft":
        return report_start(startup=startup, semester=review.semester, by=team)
    report = submitted_report(startup, team, semester=review.semester)
    if state == "changes_requested":
        report_request_changes(report=report, comments={"impact": "Précisez."}, by=staff)
    elif state == "accepted":
        report_accept(report=report, comments={}, by=staff)
    return report


STATES = {
    "missing": "Manquant",
    "draft": "Brouillon",
    "changes_requested": "Modifications demandées",
    "submitted": "Soumis, à relire",
    "accepted": "Accepté",
}


@pytest.fixture
def agenda(startup, session, intrapreneur, staff):
    """Five startups of the incubator on the session, one per report status."""
    startups = {}
    for state in STATES:
        other = StartupFactory(name=f"Startup {state}", incubator=startup.incubator)
        review = on_agenda(session, other)
        report_in(state, other, review, team=intrapreneur, staff=staff)
        startups[state] = other
    return startups


# Who sees the list -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sponsor", "intrapreneur", "outsider"])
def test_people_outside_the_incubators_are_refused(client, request, session, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_anonymous_people_are_sent_to_log_in(client, session):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["staff", "superuser"])
def test_staff_and_superusers_see_the_startups_on_the_next_session(
    client, request, startup, session, persona
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert rows(response, f"session-{session.pk}") == {"Mon Service": "Manquant"}
    assert "Comité de la Fabrique : séance du" in response.content.decode()


def test_staff_of_another_incubator_see_none_of_these_startups(
    client, startup, session, other_staff
):
    client.force_login(other_staff)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mon Service" not in page
    assert f"session-{session.pk}" not in page
    assert "Aucun bilan n’est attendu" in page


def test_the_nav_shows_bilans_to_staff_only(client, staff, sponsor, session):
    client.force_login(staff)
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()
    client.force_login(sponsor)
    assert f'href="{URL}"' not in client.get(reverse("home")).content.decode()


# What it shows ---------------------------------------------------------------------------------


def test_each_report_shows_its_status_due_date_and_link(client, staff, startup, session, agenda):
    client.force_login(staff)
    response = client.get(URL)
    assert rows(response, f"session-{session.pk}") == {
        "Mon Service": "Manquant",
        **{f"Startup {state}": label for state, label in STATES.items()},
    }
    page = response.content.decode()
    semester = report_semester(session.report_due_on)
    assert f"{session.report_due_on:%d/%m/%Y}" in page
    submitted = agenda["submitted"]
    assert reverse("committees:report", args=[submitted.slug, semester.key]) in page
    assert reverse("committees:startup-reports", args=[startup.slug]) in page
    # A report was started: a link; none was: no link.
    assert f'href="{reverse("committees:report", args=[startup.slug, semester.key])}"' not in page
    # The submitted date is today's for every report submitted once.
    assert page.count(f"{timezone.localdate():%d/%m/%Y}") == 3
    # Counts by status, for the page and for the session.
    tree = html.fromstring(response.content)
    tags = [" ".join(t.text_content().split()) for t in tree.cssselect(".fr-tags-group .fr-tag")]
    assert tags == [
        "Manquant : 2",
        "Brouillon : 1",
        "Modifications demandées : 1",
        "Soumis, à relire : 1",
        "Accepté : 1",
    ]


@pytest.mark.parametrize("state", STATES)
def test_the_status_filter_keeps_only_that_status(client, staff, session, agenda, state):
    client.force_login(staff)
    response = client.get(URL, {"statut": state})
    shown = rows(response, f"session-{session.pk}")
    expected = {f"Startup {state}": STATES[state]}
    if state == "missing":
        expected["Mon Service"] = "Manquant"
    assert shown == expected
    # The filter is a plain GET form: it works without JavaScript and keeps its value.
    tree = html.fromstring(response.content)
    [selected] = tree.cssselect("select[name=statut] option[selected]")
    assert selected.get("value") == state


def test_an_unknown_status_shows_everything(client, staff, session, agenda):
    client.force_login(staff)
    response = client.get(URL, {"statut": "<b>rien</b>"})
    assert len(rows(response, f"session-{session.pk}")) == 6
    assert "<b>rien</b>" not in response.content.decode()


def test_a_filter_that_leaves_a_session_empty_says_so(client, staff, session):
    client.force_login(staff)
    page = client.get(URL, {"statut": "accepted"}).content.decode()
    assert "Aucun bilan « Accepté » pour cette séance." in page


def test_past_and_closed_sessions_are_not_listed(client, staff, startup, session):
    old = session_in(session.committee, -10)
    on_agenda(old, StartupFactory(name="Passée", incubator=startup.incubator))
    closed = SessionFactory.set_state(session_in(session.committee, 30), closed=True)
    on_agenda(closed, StartupFactory(name="Close", incubator=startup.incubator))
    client.force_login(staff)
    response = client.get(URL)
    tree = html.fromstring(response.content)
    assert len(tree.cssselect("section[aria-labelledby^=session-]")) == 1
    assert rows(response, f"session-{session.pk}") == {"Mon Service": "Manquant"}


def test_sessions_come_in_date_order_each_with_its_own_due_date(client, staff, startup, session):
    later = session_in(session.committee, 60)
    on_agenda(later, StartupFactory(name="Plus tard", incubator=startup.incubator))
    client.force_login(staff)
    response = client.get(URL)
    tree = html.fromstring(response.content)
    ids = [s.get("aria-labelledby") for s in tree.cssselect("section[aria-labelledby^=session-]")]
    assert ids == [f"session-{session.pk}", f"session-{later.pk}"]
    assert rows(response, f"session-{later.pk}") == {"Plus tard": "Manquant"}
    assert f"{later.report_due_on:%d/%m/%Y}" in response.content.decode()


# Startups due with no session yet --------------------------------------------------------------


def due_in(days: int, incubator, name: str) -> Startup:
    startup = StartupFactory(name=name, incubator=incubator)
    due = timezone.localdate() + datetime.timedelta(days=days)
    Startup.objects.filter(pk=startup.pk).update(committee_due_on=due)
    startup.committee_due_on = due
    return startup


def test_startups_due_within_60_days_and_on_no_agenda_are_listed(
    client, staff, startup, session, intrapreneur
):
    soon = due_in(30, startup.incubator, "Bientôt")
    due_in(-20, startup.incubator, "En retard")
    due_in(90, startup.incubator, "Plus tard")
    due_in(30, IncubatorFactory(), "Ailleurs")
    stopped = due_in(10, startup.incubator, "Arrêtée")
    Startup.objects.filter(pk=stopped.pk).update(is_active=False)
    deadline = soon.committee_due_on - datetime.timedelta(days=REPORT_LEAD_DAYS)
    report_start(startup=soon, semester=report_semester(deadline), by=intrapreneur)
    client.force_login(staff)
    response = client.get(URL)
    # Mon Service is due too, but on the session's agenda: listed there only.
    assert rows(response, "unscheduled") == {"En retard": "Manquant", "Bientôt": "Brouillon"}
    page = response.content.decode()
    assert f"{deadline:%d/%m/%Y}" in page
    assert f"{soon.committee_due_on:%d/%m/%Y}" in page
    assert reverse("committees:report", args=[soon.slug, report_semester(deadline).key]) in page
    assert rows(client.get(URL, {"statut": "draft"}), "unscheduled") == {"Bientôt": "Brouillon"}


# Queries ---------------------------------------------------------------------------------------


# + when each team was last nudged ("Relancer")
OVERVIEW_QUERIES = 11


def test_query_count_does_not_grow_with_sessions_and_agenda_items(
    client, staff, startup, session, intrapreneur
):
    """Session and user (2), the request's savepoint (2), the header's and the page's check that
    the person is staff (2), then the page: agenda items, their reports, startups due with no
    session, their reports (4)."""
    client.force_login(staff)
    due_in(20, startup.incubator, "Sans séance")
    get_page(client, URL, queries=OVERVIEW_QUERIES)
    committee = Committee.objects.create(name="Autre comité", incubator=startup.incubator)
    sessions = [session, session_in(committee, 40), session_in(committee, 80)]
    states = list(STATES) * 2
    for n in range(9):
        other = StartupFactory(incubator=startup.incubator)
        review = on_agenda(sessions[n % 3], other)
        report_in(states[n], other, review, team=intrapreneur, staff=staff)
    for n in range(5):
        soon = due_in(10 + n, startup.incubator, f"Sans séance {n}")
        report_start(
            startup=soon,
            semester=report_semester(soon.committee_due_on - datetime.timedelta(days=7)),
            by=intrapreneur,
        )
    get_page(client, URL, queries=OVERVIEW_QUERIES)
    assert Review.objects.count() == 10
