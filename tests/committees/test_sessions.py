"""Sessions: who sees and manages them, the agenda (proposals, order, time slots), convening
with the calendar invitation, copying, the audit trail."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from committees.audit import audit
from committees.enums import AuditAction, MemberRole, SessionStatus
from committees.models import AuditEvent, Committee, CommitteeMember, Review, Session
from committees.reports.services import report_section_save, report_start
from committees.sessions.services import (
    agenda_proposals,
    agenda_slots,
    member_add,
    member_change,
    member_remove,
    review_add,
    review_move,
    review_remove,
    session_convene,
    session_copy,
    session_create,
    session_update,
)
from tests.factories import (
    CommitteeMemberFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
)
from tests.utils import SESSION_IN_DAYS, TODAY, get_page, loaded

pytestmark = pytest.mark.django_db

from tests.committees.test_demo_reports import portfolio  # noqa: E402, F401  (fixture)


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def unfold(text: str) -> dict[str, str]:
    """The properties of an iCalendar text (RFC 5545 unfolding), by name."""
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert all(len(line.encode()) <= 75 for line in lines)
    joined = "\r\n".join(lines).replace("\r\n ", "")
    props = {}
    for line in joined.split("\r\n")[:-1]:
        name, _, value = line.partition(":")
        props.setdefault(name, value)
    return props


@pytest.fixture
def chair(session, sponsor, sponsor_organisation):
    return CommitteeMember.objects.create(
        committee=session.committee,
        user=sponsor,
        role=MemberRole.CHAIR,
        organisation=sponsor_organisation,
    )


# Permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("superuser", 200),
        ("member", 200),
        ("intrapreneur", 200),
        ("sponsor", 403),
        ("outsider", 403),
    ],
)
def test_who_reads_the_session_page(client, request, session, persona, status):
    if persona == "member":
        user = CommitteeMemberFactory(committee=session.committee).user
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("committees:session", args=[session.pk]))
    assert response.status_code == status
    if status == 200:
        manager = persona in ("staff", "superuser")
        assert ("Journal de la séance" in response.content.decode()) is manager
        assert ("Convoquer" in response.content.decode()) is manager


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 302), ("superuser", 302), ("member", 403), ("intrapreneur", 403), ("outsider", 403)],
)
def test_only_managers_change_the_agenda(client, request, session, startup, persona, status):
    user = (
        CommitteeMemberFactory(committee=session.committee).user
        if persona == "member"
        else request.getfixturevalue(persona)
    )
    client.force_login(user)
    review = session.reviews.get()
    response = client.post(reverse("committees:agenda-remove", args=[session.pk, review.pk]))
    assert response.status_code == status
    assert session.reviews.exists() is (status != 302)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("member", 200), ("superuser", 200), ("intrapreneur", 403), ("outsider", 403)],
)
def test_who_lists_the_sessions(client, request, session, persona, status):
    user = (
        CommitteeMemberFactory(committee=session.committee).user
        if persona == "member"
        else request.getfixturevalue(persona)
    )
    client.force_login(user)
    response = client.get(reverse("committees:sessions"))
    assert response.status_code == status
    if status == 200:
        assert reverse("committees:session", args=[session.pk]) in response.content.decode()


def test_the_nav_shows_seances_to_members_and_staff(client, session, staff, outsider):
    member = CommitteeMemberFactory(committee=session.committee).user
    for user, shown in ((staff, True), (member, True), (outsider, False)):
        client.force_login(user)
        page = client.get(reverse("home")).content.decode()
        assert (reverse("committees:sessions") in page) is shown


# Agenda ------------------------------------------------------------------------------------------


def test_proposals_are_the_startups_due_by_the_session_date(session, startup):
    # In three weeks: after the date the round of "Fin d’argent" asks for a committee (45 days
    # before its end, in 62 days), before that of "Pas encore".
    session.starts_at += datetime.timedelta(days=21 - SESSION_IN_DAYS)
    session.save(update_fields=["starts_at"])
    incubator = startup.incubator
    late = StartupFactory(incubator=incubator, name="En retard", committee_days_ago=200)
    money = StartupFactory(
        incubator=incubator, name="Fin d’argent", with_round=True, committee_days_ago=30
    )
    StartupFactory(incubator=incubator, name="Pas encore", committee_days_ago=30)
    StartupFactory(incubator=incubator, stopped=True, committee_days_ago=200)
    StartupFactory(committee_days_ago=200)  # another incubator
    proposals = agenda_proposals(session=session, today=TODAY)
    assert [p.startup for p in proposals] == [late, money]
    assert proposals[0].late and "dernier comité" in proposals[0].reason
    assert not proposals[1].late and "financement jusqu’au" in proposals[1].reason
    # The startup already on the agenda is not proposed again.
    assert startup not in [p.startup for p in proposals]


def test_positions_stay_without_gaps(session, startup, staff):
    others = [StartupFactory(incubator=startup.incubator) for _ in range(3)]
    for other in others:
        review_add(session=session, startup=other, by=staff)
    first = session.reviews.get(startup=startup)

    def order():
        return [(r.startup_id, r.position) for r in session.reviews.order_by("position")]

    review_move(review=first, to="down", by=staff)
    assert [s for s, _ in order()] == [others[0].pk, startup.pk, others[1].pk, others[2].pk]
    review_move(review=first, to=3, by=staff)
    assert [s for s, _ in order()][-1] == startup.pk
    review_remove(review=session.reviews.get(startup=others[1]), by=staff)
    assert [p for _, p in order()] == [0, 1, 2]
    assert [s for s, _ in order()] == [others[0].pk, others[2].pk, startup.pk]
    review_move(review=session.reviews.get(startup=others[0]), to="up", by=staff)
    assert [p for _, p in order()] == [0, 1, 2]


def test_time_slots_add_up_the_previous_durations(session, startup, staff):
    second = review_add(
        session=session, startup=StartupFactory(incubator=startup.incubator), by=staff
    )
    Review.objects.filter(pk=second.pk).update(duration_minutes=30)
    review_add(session=session, startup=StartupFactory(incubator=startup.incubator), by=staff)
    slots = agenda_slots(session, list(session.reviews.order_by("position")))
    starts = [timezone.localtime(slot.starts_at).time() for slot in slots]
    assert starts == [datetime.time(14, 0), datetime.time(14, 50), datetime.time(15, 20)]


def test_the_request_is_prefilled_from_the_report(session, startup, intrapreneur, staff):
    other = StartupFactory(incubator=startup.incubator)
    review = Review(session=session, startup=other)
    report = report_start(startup=other, semester=review.semester, by=intrapreneur)
    report_section_save(
        report=report, key="request", data={"amount": "320000", "duration_months": 6}, by=None
    )
    added = review_add(session=session, startup=other, by=staff)
    assert added.requested_amount == Decimal("320000")
    assert added.requested_months == 6


def test_an_item_being_voted_is_not_removed(session, staff):
    review = ReviewFactory.set_state(session.reviews.get(), voting=True)
    with pytest.raises(ValidationError):
        review_remove(review=review, by=staff)


def test_an_open_session_agenda_is_frozen(session, startup, staff):
    SessionFactory.set_state(session, open=True)
    with pytest.raises(ValidationError):
        review_add(session=session, startup=StartupFactory(incubator=startup.incubator), by=staff)


def test_agenda_actions_by_htmx_return_the_fresh_agenda(client, session, startup, staff):
    other = StartupFactory(incubator=startup.incubator, committee_days_ago=200)
    client.force_login(staff)
    url = reverse("committees:agenda-add", args=[session.pk])
    fragment = client.post(url, {"startup": other.pk}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    page = client.get(reverse("committees:session", args=[session.pk])).content.decode()
    html = fragment.content.decode().strip()
    assert html.startswith('<div id="agenda">')
    assert without_tokens(html) in without_tokens(page)


def test_plain_post_redirects_to_the_agenda(client, session, startup, staff):
    other = StartupFactory(incubator=startup.incubator, committee_days_ago=200)
    client.force_login(staff)
    response = client.post(
        reverse("committees:agenda-add", args=[session.pk]), {"startup": other.pk}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#ordre-du-jour")
    review = session.reviews.get(startup=other)
    assert review.position == 1
    client.post(reverse("committees:agenda-move", args=[session.pk, review.pk]), {"vers": "up"})
    review.refresh_from_db()
    assert review.position == 0


# Convene, copy ----------------------------------------------------------------------------------


def test_convening_sends_one_email_per_group_with_the_invitation(
    session, startup, staff, chair, intrapreneur, django_capture_on_commit_callbacks
):
    second = StartupFactory(incubator=startup.incubator)
    team2 = UserFactory(member_of=second)
    review_add(session=session, startup=second, by=staff)
    voter = CommitteeMemberFactory(committee=session.committee).user
    with django_capture_on_commit_callbacks(execute=True):
        session_convene(session=session, by=staff)
    session.refresh_from_db()
    assert session.status == SessionStatus.CONVENED and session.convened_at
    assert [sorted(m.to) for m in mail.outbox] == [
        sorted([chair.user.email, voter.email]),
        [intrapreneur.email],
        [team2.email],
    ]
    for message in mail.outbox:
        assert "Convoc" in message.subject or "convoquée" in message.subject
        assert message.alternatives[0][1] == "text/html"
        name, ics, mimetype = message.attachments[0]
        assert name == "seance.ics" and mimetype.startswith("text/calendar")
        props = unfold(ics)
        assert props["BEGIN"] == "VCALENDAR" and props["VERSION"] == "2.0"
        assert props["UID"] == f"seance-{session.pk}@127.0.0.1"
        assert props["DTSTART"] == session.starts_at.astimezone(datetime.UTC).strftime(
            "%Y%m%dT%H%M%SZ"
        )
        assert props["DURATION"] == "PT1H40M"
        assert props["LOCATION"] == "Ségur"
        assert props["SUMMARY"] == session.committee.name
        assert startup.name in props["DESCRIPTION"] and second.name in props["DESCRIPTION"]
    assert (
        session.report_due_on.strftime("%d/%m/%Y")
        in unfold(mail.outbox[0].attachments[0][1])["DESCRIPTION"]
    )
    assert "convoqué·e" in mail.outbox[0].body
    with pytest.raises(ValidationError):
        session_convene(session=session, by=staff)


def test_the_ics_download_folds_long_lines(client, session, staff):
    Session.objects.filter(pk=session.pk).update(place="Salle " + "é" * 120)
    client.force_login(staff)
    response = client.get(reverse("committees:session-ics", args=[session.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    props = unfold(response.content.decode())
    assert props["LOCATION"] == "Salle " + "é" * 120


def test_a_carriage_return_in_a_place_adds_no_line_to_the_ics(client, session, staff):
    Session.objects.filter(pk=session.pk).update(place="Ségur\rATTENDEE:mailto:intrus@example.org")
    client.force_login(staff)
    text = client.get(reverse("committees:session-ics", args=[session.pk])).content.decode()
    assert not any(line.startswith("ATTENDEE") for line in text.replace("\r\n ", "").split("\r\n"))
    assert unfold(text)["LOCATION"] == "Ségur\\nATTENDEE:mailto:intrus@example.org"


def test_copy_keeps_the_agenda_except_stopped_startups(session, startup, staff):
    stopped = StartupFactory(incubator=startup.incubator, stopped=True)
    Review.objects.create(session=session, startup=stopped, position=1)
    kept = StartupFactory(incubator=startup.incubator)
    Review.objects.create(session=session, startup=kept, position=2, duration_minutes=30)
    copy = session_copy(session=session, by=staff)
    assert copy.status == SessionStatus.PLANNED and copy.place == session.place
    assert timezone.localtime(copy.starts_at).time() == datetime.time(14, 0)
    assert (copy.date.month - session.date.month) % 12 == 6
    assert [(r.startup, r.position, r.duration_minutes) for r in copy.reviews.all()] == [
        (startup, 0, 50),
        (kept, 1, 30),
    ]


# Members and audit -------------------------------------------------------------------------------


def test_one_chair_per_committee(session, chair, staff):
    other = UserFactory()
    with pytest.raises(ValidationError):
        member_add(committee=session.committee, user=other, role=MemberRole.CHAIR, by=staff)
    member = member_add(committee=session.committee, user=other, role=MemberRole.VOTER, by=staff)
    with pytest.raises(ValidationError):
        member_change(member=member, role=MemberRole.CHAIR, by=staff)
    member_remove(member=member, by=staff)
    assert not session.committee.members.filter(user=other).exists()


def test_roles_are_fixed_while_a_session_sits(client, session, chair, staff):
    """The attack: staff made themselves chair of an open session, opened a vote and decided."""
    manager = CommitteeMember.objects.create(
        committee=session.committee, user=staff, role=MemberRole.STAFF
    )
    SessionFactory.set_state(session, open=True)
    client.force_login(staff)
    answer = client.post(
        reverse("committees:member-role", args=[session.committee.pk, manager.pk]),
        {"role": MemberRole.OBSERVER},
        follow=True,
    )
    assert "Une séance de ce comité est en cours" in answer.content.decode()
    with pytest.raises(ValidationError, match="en cours"):
        member_change(member=chair, role=MemberRole.OBSERVER, by=staff)
    with pytest.raises(ValidationError, match="en cours"):
        member_add(committee=session.committee, user=UserFactory(), role="voter", by=staff)
    with pytest.raises(ValidationError, match="en cours"):
        member_remove(member=manager, by=staff)
    roles = dict(session.committee.members.values_list("user__email", "role"))
    assert roles == {chair.user.email: MemberRole.CHAIR, staff.email: MemberRole.STAFF}
    assert not AuditEvent.objects.filter(action__startswith="member").exists()

    SessionFactory.set_state(session, closed=True)
    member_change(member=chair, role=MemberRole.VOTER, by=staff)


@pytest.mark.parametrize("role", [MemberRole.CHAIR, MemberRole.VOTER])
def test_nobody_gives_themselves_a_vote_or_the_chair(client, session, staff, role):
    client.force_login(staff)
    answer = client.post(
        reverse("committees:member-add", args=[session.committee.pk]),
        {"email": staff.email, "role": role},
    )
    assert answer.status_code == 422
    assert "Vous ne pouvez pas vous donner un rôle votant" in answer.content.decode()
    seat = member_add(committee=session.committee, user=staff, role=MemberRole.STAFF, by=staff)
    with pytest.raises(ValidationError, match="Vous ne pouvez pas"):
        member_change(member=seat, role=role, by=staff)
    # Another manager of the committee may.
    member_change(member=seat, role=role, by=UserFactory(staff_of=session.committee.incubator))
    assert CommitteeMember.objects.get(pk=seat.pk).role == role


def test_every_role_change_is_audited_and_e_mailed_to_the_chair(
    session, chair, staff, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(email="nouvelle@example.org", first_name="Nora", last_name="Neuve")
    with django_capture_on_commit_callbacks(execute=True):
        seat = member_add(
            committee=session.committee, user=newcomer, role=MemberRole.OBSERVER, by=staff
        )
        member_change(member=seat, role=MemberRole.VOTER, by=staff)
        member_remove(member=seat, by=staff)
        # A new chair: the one who leaves the chair is told, then the one who takes it.
        member_change(member=chair, role=MemberRole.VOTER, by=staff)
        other = member_add(
            committee=session.committee, user=newcomer, role=MemberRole.CHAIR, by=staff
        )
    actions = AuditEvent.objects.filter(actor=staff).order_by("id").values_list("action", flat=True)
    assert list(actions) == [
        AuditAction.MEMBER_ADDED,
        AuditAction.MEMBER_CHANGED,
        AuditAction.MEMBER_REMOVED,
        AuditAction.MEMBER_CHANGED,
        AuditAction.MEMBER_ADDED,
    ]
    assert [message.to for message in mail.outbox] == [[chair.user.email]] * 4 + [[newcomer.email]]
    added, changed, removed = (message.body for message in mail.outbox[:3])
    assert "Nora Neuve (nouvelle@example.org) rejoint le comité comme « Observateur·rice »" in added
    assert "passe de « Observateur·rice » à « Représentant·e votant·e d’un sponsor »" in changed
    assert "quitte le comité" in removed and staff.get_full_name() in removed
    assert other.role == MemberRole.CHAIR


def test_every_change_is_audited(session, startup, staff):
    committee = session.committee
    created = session_create(
        committee=committee,
        starts_at=session.starts_at + datetime.timedelta(days=30),
        place="Ségur",
        by=staff,
    )
    session_update(
        session=created, starts_at=created.starts_at, place="Bercy", video_url="", by=staff
    )
    review = review_add(session=created, startup=startup, by=staff)
    review_add(session=created, startup=StartupFactory(incubator=startup.incubator), by=staff)
    review_move(review=review, to="down", by=staff)
    review_remove(review=review, by=staff)
    member_add(committee=committee, user=UserFactory(), role=MemberRole.VOTER, by=staff)
    actions = list(
        AuditEvent.objects.filter(committee=committee)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.SESSION_CREATED,
        AuditAction.SESSION_CHANGED,
        AuditAction.AGENDA_ADDED,
        AuditAction.AGENDA_ADDED,
        AuditAction.AGENDA_MOVED,
        AuditAction.AGENDA_REMOVED,
        AuditAction.MEMBER_ADDED,
    ]
    assert AuditEvent.objects.filter(actor=staff).count() == len(actions)


def test_the_audit_trail_is_shown_to_managers_newest_first(client, session, staff):
    audit(action=AuditAction.SESSION_CREATED, actor=staff, session=session)
    audit(action=AuditAction.SESSION_CONVENED, actor=staff, session=session)
    client.force_login(staff)
    page = client.get(reverse("committees:session", args=[session.pk])).content.decode()
    assert page.index("Séance convoquée") < page.index("Séance créée")


# Forms ------------------------------------------------------------------------------------------


def test_creating_a_session_in_the_past_is_refused_in_french(client, session, staff):
    client.force_login(staff)
    url = reverse("committees:session-create")
    response = client.post(
        url, {"committee": session.committee.pk, "date": "2020-01-01", "time": "14:00"}
    )
    assert response.status_code == 422
    assert "Cette date est passée." in response.content.decode()
    response = client.post(
        url,
        {
            "committee": session.committee.pk,
            "date": (TODAY + datetime.timedelta(days=40)).isoformat(),
            "time": "09:30",
            "place": "Bercy",
        },
    )
    created = Session.objects.latest("pk")
    assert response.status_code == 302
    assert timezone.localtime(created.starts_at).time() == datetime.time(9, 30)


def test_managers_add_members_by_email(client, session, staff, sponsor, sponsor_organisation):
    client.force_login(staff)
    url = reverse("committees:member-add", args=[session.committee.pk])
    page = client.get(reverse("committees:committee", args=[session.committee.pk])).text
    # A new member is a sponsor's voting representative unless chosen otherwise, never the chair.
    assert f'<option value="{MemberRole.VOTER}" selected>' in page
    response = client.post(url, {"email": "personne@nulle", "role": MemberRole.VOTER})
    assert response.status_code == 422
    assert "Adresse électronique invalide." in response.content.decode()
    client.post(
        url,
        {"email": sponsor.email, "role": MemberRole.VOTER, "organisation": sponsor_organisation.pk},
    )
    member = session.committee.members.get(user=sponsor)
    assert member.organisation == sponsor_organisation
    client.force_login(sponsor)
    page = client.get(reverse("committees:committee", args=[session.committee.pk]))
    assert page.status_code == 200 and "Ajouter au comité" not in page.content.decode()
    assert client.post(url, {"email": sponsor.email, "role": "voter"}).status_code == 403


# Query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 10])
def test_the_session_page_queries_do_not_grow(client, session, staff, count):
    """19 queries with 1 or 10 agenda items (login, roles, agenda, reports, members,
    proposals, the other startups staff may add, audit trail, e-mails waiting, the header's nav, the documents and their two
    fingerprints)."""
    CommitteeMemberFactory(committee=session.committee)

    for position in range(1, count):
        Review.objects.create(
            session=session,
            startup=StartupFactory(incubator=session.committee.incubator),
            position=position,
        )
    audit(action=AuditAction.SESSION_CREATED, actor=staff, session=session)
    client.force_login(staff)
    get_page(client, reverse("committees:session", args=[session.pk]), queries=19)


def test_managers_change_the_rules(client, session, staff):
    client.force_login(staff)
    url = reverse("committees:committee-rules", args=[session.committee.pk])
    assert (
        client.get(reverse("committees:committee", args=[session.committee.pk])).status_code == 200
    )
    response = client.post(url, {"quorum": 0, "majority": "simple", "report_lead_days": 7})
    assert response.status_code == 422
    page = reverse("committees:committee", args=[session.committee.pk])
    rules = {"quorum": 3, "majority": "unanimity", "secret_ballot": "on", "report_lead_days": 10}
    client.post(url, rules | loaded(client, page))
    session.committee.refresh_from_db()
    assert (session.committee.quorum, session.committee.secret_ballot) == (3, True)
    assert AuditEvent.objects.filter(committee=session.committee).exists()


def test_the_demo_committee_has_a_chair_staff_and_voters(portfolio):  # noqa: F811
    from tests.committees.test_demo_reports import run

    Startup = StartupFactory._meta.model
    other = OrganisationFactory(slug="dgfip-demo", name="DGFiP")
    Startup.objects.get(slug="jeveuxaider").sponsors.add(other)
    run("setup_demo_reports")
    committee = Committee.objects.get()
    roles = {m.user.email: (m.role, m.organisation_id) for m in committee.members.all()}
    assert roles["sponsor@comite.example"][0] == MemberRole.CHAIR
    assert roles["incubateur@comite.example"][0] == MemberRole.STAFF
    assert roles["sponsor2@comite.example"] == (MemberRole.VOTER, other.pk)
    assert committee.quorum == 2
    run("setup_demo_reports")
    assert committee.members.count() == len(roles)


def test_a_startup_added_goes_last_even_after_a_gap_in_positions(session, staff, startup):
    """Positions entered elsewhere (the admin) may leave gaps: the new item still goes last."""
    Review.objects.filter(session=session).update(position=7)
    added = review_add(
        session=session, startup=StartupFactory(incubator=startup.incubator), by=staff
    )
    assert added.position == 8
    assert [r.startup for r in session.reviews.order_by("position")][-1] == added.startup


@pytest.mark.parametrize("status", ["planned", "convened"])
def test_a_team_on_the_agenda_sees_only_links_it_may_open(client, session, intrapreneur, status):
    """A team reads the session it is on, nothing of its committee: no dead link."""
    if status == "convened":
        session_convene(session=session, by=UserFactory(staff_of=session.committee.incubator))
    client.force_login(intrapreneur)
    page = client.get(reverse("committees:session", args=[session.pk])).text
    main = page[page.index('<main id="content"') : page.index("</main>")]
    links = set(re.findall(r'href="(/[^"#]*)"', main))
    assert reverse("committees:session-prepare", args=[session.pk]) not in links
    assert reverse("committees:committee", args=[session.committee.pk]) not in links
    assert reverse("committees:sessions") not in links
    for link in links:
        assert client.get(link).status_code == 200, link
