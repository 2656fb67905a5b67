"""Questions to the team before the committee: a member asks on the preparation page, the team
answers on its reports page, each side is e-mailed; questions close when the item's vote opens;
they are part of the record (live board, dossier, minutes)."""

import threading
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.urls import reverse
from lxml import html
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import OutboxMessage
from committees.documents.dossiers import dossier_html, minutes_html
from committees.documents.services import fingerprints
from committees.enums import AuditAction, DocumentKind, MemberRole
from committees.models import AuditEvent, Conflict, Question, Review
from committees.sessions.questions import CLOSED, question_answer, question_ask
from committees.sessions.voting import attendance_set, session_open, vote_open
from tests.factories import (
    CommitteeMemberFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
)
from tests.utils import assert_queries, get_page

ASKED = "Combien d’usagers actifs chaque mois depuis juin ?"


@pytest.fixture
def review(session):
    return Review.objects.select_related("session__committee", "startup").get(session=session)


@pytest.fixture
def seat(session, sponsor):
    """The sponsor sits on the committee as a voting member."""
    return CommitteeMemberFactory(committee=session.committee, user=sponsor)


@pytest.fixture
def chair(session):
    return CommitteeMemberFactory(
        committee=session.committee, role=MemberRole.CHAIR, user__first_name="Claude"
    ).user


@pytest.fixture
def teammate(startup):
    return UserFactory(email="teammate@example.org", member_of=startup)


def ask_url(review):
    return reverse("committees:review-question", args=[review.session_id, review.pk])


def answer_url(question):
    review = question.review
    return reverse("committees:question-answer", args=[review.session_id, review.pk, question.pk])


def prepare_url(review):
    return reverse("committees:review-prepare", args=[review.session_id, review.pk])


def reports_url(startup):
    return reverse("committees:startup-reports", args=[startup.slug])


def answer_post(question, answer, seen=""):
    prefix = f"question-{question.pk}"
    return {f"{prefix}-answer": answer, f"{prefix}-seen": seen}


def open_vote(session, review, chair):
    SessionFactory.set_state(session, convened=True)
    session_open(session=session, by=chair, another_day=True)
    for member in session.committee.members.filter(role__in=["chair", "voter"]):
        attendance_set(session=session, member=member, present=True, by=chair)
    vote_open(review=Review.objects.select_related("session").get(pk=review.pk), by=chair)


def ask(review, seat, body=ASKED):
    return question_ask(review=review, member=seat, body=body, by=seat.user)


# Asking


def test_a_member_asks_and_the_team_alone_is_emailed(
    client, review, seat, intrapreneur, teammate, staff, django_capture_on_commit_callbacks
):
    UserFactory(email="gone@example.org", member_of=review.startup, is_active=False)
    client.force_login(seat.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ask_url(review), {"body": f"  {ASKED}  "})
    assert response.status_code == 302
    assert response["Location"] == prepare_url(review) + "#questions"
    question = Question.objects.get()
    assert (question.review, question.author, question.body) == (review, seat, ASKED)
    assert not question.is_answered
    event = AuditEvent.objects.get(action=AuditAction.QUESTION_ASKED)
    assert (event.review, event.actor, event.detail["body"]) == (review, seat.user, ASKED)
    [message] = mail.outbox
    assert sorted(message.to) == ["intra@example.org", "teammate@example.org"]
    assert seat.user.get_full_name() in message.body and ASKED in message.body
    assert reports_url(review.startup) + "#questions" in message.body
    page = client.get(prepare_url(review))
    assertContains(page, ASKED)
    assertContains(page, "Sans réponse")


def test_a_double_click_asks_once(client, review, seat, intrapreneur):
    client.force_login(seat.user)
    client.post(ask_url(review), {"body": ASKED})
    client.post(ask_url(review), {"body": ASKED})
    assert Question.objects.count() == 1
    assert OutboxMessage.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.QUESTION_ASKED).count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 403), ("intrapreneur", 403), ("outsider", 403), ("other_sponsor", 403)],
)
def test_who_is_no_member_cannot_ask(client, request, review, seat, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(ask_url(review), {"body": ASKED}).status_code == status
    assert not Question.objects.exists() and not OutboxMessage.objects.exists()


def test_an_observer_cannot_ask(client, review):
    observer = CommitteeMemberFactory(committee=review.session.committee, role=MemberRole.OBSERVER)
    client.force_login(observer.user)
    assert client.post(ask_url(review), {"body": ASKED}).status_code == 403
    assert not Question.objects.exists()


def test_the_secretary_asks(client, review, intrapreneur):
    secretary = CommitteeMemberFactory(
        committee=review.session.committee, role=MemberRole.SECRETARY
    )
    client.force_login(secretary.user)
    assert client.post(ask_url(review), {"body": ASKED}).status_code == 302
    assert Question.objects.get().author == secretary


def test_a_recused_member_cannot_ask(client, review, seat, intrapreneur):
    Conflict.objects.create(
        review=review, member=seat, reason="Ancien agent", declared_by=seat.user
    )
    client.force_login(seat.user)
    assertNotContains(client.get(prepare_url(review)), "Envoyer la question")
    response = client.post(ask_url(review), {"body": ASKED}, follow=True)
    assertContains(response, "Vous êtes déporté·e sur ce passage")
    assert not Question.objects.exists() and not OutboxMessage.objects.exists()


def test_another_sessions_item_is_a_404_and_writes_nothing(client, review, seat, startup):
    elsewhere = ReviewFactory(session=SessionFactory(), startup=StartupFactory())
    client.force_login(seat.user)
    url = reverse("committees:review-question", args=[review.session_id, elsewhere.pk])
    assert client.post(url, {"body": ASKED}).status_code == 404
    assert not Question.objects.exists()


def test_an_empty_or_too_long_question_is_refused_next_to_the_field(client, review, seat):
    client.force_login(seat.user)
    empty = client.post(ask_url(review), {"body": "   "})
    assert empty.status_code == 422
    assertContains(empty, "Ce champ est obligatoire", status_code=422)
    long = client.post(ask_url(review), {"body": "x" * 2001})
    assertContains(long, "2\xa0000 caractères au plus (il en compte 2\xa0001)", status_code=422)
    field = html.fromstring(long.content).xpath('//textarea[@name="body"]')[0]
    assert field.get("maxlength") == "2000"
    assert not Question.objects.exists()
    with pytest.raises(ValidationError):
        ask(review, seat, body="y" * 2001)


def test_one_asks_only_in_ones_own_name(review, seat, chair):
    with pytest.raises(PermissionDenied):
        question_ask(review=review, member=seat, body=ASKED, by=chair)
    assert not Question.objects.exists()


# Answering


def test_the_team_answers_on_its_reports_page_and_the_author_alone_is_emailed(
    client, review, seat, intrapreneur, teammate, django_capture_on_commit_callbacks
):
    question = ask(review, seat)
    client.force_login(intrapreneur)
    page = client.get(reports_url(review.startup))
    assertContains(page, "Questions des membres du comité")
    assertContains(page, ASKED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(answer_url(question), answer_post(question, "Quatre mille."))
    assert response["Location"] == reports_url(review.startup) + "#questions"
    question.refresh_from_db()
    assert (question.answer, question.answered_by) == ("Quatre mille.", intrapreneur)
    assert question.answered_at is not None
    [message] = mail.outbox
    assert message.to == [seat.user.email]
    assert "Quatre mille." in message.body and prepare_url(review) in message.body
    client.force_login(seat.user)
    assertContains(client.get(prepare_url(review)), "Quatre mille.")


def test_an_answer_is_edited_until_the_vote_opens_and_audited_each_time(
    client, review, seat, intrapreneur, django_capture_on_commit_callbacks
):
    question = ask(review, seat)
    client.force_login(intrapreneur)
    client.post(answer_url(question), answer_post(question, "Mille."))
    question.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            answer_url(question),
            answer_post(question, "Mille deux cents.", question.answered_at.isoformat()),
        )
    question.refresh_from_db()
    assert question.answer == "Mille deux cents."
    events = AuditEvent.objects.filter(action=AuditAction.QUESTION_ANSWERED).order_by("at", "id")
    assert [e.detail["edited"] for e in events] == [False, True]
    assert "a modifié la réponse" in mail.outbox[-1].body


def test_a_stale_answer_form_is_refused(client, review, seat, intrapreneur, teammate):
    question = ask(review, seat)
    question_answer(question=question, answer="Mille.", by=teammate)
    client.force_login(intrapreneur)
    response = client.post(answer_url(question), answer_post(question, "Deux mille."), follow=True)
    assertContains(response, "a modifié la réponse entre-temps")
    question.refresh_from_db()
    assert question.answer == "Mille."


@pytest.mark.parametrize("persona", ["sponsor", "staff", "superuser", "other_team", "outsider"])
def test_only_the_team_answers(client, request, review, seat, persona):
    question = ask(review, seat)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(answer_url(question), answer_post(question, "Réponse"))
    assert response.status_code == 403
    question.refresh_from_db()
    assert not question.is_answered
    assert not AuditEvent.objects.filter(action=AuditAction.QUESTION_ANSWERED).exists()


def test_staff_and_sponsors_read_the_questions_without_a_form(client, review, seat, staff):
    ask(review, seat)
    client.force_login(staff)
    page = client.get(reports_url(review.startup))
    assertContains(page, ASKED)
    assertNotContains(page, "Réponse de l’équipe</label>")
    assert not html.fromstring(page.content).xpath('//form[contains(@action, "reponse")]')


def test_another_items_question_id_is_a_404(client, review, seat, intrapreneur, startup):
    question = ask(review, seat)
    other = ReviewFactory(session=review.session, startup=StartupFactory())
    client.force_login(intrapreneur)
    url = reverse("committees:question-answer", args=[review.session_id, other.pk, question.pk])
    assert client.post(url, answer_post(question, "Réponse")).status_code == 404
    question.refresh_from_db()
    assert not question.is_answered


def test_an_empty_or_too_long_answer_is_refused_next_to_the_field(
    client, review, seat, intrapreneur
):
    question = ask(review, seat)
    client.force_login(intrapreneur)
    response = client.post(answer_url(question), answer_post(question, "x" * 5001))
    assertContains(response, "5\xa0000 caractères au plus", status_code=422)
    assertContains(response, "fr-input-group--error", status_code=422)
    question.refresh_from_db()
    assert not question.is_answered


# Closing


def test_questions_close_when_the_vote_opens(client, review, seat, chair, intrapreneur):
    question = ask(review, seat)
    client.force_login(seat.user)
    assertContains(client.get(prepare_url(review)), "Envoyer la question")
    open_vote(review.session, review, chair)
    page = client.get(prepare_url(review))
    assertNotContains(page, "Envoyer la question")
    assertContains(page, "les questions à l’équipe sont closes")
    # A form loaded before the vote opened, posted after.
    stale = client.post(ask_url(review), {"body": "Et encore ?"}, follow=True)
    assertContains(stale, CLOSED)
    client.force_login(intrapreneur)
    assertNotContains(client.get(reports_url(review.startup)), ASKED)
    late = client.post(answer_url(question), answer_post(question, "Trop tard"), follow=True)
    assertContains(late, CLOSED)
    question.refresh_from_db()
    assert Question.objects.count() == 1 and not question.is_answered


def test_questions_are_closed_in_a_closed_session(review, seat):
    question = ask(review, seat)
    SessionFactory.set_state(review.session, closed=True)
    review.session.refresh_from_db()
    with pytest.raises(ValidationError, match="La séance est close"):
        ask(review, seat, body="Une autre ?")
    team = UserFactory(member_of=review.startup)
    with pytest.raises(ValidationError, match="La séance est close"):
        question_answer(question=question, answer="Non.", by=team)


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_question_sent_while_the_vote_opens_waits_and_is_refused(session, sponsor):
    review = Review.objects.select_related("session__committee").get(session=session)
    seat = CommitteeMemberFactory(committee=session.committee, user=sponsor)
    chair = CommitteeMemberFactory(committee=session.committee, role=MemberRole.CHAIR).user
    SessionFactory.set_state(session, convened=True)
    session_open(session=session, by=chair, another_day=True)
    for member in session.committee.members.all():
        attendance_set(session=session, member=member, present=True, by=chair)
    opened, refused = threading.Event(), []

    def opener():
        try:
            with transaction.atomic():
                vote_open(
                    review=Review.objects.select_related("session").get(pk=review.pk), by=chair
                )
                opened.set()
                time.sleep(0.5)  # the question arrives while the vote's opening holds the row
        finally:
            connections.close_all()

    def asker():
        opened.wait(5)
        try:
            question_ask(review=review, member=seat, body=ASKED, by=sponsor)
        except ValidationError as error:
            refused.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=opener), threading.Thread(target=asker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refused == [CLOSED]
    assert not Question.objects.exists()


# Part of the record


def test_the_live_board_shows_questions_and_answers(client, review, seat, intrapreneur, chair):
    question = ask(review, seat)
    question_answer(question=question, answer="Quatre mille.", by=intrapreneur)
    client.force_login(intrapreneur)
    board = client.get(reverse("committees:session-live-board", args=[review.session_id]))
    assertContains(board, "Questions des membres et réponses de l’équipe")
    assertContains(board, ASKED)
    assertContains(board, "Quatre mille.")


def test_the_dossier_and_minutes_show_them_and_a_question_dates_the_dossier(
    review, seat, intrapreneur
):
    before = fingerprints(review.session)
    question = ask(review, seat)
    asked = fingerprints(review.session)
    key = (DocumentKind.DOSSIER, review.pk)
    assert asked[key] != before[key]
    assert asked[(DocumentKind.MINUTES, None)] != before[(DocumentKind.MINUTES, None)]
    question_answer(question=question, answer="Quatre mille.", by=intrapreneur)
    assert fingerprints(review.session)[key] != asked[key]
    dossier = dossier_html(review)
    assert "Questions des membres et réponses de l’équipe" in dossier
    assert ASKED in dossier and "Quatre mille." in dossier
    minutes = minutes_html(review.session)
    assert "Annexe : questions des membres et réponses des équipes" in minutes
    assert ASKED in minutes and "Quatre mille." in minutes


def test_the_minutes_page_has_the_annex(client, review, seat, intrapreneur):
    question = ask(review, seat)
    question_answer(question=question, answer="Quatre mille.", by=intrapreneur)
    client.force_login(seat.user)
    page = client.get(reverse("committees:session-minutes", args=[review.session_id]))
    assertContains(page, "Annexe : questions des membres et réponses des équipes")
    assertContains(page, "Quatre mille.")


# Staff see who has not answered


def test_the_preparation_overview_counts_the_unanswered_questions(
    client, review, seat, staff, intrapreneur
):
    other = ReviewFactory(session=review.session, startup=StartupFactory(name="Autre Service"))
    ask(review, seat)
    answered = ask(review, seat, body="Et le budget ?")
    question_answer(question=answered, answer="Tenu.", by=intrapreneur)
    ask(Review.objects.select_related("session").get(pk=other.pk), seat)
    client.force_login(staff)
    page = client.get(reverse("committees:session-prepare", args=[review.session_id]))
    (alert,) = html.fromstring(page.content).xpath('//*[@id="unanswered"]')
    assert "Mon Service (1)" in alert.text_content()
    assert "Autre Service (1)" in alert.text_content()
    assertContains(page, "2 questions")


# Query counts: the same with one question and with many


def many(review, seat, intrapreneur, n=12):
    members = [seat] + [
        CommitteeMemberFactory(committee=review.session.committee) for _ in range(n - 1)
    ]
    for index, member in enumerate(members):
        question = ask(review, member, body=f"Question {index}")
        if index % 2:
            question_answer(question=question, answer=f"Réponse {index}", by=intrapreneur)


LIVE_BOARD_QUERIES = 16
REVIEW_PREPARE_QUERIES = 18
SESSION_PREPARE_QUERIES = 17
REPORTS_QUERIES = 11


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("session-live-board", LIVE_BOARD_QUERIES),
        ("review-prepare", REVIEW_PREPARE_QUERIES),
        ("session-prepare", SESSION_PREPARE_QUERIES),
        ("startup-reports", REPORTS_QUERIES),
    ],
)
def test_pages_take_as_many_queries_with_one_question_as_with_many(
    client, review, seat, intrapreneur, staff, name, expected
):
    args = {
        "session-live-board": [review.session_id],
        "review-prepare": [review.session_id, review.pk],
        "session-prepare": [review.session_id],
        "startup-reports": [review.startup.slug],
    }[name]
    url = reverse(f"committees:{name}", args=args)
    client.force_login(intrapreneur if name == "startup-reports" else seat.user)
    ask(review, seat, body="La première")
    get_page(client, url, queries=expected)
    many(review, seat, intrapreneur)
    with assert_queries(expected):
        client.get(url)
