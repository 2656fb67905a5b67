"""The written procedure: the chair puts one startup to an online vote between sessions; the
members vote before the deadline, are reminded once, and the vote closes by itself."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutboxMessage
from accounts.outbox import outbox_relay
from committees.enums import (
    AuditAction,
    MemberRole,
    Outcome,
    Reminder,
    ReviewStatus,
    SessionKind,
    SessionStatus,
)
from committees.models import (
    Attendance,
    AuditEvent,
    Committee,
    Conflict,
    Review,
    SentReminder,
    Session,
    Vote,
)
from committees.sessions.decisions import Terms, decision_record, session_close
from committees.sessions.voting import vote_cast
from committees.sessions.written import written_open
from committees.tasks import close_written_procedures, send_vote_reminders
from startups.models import FundingRound
from tests.committees.test_voting import in_threads, postgres_only
from tests.factories import CommitteeMemberFactory, StartupFactory
from tests.utils import get_page

FORMAT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def committee(startup, sponsor):
    """Quorum 2: the chair and two voters vote; staff and the secretary do not."""
    committee = Committee.objects.create(
        name="Comité de la Fabrique", incubator=startup.incubator, quorum=2
    )
    CommitteeMemberFactory(
        committee=committee, role=MemberRole.CHAIR, user__email="presidence@example.org"
    )
    CommitteeMemberFactory(committee=committee, user=sponsor)
    CommitteeMemberFactory(committee=committee, user__email="voix@example.org")
    CommitteeMemberFactory(
        committee=committee, role=MemberRole.SECRETARY, user__email="secretariat@example.org"
    )
    CommitteeMemberFactory(
        committee=committee, role=MemberRole.STAFF, user__email="incubateur@example.org"
    )
    return committee


@pytest.fixture
def chair(committee):
    return committee.members.get(role=MemberRole.CHAIR).user


def voters(committee):
    return list(
        committee.members.filter(role__in=[MemberRole.CHAIR, MemberRole.VOTER]).select_related(
            "user"
        )
    )


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


@pytest.fixture
def written(committee, startup, chair, django_capture_on_commit_callbacks):
    """A written procedure open on the startup, deadline in three days; its e-mails sent."""
    with django_capture_on_commit_callbacks(execute=True):
        session = written_open(committee=committee, startup=startup, deadline=in_days(3), by=chair)
    mail.outbox.clear()
    return session.reviews.select_related("session__committee").get()


def post_open(client, committee, **data):
    values = {"startup": "", "deadline": "", "requested_amount": "", "requested_months": ""}
    values |= data
    return client.post(reverse("committees:written-create", args=[committee.pk]), values)


def vote_url(review):
    return reverse("committees:session-live-vote", args=[review.session_id, review.pk])


# Opening


def test_the_chair_opens_a_written_procedure_and_the_voting_members_alone_are_told(
    client, committee, startup, chair, intrapreneur, django_capture_on_commit_callbacks
):
    client.force_login(chair)
    deadline = timezone.localtime(in_days(5)).replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_open(
            client,
            committee,
            startup=startup.pk,
            deadline=deadline.strftime(FORMAT),
            requested_amount="300000",
            requested_months="6",
        )

    session = Session.objects.get(committee=committee)
    assert response.status_code == 302
    assert response.url == reverse("committees:session-live", args=[session.pk])
    assert (session.kind, session.status, session.deadline) == (
        SessionKind.WRITTEN,
        SessionStatus.OPEN,
        deadline,
    )
    assert session.convened_at and session.opened_at
    review = session.reviews.get()
    assert (review.startup, review.status, review.quorum) == (startup, ReviewStatus.VOTING, 2)
    assert (review.requested_amount, review.requested_months) == (Decimal("300000"), 6)
    # Every voting member present, nobody else: that is who may vote.
    present = set(
        Attendance.objects.filter(session=session, present=True).values_list("member", flat=True)
    )
    assert present == {member.pk for member in voters(committee)}
    assert AuditEvent.objects.filter(action=AuditAction.WRITTEN_OPENED, session=session).exists()
    addresses = sorted(address for message in mail.outbox for address in message.to)
    assert addresses == sorted(member.user.email for member in voters(committee))
    assert all(message.to != [intrapreneur.email] for message in mail.outbox)
    link = reverse("committees:session-live", args=[session.pk])
    assert all(link in message.body for message in mail.outbox)
    assert "Procédure écrite" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"deadline": 0.5}, "deadline", "au moins 24 heures"),
        ({"deadline": 31}, "deadline", "au plus 30 jours"),
        ({"deadline": None}, "deadline", "Indiquez la date limite."),
        ({"startup": None}, "startup", "Choisissez la startup soumise au vote."),
        ({"startup": "other"}, "startup", "n’est pas suivie par ce comité"),
        ({"requested_months": "13"}, "requested_months", "Une durée va d’un à douze mois."),
        ({"requested_amount": "-5"}, "requested_amount", "Un montant ne peut pas être négatif."),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_writes_nothing(
    client, committee, startup, chair, data, field, message
):
    client.force_login(chair)
    other = StartupFactory(name="Ailleurs")  # another incubator's startup
    values = {"startup": startup.pk, "deadline": timezone.localtime(in_days(3)).strftime(FORMAT)}
    for name, value in data.items():
        if name == "deadline":
            value = "" if value is None else timezone.localtime(in_days(value)).strftime(FORMAT)
        elif name == "startup":
            value = "" if value is None else other.pk
        values[name] = value
    response = post_open(client, committee, **values)

    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Session.objects.exists() and not Attendance.objects.exists()


@pytest.mark.parametrize("persona", ["sponsor", "staff", "superuser", "intrapreneur"])
def test_only_the_chair_opens_a_written_procedure(
    client, request, committee, startup, persona, mailoutbox
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("committees:written-create", args=[committee.pk])
    assert client.get(url).status_code == 403
    response = post_open(
        client,
        committee,
        startup=startup.pk,
        deadline=timezone.localtime(in_days(3)).strftime(FORMAT),
    )
    assert response.status_code == 403
    assert not Session.objects.exists() and not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_the_service_refuses_who_is_not_the_chair(committee, startup, sponsor):
    with pytest.raises(PermissionDenied):
        written_open(committee=committee, startup=startup, deadline=in_days(3), by=sponsor)
    assert not Session.objects.exists()


def test_a_startup_has_one_written_procedure_at_a_time(client, written, committee, chair):
    client.force_login(chair)
    response = post_open(
        client,
        committee,
        startup=written.startup.pk,
        deadline=timezone.localtime(in_days(3)).strftime(FORMAT),
    )
    assert response.status_code == 422
    assert "a déjà une procédure écrite en cours" in response.content.decode()
    assert Session.objects.count() == 1


def test_a_committee_without_enough_voters_for_its_quorum_cannot_open_one(
    committee, startup, chair
):
    Committee.objects.filter(pk=committee.pk).update(quorum=4)
    committee.refresh_from_db()
    with pytest.raises(ValidationError, match="quorum de 4"):
        written_open(committee=committee, startup=startup, deadline=in_days(3), by=chair)
    assert not Session.objects.exists()


def test_recused_members_neither_vote_nor_count(committee, startup, chair, sponsor):
    seat = committee.members.get(user=sponsor)
    session = written_open(
        committee=committee, startup=startup, deadline=in_days(3), recused=[seat], by=chair
    )
    review = session.reviews.get()
    assert Conflict.objects.filter(review=review, member=seat).exists()
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=seat, choice=Outcome.REFINANCE)
    assert not Vote.objects.exists()


def test_the_broker_away_the_procedure_still_opens_and_its_emails_wait(
    client, committee, startup, chair, broker, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(chair)
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_open(
            client,
            committee,
            startup=startup.pk,
            deadline=timezone.localtime(in_days(3)).strftime(FORMAT),
        )
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.status == SessionStatus.OPEN
    assert OutboxMessage.objects.filter(about=session.outbox_about, relayed_at=None).count() == 3
    assert mailoutbox == []

    broker.back()
    assert outbox_relay() == 3
    assert len(mailoutbox) == 3


# Voting


def test_a_double_click_makes_one_vote(client, written, sponsor):
    client.force_login(sponsor)
    for _ in range(2):
        response = client.post(
            vote_url(written), {"choice": Outcome.REFINANCE}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
    assert Vote.objects.filter(review=written).count() == 1
    written.refresh_from_db()
    assert written.status == ReviewStatus.VOTING


def test_no_vote_after_the_deadline_even_before_the_close_job(clock, written, sponsor):
    seat = written.session.committee.members.get(user=sponsor)
    clock.move_to(written.session.deadline + datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="date limite"):
        vote_cast(review=written, member=seat, choice=Outcome.REFINANCE)
    assert not Vote.objects.exists()
    written.refresh_from_db()
    assert written.status == ReviewStatus.VOTING  # the job has not run yet


def test_the_vote_closes_once_every_member_has_voted(
    client, written, committee, django_capture_on_commit_callbacks
):
    members = voters(committee)
    for number, member in enumerate(members):
        client.force_login(member.user)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(vote_url(written), {"choice": Outcome.REFINANCE, "amount": "200000"})
        written.refresh_from_db()
        last = number == len(members) - 1
        assert written.status == (ReviewStatus.VOTED if last else ReviewStatus.VOTING)
    assert written.tally["outcome"] == Outcome.REFINANCE
    assert written.tally["counts"][Outcome.REFINANCE] == 3
    [closed] = AuditEvent.objects.filter(action=AuditAction.VOTE_CLOSED, review=written)
    assert closed.actor is None and closed.detail["reason"] == "tous les membres ont voté"


def test_the_chair_cannot_close_it_by_hand(client, written, chair):
    client.force_login(chair)
    url = reverse("committees:session-live-vote-close", args=[written.session_id, written.pk])
    client.post(url)
    written.refresh_from_db()
    assert written.status == ReviewStatus.VOTING


def test_at_the_deadline_the_job_closes_it_once_quorum_missing(clock, written, sponsor):
    vote_cast(
        review=written,
        member=written.session.committee.members.get(user=sponsor),
        choice=Outcome.ADJUST,
    )
    assert close_written_procedures() == 0  # before the deadline
    clock.move_to(written.session.deadline + datetime.timedelta(minutes=1))
    assert close_written_procedures() == 1
    assert close_written_procedures() == 0

    written.refresh_from_db()
    assert written.status == ReviewStatus.VOTED
    # One vote of three for a quorum of two: no outcome.
    assert written.tally["outcome"] == "" and written.tally["abstentions"] == 2
    [closed] = AuditEvent.objects.filter(action=AuditAction.VOTE_CLOSED, review=written)
    assert closed.actor is None and closed.detail["reason"] == "date limite atteinte"


# Reminders


def test_the_members_who_have_not_voted_are_reminded_once(
    clock, written, committee, sponsor, django_capture_on_commit_callbacks
):
    vote_cast(review=written, member=committee.members.get(user=sponsor), choice=Outcome.REFINANCE)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_vote_reminders() == 0  # three days ahead: not yet
    clock.move_to(written.session.deadline - datetime.timedelta(hours=47))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_vote_reminders() == 2
        assert send_vote_reminders() == 0

    expected = sorted(m.user.email for m in voters(committee) if m.user != sponsor)
    assert sorted(address for message in mail.outbox for address in message.to) == expected
    assert all("Rappel" in message.subject for message in mail.outbox)
    assert SentReminder.objects.filter(review=written, kind=Reminder.VOTE_DUE).count() == 1


def test_a_short_procedure_is_reminded_halfway(
    clock, committee, startup, chair, django_capture_on_commit_callbacks
):
    session = written_open(committee=committee, startup=startup, deadline=in_days(2), by=chair)
    clock.move_to(session.opened_at + datetime.timedelta(hours=23))
    assert send_vote_reminders() == 0
    clock.move_to(session.opened_at + datetime.timedelta(hours=24, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_vote_reminders() == 3


# After the vote


def test_decision_funding_round_and_minutes_as_for_a_session(
    client, written, committee, chair, django_capture_on_commit_callbacks
):
    for member in voters(committee):
        vote_cast(review=written, member=member, choice=Outcome.REFINANCE, amount=Decimal("1"))
    with django_capture_on_commit_callbacks(execute=True):
        from committees.sessions.written import close_if_complete

        assert close_if_complete(written) is True
    written.refresh_from_db()
    rounds = FundingRound.objects.filter(startup=written.startup).count()
    decision = decision_record(
        review=written,
        terms=Terms(outcome=Outcome.REFINANCE, amount=Decimal("240000")),
        by=chair,
        today=timezone.localdate(),
    )
    assert decision.funding_round is not None
    assert FundingRound.objects.filter(startup=written.startup).count() == rounds + 1
    with django_capture_on_commit_callbacks(execute=True):
        session_close(session=written.session, by=chair)
    written.session.refresh_from_db()
    assert written.session.status == SessionStatus.CLOSED

    client.force_login(chair)
    page = client.get(reverse("committees:session-minutes", args=[written.session_id]))
    html = page.content.decode()
    assert "procédure écrite du" in html and "(date limite : " in html and " , " not in html
    assert "Procédure écrite close le" in html and "Séance close" not in html
    assert "Membres votants consultés par écrit" in html
    assert any("Relevé de décisions" in message.subject for message in mail.outbox)


def test_a_written_procedure_has_no_calendar_invitation(client, written, chair):
    client.force_login(chair)
    url = reverse("committees:session-ics", args=[written.session_id])
    assert client.get(url).status_code == 404
    page = client.get(reverse("committees:session", args=[written.session_id])).content.decode()
    assert url not in page and "Procédure écrite" in page


# Pages


def test_the_live_page_shows_the_deadline_and_the_votes_count_not_the_choices(
    client, written, committee, sponsor
):
    vote_cast(review=written, member=committee.members.get(user=sponsor), choice=Outcome.STOP)
    staff_member = committee.members.get(role=MemberRole.STAFF).user
    client.force_login(staff_member)
    html = client.get(reverse("committees:session-live", args=[written.session_id])).content
    html = html.decode()
    assert "Date limite du vote" in html and 'id="attendance"' not in html
    assert "1 vote" in html and "Arrêter :" not in html


@pytest.mark.parametrize("extra", [0, 12])
def test_the_new_pages_take_a_fixed_number_of_queries(client, written, committee, chair, extra):
    for _ in range(extra):
        CommitteeMemberFactory(committee=committee)
        StartupFactory(incubator=committee.incubator)
    client.force_login(chair)
    get_page(client, reverse("committees:written-create", args=[committee.pk]), queries=9)
    get_page(client, reverse("committees:session-live", args=[written.session_id]), queries=17)
    get_page(client, reverse("committees:committee", args=[committee.pk]), queries=10)


def test_the_committee_page_offers_the_chair_to_open_one(client, committee, chair, sponsor):
    url = reverse("committees:written-create", args=[committee.pk])
    client.force_login(chair)
    assert url in client.get(reverse("committees:committee", args=[committee.pk])).content.decode()
    client.force_login(sponsor)  # a voting member, not the chair
    page = client.get(reverse("committees:committee", args=[committee.pk])).content.decode()
    assert url not in page


def test_the_review_cannot_be_voted_from_another_session_url(client, written, sponsor):
    """Another session's id with this item: not found, nothing written."""
    client.force_login(sponsor)
    other = Session.objects.create(
        committee=written.session.committee, starts_at=timezone.now() + datetime.timedelta(days=9)
    )
    url = reverse("committees:session-live-vote", args=[other.pk, written.pk])
    assert client.post(url, {"choice": Outcome.REFINANCE}).status_code == 404
    assert not Vote.objects.exists()
    assert Review.objects.count() == 1


def test_its_members_find_it_on_their_home_page_until_it_closes(clock, client, written, sponsor):
    client.force_login(sponsor)
    clock.move_to(timezone.now() + datetime.timedelta(days=1))  # opened yesterday
    html = client.get(reverse("home")).content.decode()
    assert "procédure écrite, vote avant le" in html
    assert reverse("committees:session-live", args=[written.session_id]) in html


def test_its_team_gets_no_report_reminder_for_it(written, intrapreneur):
    from committees.reports.reminders import reminders_send

    assert reminders_send(today=timezone.localdate()) == 0
    assert not SentReminder.objects.exists()


# Concurrency, on PostgreSQL


@postgres_only
def test_two_last_votes_at_once_both_count_and_close_it_once(transactional_db, committee, startup):
    from django.db import transaction

    from committees.sessions.written import close_if_complete

    chair = committee.members.get(role=MemberRole.CHAIR)
    session = written_open(committee=committee, startup=startup, deadline=in_days(3), by=chair.user)
    review = Review.objects.select_related("session__committee").get(session=session)
    vote_cast(review=review, member=chair, choice=Outcome.REFINANCE)
    last = [member for member in voters(committee) if member != chair]

    def cast(index):
        with transaction.atomic():  # the request's transaction
            vote_cast(review=review, member=last[index], choice=Outcome.ADJUST)
        close_if_complete(review)  # once committed, as the view asks

    assert in_threads(2, cast) == []
    review.refresh_from_db()
    assert review.status == ReviewStatus.VOTED
    assert Vote.objects.filter(review=review).count() == 3
    assert review.tally["counts"][Outcome.ADJUST] == 2
    assert AuditEvent.objects.filter(action=AuditAction.VOTE_CLOSED, review=review).count() == 1


@postgres_only
def test_two_close_jobs_at_once_close_it_once(clock, transactional_db, committee, startup):
    chair = committee.members.get(role=MemberRole.CHAIR)
    session = written_open(committee=committee, startup=startup, deadline=in_days(3), by=chair.user)
    clock.move_to(session.deadline + datetime.timedelta(minutes=1))
    closed = []
    assert in_threads(2, lambda index: closed.append(close_written_procedures())) == []
    assert sorted(closed) == [0, 1]
    assert AuditEvent.objects.filter(action=AuditAction.VOTE_CLOSED).count() == 1
