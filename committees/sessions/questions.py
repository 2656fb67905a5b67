"""Questions to the team before the committee: a member of the committee who prepares the
session (a voting member, the secretary) and is not recused on the item asks the startup's team
a question; the team answers on its reports page. Each side is told by e-mail. The questions
and answers are part of the record: the live page, the dossier and the minutes' annex show
them, with the names of who asked and who answered.

Questions close when the item's vote opens (and once the session is closed): no question and no
answer after that. Asking and answering lock the item's row and read its status under the lock,
as the vote's opening does (`voting.vote_open` updates that row): a question sent while the vote
opens waits for it and is refused. An answer may be edited until the questions close; each
change is audited and e-mailed to the member who asked.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import limits
from accounts.outbox import message_post
from accounts.tasks import send_email
from startups.models import TeamMembership

from ..audit import audit
from ..enums import AuditAction, ReviewStatus
from ..models import CommitteeMember, Conflict, Question, Review
from ..reports.reminders import absolute, email, session_label
from .preparation import locked_review

CLOSED = "Le vote sur ce passage est ouvert : les questions à l’équipe sont closes."
SESSION_CLOSED = "La séance est close : les questions à l’équipe sont closes."
STALE_ANSWER = (
    "Un·e autre membre de l’équipe a modifié la réponse entre-temps : relisez-la avant de la "
    "changer."
)


def questions_open(review: Review) -> bool:
    """Whether the item still takes questions and answers: its vote not opened, its session
    not closed (`review.session` is read)."""
    return (
        review.status == ReviewStatus.PENDING
        and review.vote_opened_at is None
        and not review.session.is_closed
    )


def check_open(review: Review) -> None:
    if review.session.is_closed:
        raise ValidationError(SESSION_CLOSED)
    if not questions_open(review):
        raise ValidationError(CLOSED)


def check_text(text: str, limit: int, empty: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError(empty)
    if limits.length(text) > limit:
        raise ValidationError(limits.too_long(limit, limits.length(text)))
    return text


def name_of(user) -> str:
    return str(user)


def question_ask(*, review: Review, member: CommitteeMember, body: str, by) -> Question:
    """A committee member's question to the team of the item's startup, before its vote opens;
    the team is e-mailed. The same question sent twice (a double click) is asked once."""
    if member.user_id != by.pk:
        raise PermissionDenied("Chacun·e pose ses propres questions.")
    if member.committee_id != review.session.committee_id:
        raise PermissionDenied("Seuls les membres du comité posent des questions à l’équipe.")
    body = check_text(body, limits.COMMENT, "Écrivez votre question.")
    with transaction.atomic():
        review = locked_review(review)
        check_open(review)
        if Conflict.objects.filter(review=review, member=member).exists():
            raise ValidationError(
                "Vous êtes déporté·e sur ce passage : vous ne posez pas de question à l’équipe."
            )
        asked = Question.objects.filter(review=review, author=member, body=body).first()
        if asked is not None:
            return asked
        question = Question.objects.create(review=review, author=member, body=body)
        audit(
            action=AuditAction.QUESTION_ASKED,
            actor=by,
            review=review,
            question=question.pk,
            author=name_of(by),
            body=body,
        )
        team = [
            membership.user
            for membership in TeamMembership.objects.filter(
                startup_id=review.startup_id, user__is_active=True
            )
            .select_related("user")
            .order_by("user__email")
        ]
        if team:
            context = {
                "question": question,
                "review": review,
                "session": review.session,
                "author": name_of(by),
                "session_on": session_label(review.session),
                "link": absolute(
                    reverse("committees:startup-reports", args=[review.startup.slug]) + "#questions"
                ),
            }
            subject = f"Question d’un membre du comité sur {review.startup.name}"
            message_post(send_email, **email("question_asked", subject, context, team))
    return question


def question_answer(*, question: Question, answer: str, by, seen: str = "") -> Question:
    """The team's answer to a question, until the questions close; edited afterwards, it
    replaces the previous one. `seen`: when the answer the person edited was given
    (`answered_at` in ISO format, empty for none), to refuse an answer changed in the
    meantime. The member who asked is e-mailed each time the answer changes."""
    review = question.review
    if not TeamMembership.objects.filter(user=by, startup_id=review.startup_id).exists():
        raise PermissionDenied("Seule l’équipe de la startup répond aux questions des membres.")
    answer = check_text(answer, limits.SECTION, "Écrivez votre réponse.")
    with transaction.atomic():
        review = locked_review(review)
        check_open(review)
        question = (
            Question.objects.select_for_update(of=("self",))
            .select_related("author__user")
            .get(pk=question.pk, review=review)
        )
        previous = question.answered_at.isoformat() if question.answered_at else ""
        if seen != previous:
            raise ValidationError(STALE_ANSWER)
        if question.answer == answer:
            return question
        edited = question.is_answered
        question.answer, question.answered_by = answer, by
        question.answered_at = timezone.now()
        question.save(update_fields=["answer", "answered_by", "answered_at"])
        question.review = review
        audit(
            action=AuditAction.QUESTION_ANSWERED,
            actor=by,
            review=review,
            question=question.pk,
            answered_by=name_of(by),
            answer=answer,
            edited=edited,
        )
        author = question.author.user
        if author.is_active:
            context = {
                "question": question,
                "review": review,
                "edited": edited,
                "answered_by": name_of(by),
                "link": absolute(
                    reverse("committees:review-prepare", args=[review.session_id, review.pk])
                    + "#questions"
                ),
            }
            what = "modifie sa réponse" if edited else "répond à votre question"
            subject = f"{review.startup.name} {what}"
            message_post(send_email, **email("question_answered", subject, context, [author]))
    return question
