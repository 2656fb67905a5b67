"""Committees' members, sessions and their agendas: schedule, propose and order the startups,
convene, copy. Every change is audited in its own transaction.

planned ──convene──▶ convened ──open──▶ open ──close──▶ closed
(the agenda changes while the session is planned or convened; open and close: session-live)
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, ProtectedError, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.invitations import account_for_invitation, invitation_send
from accounts.outbox import message_post
from accounts.tasks import send_email
from startups.dates import add_months
from startups.models import COMMITTEE_BEFORE_MONEY_ENDS_DAYS, Startup

from ..audit import audit
from ..enums import (
    VOTING_ROLES,
    AuditAction,
    DocumentKind,
    MemberRole,
    Outcome,
    ReviewStatus,
    SessionStatus,
)
from ..models import Committee, CommitteeMember, Review, SemesterReport, Session
from ..reports.reminders import absolute, email
from ..reports.services import latest_version, sections_of
from ..tasks import document_request, send_convocation, send_session_notice

# Sessions whose agenda can still change.
PREPARING = (SessionStatus.PLANNED, SessionStatus.CONVENED)  # Session.is_preparing
# A copied session is held six months later by default (one semester).
COPY_AFTER_MONTHS = 6


# Members ----------------------------------------------------------------------------------------


def check_chair(committee: Committee, role: str, *, member: CommitteeMember | None = None):
    if role != MemberRole.CHAIR:
        return
    chair = committee.members.filter(role=MemberRole.CHAIR).exclude(
        pk=member.pk if member else None
    )
    if chair.exists():
        raise ValidationError(
            {"role": "Ce comité a déjà un·e président·e : changez d’abord son rôle."}
        )


def check_roles_may_change(committee: Committee, *, user, role: str | None, by) -> None:
    """Roles are fixed while one of the committee's sessions sits, and nobody gives themselves a
    vote or the chair: another manager of the committee must."""
    if committee.sessions.filter(status=SessionStatus.OPEN).exists():
        raise ValidationError(
            {
                "role": "Une séance de ce comité est en cours : ses membres et leurs rôles ne "
                "changent qu’une fois la séance close."
            }
        )
    if role in VOTING_ROLES and user.pk == by.pk:
        raise ValidationError(
            {
                "role": "Vous ne pouvez pas vous donner un rôle votant ni la présidence : "
                "demandez-le à un autre gestionnaire du comité."
            }
        )


def chairs(committee: Committee) -> list:
    return [m.user for m in committee.members.filter(role=MemberRole.CHAIR).select_related("user")]


def role_change_notify(committee: Committee, *, chairs_before: list, by, **change) -> None:
    """E-mail the chair (the one before the change and the one after) what changed and who did it."""
    recipients = {user.pk: user for user in chairs_before + chairs(committee)}
    if not recipients:
        return
    context = {
        "committee": committee,
        "by": by,
        "link": absolute(reverse("committees:committee", args=[committee.pk])),
        **change,
    }
    kwargs = email(
        "member_changed",
        f"{committee.name} : composition du comité modifiée",
        context,
        list(recipients.values()),
    )
    message_post(send_email, **kwargs)


@transaction.atomic
def member_add(*, committee: Committee, user, role: str, organisation=None, by) -> CommitteeMember:
    Committee.objects.select_for_update().get(pk=committee.pk)
    if committee.members.filter(user=user).exists():
        raise ValidationError({"email": f"{user.email} est déjà membre de ce comité."})
    check_roles_may_change(committee, user=user, role=role, by=by)
    check_chair(committee, role)
    chairs_before = chairs(committee)
    member = CommitteeMember.objects.create(
        committee=committee, user=user, role=role, organisation=organisation
    )
    audit(
        action=AuditAction.MEMBER_ADDED,
        actor=by,
        committee=committee,
        member=user.email,
        role=role,
        organisation=organisation.slug if organisation else None,
    )
    role_change_notify(
        committee, chairs_before=chairs_before, by=by, member=user, after=MemberRole(role).label
    )
    return member


@transaction.atomic
def member_invite(*, committee: Committee, email: str, role: str, organisation=None, by):
    """Add a member by address: a person without an account gets one and an invitation, and a
    person who never signed in is invited again; nothing is written if the addition is
    refused."""
    user = account_for_invitation(email)
    member = member_add(committee=committee, user=user, role=role, organisation=organisation, by=by)
    if user.last_login is None:
        invitation_send(user=user, place=f"le comité « {committee.name} »", by=by)
    return member


@transaction.atomic
def member_change(*, member: CommitteeMember, role: str, organisation=None, by) -> None:
    Committee.objects.select_for_update().get(pk=member.committee_id)
    check_roles_may_change(member.committee, user=member.user, role=role, by=by)
    check_chair(member.committee, role, member=member)
    chairs_before = chairs(member.committee)
    before = member.role
    member.role, member.organisation = role, organisation
    member.save(update_fields=["role", "organisation"])
    audit(
        action=AuditAction.MEMBER_CHANGED,
        actor=by,
        committee=member.committee,
        member=member.user.email,
        role=role,
        before=before,
        organisation=organisation.slug if organisation else None,
    )
    role_change_notify(
        member.committee,
        chairs_before=chairs_before,
        by=by,
        member=member.user,
        before=MemberRole(before).label,
        after=MemberRole(role).label,
    )


@transaction.atomic
def member_remove(*, member: CommitteeMember, by) -> None:
    """A member who has sat, voted or declared a conflict stays on record: refused."""
    Committee.objects.select_for_update().get(pk=member.committee_id)
    check_roles_may_change(member.committee, user=member.user, role=None, by=by)
    chairs_before = chairs(member.committee)
    address = member.user.email
    try:
        with transaction.atomic():
            member.delete()
    except (ProtectedError, IntegrityError) as error:
        raise ValidationError(
            f"{address} a déjà siégé ou voté : ce membre reste dans les relevés du comité."
        ) from error
    audit(action=AuditAction.MEMBER_REMOVED, actor=by, committee=member.committee, member=address)
    role_change_notify(
        member.committee,
        chairs_before=chairs_before,
        by=by,
        member=member.user,
        before=MemberRole(member.role).label,
    )


@transaction.atomic
def committee_update(
    *,
    committee: Committee,
    quorum: int,
    majority: str,
    secret_ballot: bool,
    report_lead_days: int,
    by,
    proxies_allowed: bool | None = None,
    proxies_per_holder: int | None = None,
    chair_votes_allowed: bool | None = None,
) -> None:
    """The committee's rules. Quorum, majority and secret ballot are fixed on an item when its
    vote opens; proxies and chair-entered votes are read when a vote is cast, so they do not
    change while a vote is open (None: unchanged)."""
    rules = {
        "quorum": quorum,
        "majority": majority,
        "secret_ballot": secret_ballot,
        "report_lead_days": report_lead_days,
    }
    others = {
        "proxies_allowed": proxies_allowed,
        "proxies_per_holder": proxies_per_holder,
        "chair_votes_allowed": chair_votes_allowed,
    }
    others = {name: value for name, value in others.items() if value is not None}
    read_at_each_vote = ("proxies_allowed", "chair_votes_allowed")
    changed = [n for n in read_at_each_vote if n in others and getattr(committee, n) != others[n]]
    voting = Review.objects.filter(session__committee=committee, status=ReviewStatus.VOTING)
    if changed and voting.exists():
        raise ValidationError(
            "Un vote est ouvert : les procurations et les votes saisis par la présidence se "
            "changent une fois ce vote clos."
        )
    rules |= others
    for name, value in rules.items():
        setattr(committee, name, value)
    committee.save(update_fields=list(rules))
    audit(action=AuditAction.COMMITTEE_CHANGED, actor=by, committee=committee, rules=rules)


# Sessions ---------------------------------------------------------------------------------------


@transaction.atomic
def session_create(
    *,
    committee: Committee,
    starts_at: datetime.datetime,
    place: str = "",
    video_url: str = "",
    by,
) -> Session:
    session = Session.objects.create(
        committee=committee, starts_at=starts_at, place=place, video_url=video_url, created_by=by
    )
    audit(
        action=AuditAction.SESSION_CREATED,
        actor=by,
        session=session,
        starts_at=starts_at.isoformat(),
        place=place,
        video_url=video_url,
    )
    return session


def locked(session: Session, *, allowed: tuple = PREPARING) -> Session:
    """The session, locked for this transaction, if its status allows the change."""
    fresh = (
        Session.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=session.pk)
    )
    if fresh.status not in allowed:
        raise ValidationError(
            f"La séance est « {fresh.get_status_display().lower()} » : elle ne se modifie plus."
        )
    return fresh


@transaction.atomic
def session_update(
    *, session: Session, starts_at: datetime.datetime, place: str, video_url: str, by
) -> Session:
    session = locked(session)
    changes = {}
    for name, value in (("starts_at", starts_at), ("place", place), ("video_url", video_url)):
        if getattr(session, name) != value:
            before = getattr(session, name)
            changes[name] = [
                before.isoformat() if name == "starts_at" else before,
                value.isoformat() if name == "starts_at" else value,
            ]
            setattr(session, name, value)
    if not changes:
        return session
    if session.convened_at is None:
        session.save(update_fields=list(changes))
        audit(action=AuditAction.SESSION_CHANGED, actor=by, session=session, **changes)
        return session
    # Convened: everyone invited gets the updated invitation (same UID, higher SEQUENCE).
    session.sequence += 1
    session.save(update_fields=[*changes, "sequence"])
    audit(action=AuditAction.SESSION_MOVED, actor=by, session=session, **changes)
    message_post(
        send_session_notice,
        about=session.outbox_about,
        session_id=session.pk,
        sequence=session.sequence,
        changes=changes,
    )
    return session


@transaction.atomic
def session_cancel(*, session: Session, reason: str, by) -> Session:
    """planned or convened → cancelled, with its reason; once convened, everyone invited gets
    the cancellation (METHOD:CANCEL). The agenda and the journal stay; the startups become
    proposable for another session."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Indiquez le motif de l’annulation.")
    if len(reason) > 500:
        raise ValidationError("Le motif de l’annulation tient en 500 caractères au plus.")
    session = locked(session)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason
    session.sequence += 1
    session.save(update_fields=["status", "cancelled_at", "cancel_reason", "sequence"])
    audit(action=AuditAction.SESSION_CANCELLED, actor=by, session=session, reason=reason)
    if session.convened_at:
        message_post(
            send_session_notice,
            about=session.outbox_about,
            session_id=session.pk,
            sequence=session.sequence,
            changes={},
        )
    return session


# Agenda -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A startup due for a committee by the session's date and not on its agenda."""

    startup: Startup
    due_on: datetime.date
    money_ends_on: datetime.date | None
    late: bool
    # Another upcoming session that has it on its agenda already (its date), if any.
    elsewhere_on: datetime.datetime | None = None

    @property
    def reason(self) -> str:
        money_due = self.money_ends_on and self.money_ends_on - datetime.timedelta(
            days=COMMITTEE_BEFORE_MONEY_ENDS_DAYS
        )
        if money_due and money_due <= self.due_on:
            return f"financement jusqu’au {self.money_ends_on:%d/%m/%Y}"
        if self.startup.last_committee_on:
            return f"dernier comité le {self.startup.last_committee_on:%d/%m/%Y}, il y a six mois"
        return "aucun comité depuis six mois"


def committee_startups(committee: Committee):
    """The startups a committee reviews: its incubator's (co-incubated included) and its
    sponsor's."""
    scope = Q(pk__in=[])
    if committee.incubator_id:
        co_incubated = Startup.co_incubators.through.objects.filter(
            incubator_id=committee.incubator_id
        )
        scope |= Q(incubator_id=committee.incubator_id) | Q(
            pk__in=co_incubated.values("startup_id")
        )
    if committee.organisation_id:
        sponsored = Startup.sponsors.through.objects.filter(
            organisation_id=committee.organisation_id
        )
        scope |= Q(pk__in=sponsored.values("startup_id"))
    return Startup.objects.filter(scope)


def agenda_proposals(*, session: Session, today: datetime.date) -> list[Proposal]:
    """The active startups of the committee due by the session's date (money ending within 45
    days of it, or their last committee six months before it: `committee_due_on`) and not on
    its agenda, the most urgent first. One query."""
    startups = (
        committee_startups(session.committee)
        .active()
        .filter(committee_due_on__lte=session.date)
        .exclude(reviews__session=session)
        .annotate(
            money_ends_on=Max("funding_rounds__end"),
            elsewhere_on=Subquery(elsewhere(session).values("session__starts_at")[:1]),
        )
        .order_by("committee_due_on", "name", "pk")
    )
    return [
        Proposal(
            startup=startup,
            due_on=startup.committee_due_on,
            money_ends_on=startup.money_ends_on,
            late=startup.committee_due_on < today,
            elsewhere_on=startup.elsewhere_on,
        )
        for startup in startups
    ]


def elsewhere(session: Session, startup=None):
    """The agenda items of the other upcoming sessions (of `startup`, or of the outer query's
    startup), the earliest first: a startup proposed for two agendas."""
    others = Review.objects.filter(
        startup=startup if startup is not None else OuterRef("pk"),
        session__in=Session.objects.upcoming(today=timezone.localdate()),
    ).exclude(session=session)
    return others.order_by("session__starts_at")


def agenda_others(session: Session):
    """The committee's active startups that are neither on this agenda nor proposed (not due by
    the session's date): staff may still add one. One query."""
    return (
        committee_startups(session.committee)
        .active()
        .exclude(reviews__session=session)
        .filter(Q(committee_due_on__gt=session.date) | Q(committee_due_on__isnull=True))
        .order_by("name", "pk")
        .only("pk", "name")
    )


@dataclass(frozen=True)
class Slot:
    review: Review
    starts_at: datetime.datetime

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.review.duration_minutes)


def agenda_slots(session: Session, reviews) -> list[Slot]:
    """Each item's time: the session's start plus the previous items' durations."""
    slots, start = [], session.starts_at
    for review in reviews:
        slots.append(Slot(review=review, starts_at=start))
        start += datetime.timedelta(minutes=review.duration_minutes)
    return slots


def agenda_minutes(reviews) -> int:
    return sum(review.duration_minutes for review in reviews)


def requested(startup: Startup, semester_key: str) -> tuple[Decimal | None, int | None]:
    """The amount and months the startup's report for that semester asks for, if written."""
    report = SemesterReport.objects.filter(startup=startup, semester=semester_key).first()
    request = sections_of(latest_version(report)).get("request", {}) if report else {}
    try:
        amount = Decimal(str(request["amount"])) if request.get("amount") else None
    except InvalidOperation:
        amount = None
    months = request.get("duration_months")
    return amount, int(months) if str(months or "").isdigit() else None


def renumber(session: Session, reviews: list[Review]) -> None:
    for position, review in enumerate(reviews):
        review.position = position
    Review.objects.bulk_update(reviews, ["position"])


def agenda(session: Session) -> list[Review]:
    return list(session.reviews.order_by("position", "id"))


@transaction.atomic
def review_add(*, session: Session, startup: Startup, by) -> Review:
    session = locked(session)
    if session.reviews.filter(startup=startup).exists():
        raise ValidationError(f"{startup.name} est déjà à l’ordre du jour.")
    last = session.reviews.aggregate(last=Max("position"))["last"]
    review = Review(session=session, startup=startup, position=0 if last is None else last + 1)
    review.requested_amount, review.requested_months = requested(startup, review.semester.key)
    review.save()
    audit(
        action=AuditAction.AGENDA_ADDED,
        actor=by,
        review=review,
        startup=startup.slug,
        position=review.position,
    )
    return review


@transaction.atomic
def review_remove(*, review: Review, by) -> None:
    session = locked(review.session)
    review = Review.objects.select_related("startup").get(pk=review.pk)
    if review.status != ReviewStatus.PENDING:
        raise ValidationError(
            f"Le passage de {review.startup.name} est « {review.get_status_display().lower()} » "
            ": il reste à l’ordre du jour."
        )
    slug = review.startup.slug
    review.delete()
    renumber(session, agenda(session))
    audit(action=AuditAction.AGENDA_REMOVED, actor=by, session=session, startup=slug)


@transaction.atomic
def review_move(*, review: Review, to: int | str, by) -> None:
    """Move an item `up`, `down` or to a position (0 first), the others closing ranks."""
    session = locked(review.session)
    items = agenda(session)
    current = next(index for index, item in enumerate(items) if item.pk == review.pk)
    target = {"up": current - 1, "down": current + 1}.get(to, to)
    if not isinstance(target, int):
        raise ValidationError("Déplacement inconnu.")
    target = max(0, min(target, len(items) - 1))
    if target == current:
        return
    items.insert(target, items.pop(current))
    renumber(session, items)
    audit(
        action=AuditAction.AGENDA_MOVED,
        actor=by,
        review=items[target],
        startup=review.startup.slug,
        before=current,
        after=target,
    )


@transaction.atomic
def review_update(
    *,
    review: Review,
    duration_minutes: int,
    recommendation: str,
    requested_amount: Decimal | None,
    recommended_amount: Decimal | None = None,
    requested_months: int | None,
    by,
) -> None:
    """An item's duration, requested amount and months, and the incubator's recommendation
    (its text and the amount it recommends)."""
    locked(review.session)
    fields = {
        "duration_minutes": duration_minutes,
        "recommendation": recommendation,
        "requested_amount": requested_amount,
        "requested_months": requested_months,
        "recommended_amount": recommended_amount,
    }
    changed = {name: value for name, value in fields.items() if getattr(review, name) != value}
    if not changed:
        return
    for name, value in changed.items():
        setattr(review, name, value)
    review.save(update_fields=list(changed))
    audit(
        action=AuditAction.AGENDA_ITEM_CHANGED,
        actor=by,
        review=review,
        startup=review.startup.slug,
        **{name: str(value) if value is not None else None for name, value in changed.items()},
    )


# Convene and copy -------------------------------------------------------------------------------


@transaction.atomic
def session_convene(*, session: Session, by) -> Session:
    """planned → convened; the convocations go out by e-mail once committed."""
    session = locked(session, allowed=(SessionStatus.PLANNED,))
    if not session.reviews.exists():
        raise ValidationError("L’ordre du jour est vide : ajoutez-y au moins une startup.")
    session.move(SessionStatus.CONVENED)
    audit(action=AuditAction.SESSION_CONVENED, actor=by, session=session)
    message_post(send_convocation, about=session.outbox_about, session_id=session.pk)
    document_request(session=session, kind=DocumentKind.PACK, by=by)
    return session


def stopped(review: Review) -> bool:
    decisions = sorted(review.decisions.all(), key=lambda decision: decision.pk)
    return not review.startup.is_active or (
        bool(decisions) and decisions[-1].outcome == Outcome.STOP
    )


def copy_date(session: Session) -> datetime.datetime:
    """Six months later, at the same time of day in Paris."""
    local = timezone.localtime(session.starts_at)
    day = add_months(local.date(), COPY_AFTER_MONTHS)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


@transaction.atomic
def session_copy(*, session: Session, starts_at: datetime.datetime | None = None, by) -> Session:
    """A new planned session of the same committee (six months later by default), same place
    and link, the same startups in the same order and durations, except those stopped."""
    starts_at = starts_at or copy_date(session)
    copy = Session.objects.create(
        committee=session.committee,
        starts_at=starts_at,
        place=session.place,
        video_url=session.video_url,
        created_by=by,
    )
    reviews = (
        session.reviews.select_related("startup")
        .prefetch_related("decisions")
        .order_by("position", "id")
    )
    kept = [review for review in reviews if not stopped(review)]
    Review.objects.bulk_create(
        Review(
            session=copy,
            startup=review.startup,
            position=position,
            duration_minutes=review.duration_minutes,
        )
        for position, review in enumerate(kept)
    )
    audit(
        action=AuditAction.SESSION_COPIED,
        actor=by,
        session=copy,
        source=session.pk,
        startups=[review.startup.slug for review in kept],
    )
    return copy
