"""The written procedure: between sessions, the chair puts one startup to an online vote with a
deadline (docs/domain.md, "Procédure écrite").

Opening creates a session of kind `written`, convened and opened at once, with its one agenda
item, every active voting member recorded as present (so that `voting.eligible_voters` counts
them, the recused excepted) and the item's vote opened under the committee's rules. The members
are e-mailed a link to vote. The vote closes once every eligible member has voted
(`close_if_complete`, after the last vote commits) or at the deadline (`close_due`, Celery
beat); a vote after the deadline is refused even before that job runs (`voting._cast`). It is
decided only if at least the quorum fixed at opening voted. The members who have not voted are
reminded once, 48 h before the deadline (halfway for a shorter procedure: `reminders_send`).
From then on the decision, the close and the minutes are a session's.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.outbox import messages_post
from accounts.tasks import send_email
from startups.models import Startup

from ..audit import audit
from ..enums import (
    VOTING_ROLES,
    AuditAction,
    DocumentKind,
    MemberRole,
    Reminder,
    ReviewStatus,
    SessionKind,
    SessionStatus,
)
from ..models import Attendance, Committee, CommitteeMember, Conflict, Review, Session, Vote, Voter
from ..reports.reminders import absolute, claim, day_label, email
from ..tasks import document_request
from .access import MESSAGES
from .services import committee_startups, requested
from .voting import _close, eligible_voters, vote_open

# The deadline: at least a day to vote, at most a month.
MIN_DELAY = datetime.timedelta(hours=24)
MAX_DELAY = datetime.timedelta(days=30)
# The members who have not voted are reminded this long before the deadline (halfway through
# a procedure this long or shorter).
REMIND_BEFORE = datetime.timedelta(hours=48)
ALL_VOTED = "tous les membres ont voté"
DEADLINE_PASSED = "date limite atteinte"
RECUSAL_REASON = "Déport déclaré à l’ouverture de la procédure écrite."


def moment_label(moment: datetime.datetime) -> str:
    """ "lundi 14 décembre 2026 à 18 h", "… à 9 h 30" in Paris time."""
    local = timezone.localtime(moment)
    minutes = f" {local:%M}" if local.minute else ""
    return f"{day_label(local.date())} à {local.hour} h{minutes}"


def open_written_procedure(startup: Startup) -> Review | None:
    """The startup's item on a written procedure not closed yet, if any."""
    return (
        Review.objects.filter(startup=startup, session__kind=SessionKind.WRITTEN)
        .exclude(session__status=SessionStatus.CLOSED)
        .select_related("session")
        .first()
    )


def check_deadline(deadline: datetime.datetime, *, now: datetime.datetime) -> None:
    if deadline < now + MIN_DELAY:
        raise ValidationError(
            {"deadline": "La date limite est au moins 24 heures après l’ouverture du vote."}
        )
    if deadline > now + MAX_DELAY:
        raise ValidationError(
            {"deadline": "La date limite est au plus 30 jours après l’ouverture."}
        )


def voting_members(committee: Committee) -> list[CommitteeMember]:
    return list(
        committee.members.filter(role__in=VOTING_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("role", "id")
    )


@transaction.atomic
def written_open(
    *,
    committee: Committee,
    startup: Startup,
    deadline: datetime.datetime,
    requested_amount: Decimal | None = None,
    requested_months: int | None = None,
    recused: list[CommitteeMember] = (),
    by,
) -> Session:
    """The chair opens a written procedure on one startup of the committee's portfolio; its
    members are e-mailed a link to vote once committed."""
    if not committee.members.filter(user=by, role=MemberRole.CHAIR).exists():
        raise PermissionDenied(MESSAGES["chair"])
    now = timezone.now()
    check_deadline(deadline, now=now)
    if not committee_startups(committee).active().filter(pk=startup.pk).exists():
        raise ValidationError({"startup": f"{startup.name} n’est pas suivie par ce comité."})
    # One written procedure at a time per startup: two chairs clicking at once wait here.
    Startup.objects.select_for_update().get(pk=startup.pk)
    if open_written_procedure(startup) is not None:
        raise ValidationError({"startup": f"{startup.name} a déjà une procédure écrite en cours."})
    members = voting_members(committee)
    if any(member.committee_id != committee.pk for member in recused):
        raise ValidationError({"recused": "Cette personne n’est pas membre votante du comité."})
    if len(members) - len(set(recused)) < committee.quorum:
        raise ValidationError(
            f"Le comité compte {len(members) - len(set(recused))} membre(s) votant(s) sans "
            f"conflit d’intérêts pour un quorum de {committee.quorum} : la procédure écrite ne "
            "pourrait pas aboutir."
        )
    session = Session.objects.create(
        committee=committee,
        kind=SessionKind.WRITTEN,
        starts_at=now,
        deadline=deadline,
        created_by=by,
    )
    session.move(SessionStatus.CONVENED, now=now)
    session.move(SessionStatus.OPEN, now=now)
    review = Review(session=session, startup=startup, position=0)
    asked_amount, asked_months = requested(startup, review.semester.key)
    review.requested_amount = requested_amount if requested_amount is not None else asked_amount
    review.requested_months = requested_months if requested_months is not None else asked_months
    review.save()
    Attendance.objects.bulk_create(
        Attendance(session=session, member=member, present=True) for member in members
    )
    Conflict.objects.bulk_create(
        Conflict(review=review, member=member, reason=RECUSAL_REASON, declared_by=by)
        for member in set(recused)
    )
    audit(
        action=AuditAction.WRITTEN_OPENED,
        actor=by,
        review=review,
        startup=startup.slug,
        deadline=deadline.isoformat(),
        members=[member.pk for member in members],
        recused=sorted(member.pk for member in recused),
    )
    vote_open(review=review, by=by)
    context = {
        "committee": committee,
        "review": review,
        "startup": startup,
        "deadline": moment_label(deadline),
        "link": absolute(reverse("committees:session-live", args=[session.pk])),
    }
    subject = f"Procédure écrite : {startup.name}, vote avant le {moment_label(deadline)}"
    messages_post(
        send_email,
        [
            email(
                "written_opened", subject, context | {"recused": member in recused}, [member.user]
            )
            for member in members
        ],
        about=session.outbox_about,
    )
    # Its dossier, as a session's pack has one per item.
    document_request(session=session, kind=DocumentKind.DOSSIER, review=review, by=by)
    return session


def not_voted(review: Review):
    """The eligible members who have not voted yet on the item."""
    cast = Voter if review.is_secret else Vote
    return eligible_voters(review).exclude(
        Exists(cast.objects.filter(review_id=review.pk, member=OuterRef("pk")))
    )


def close_if_complete(review: Review) -> bool:
    """Close a written procedure's vote once every eligible member has voted (called once the
    vote committed: two last votes at once both come here, one closes, the other finds it
    closed); whether it closed it."""
    with transaction.atomic():
        review = Review.objects.select_related("session__committee").get(pk=review.pk)
        if review.session.kind != SessionKind.WRITTEN or review.status != ReviewStatus.VOTING:
            return False
        if not_voted(review).exists():
            return False
        try:
            _close(review, by=None, reason=ALL_VOTED, quorum_of_votes=True)
        except ValidationError:  # closed meanwhile
            return False
    return True


def close_due(*, now: datetime.datetime) -> int:
    """Close the votes of the written procedures whose deadline passed; the number closed. Each
    in its own transaction; a vote another run closed first is skipped."""
    due = Review.objects.filter(
        session__kind=SessionKind.WRITTEN,
        session__deadline__lte=now,
        status=ReviewStatus.VOTING,
    ).order_by("pk")
    closed = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            review = Review.objects.select_related("session__committee").get(pk=pk)
            try:
                _close(review, by=None, reason=DEADLINE_PASSED, quorum_of_votes=True)
            except ValidationError:
                continue
        closed += 1
    return closed


def remind_at(session: Session) -> datetime.datetime:
    """When the members who have not voted are reminded: 48 h before the deadline, or halfway
    through a procedure of 48 h or less."""
    duration = session.deadline - session.opened_at
    return session.deadline - (REMIND_BEFORE if duration > REMIND_BEFORE else duration / 2)


def reminders_send(*, now: datetime.datetime) -> int:
    """E-mail the members who have not voted on a written procedure whose reminder is due, once
    per procedure however often and concurrently it runs (`SentReminder`); the number queued."""
    reviews = [
        review
        for review in Review.objects.filter(
            session__kind=SessionKind.WRITTEN,
            session__deadline__gt=now,
            status=ReviewStatus.VOTING,
        )
        .select_related("session__committee", "startup")
        .order_by("pk")
        if remind_at(review.session) <= now
    ]
    if not reviews:
        return 0
    emails = []
    with transaction.atomic():
        claimed = claim([(r.session_id, r.pk, Reminder.VOTE_DUE.value) for r in reviews])
        for review in reviews:
            if (review.session_id, review.pk) not in claimed:
                continue
            context = {
                "committee": review.session.committee,
                "review": review,
                "startup": review.startup,
                "deadline": moment_label(review.session.deadline),
                "link": absolute(reverse("committees:session-live", args=[review.session_id])),
            }
            subject = (
                f"Rappel, procédure écrite : {review.startup.name}, vote avant le "
                f"{moment_label(review.session.deadline)}"
            )
            emails += [
                email("written_reminder", subject, context, [member.user])
                for member in not_voted(review).select_related("user").order_by("pk")
            ]
        messages_post(send_email, emails)
    return len(emails)
