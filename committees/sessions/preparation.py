"""Before the session: each voting member scores the grid and keeps private notes on every agenda
item, declares their conflicts of interest, and Comité proposes the recusals it can see (a member
in the startup's team, or speaking for one of its sponsors)."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from startups.models import SponsorRepresentative, Startup, TeamMembership

from ..audit import audit
from ..enums import GRID, VOTING_ROLES, AuditAction, ReviewStatus
from ..models import Assessment, CommitteeMember, Conflict, Review, Session, grid_is_valid
from .access import session_roles

GRID_KEYS = {key for key, _ in GRID}


def clean_scores(scores: dict) -> dict:
    """The grid's answered questions as integers 1–5, or a French ValidationError."""
    cleaned = {}
    for key, value in scores.items():
        if key not in GRID_KEYS:
            raise ValidationError(f"Question inconnue dans la grille : « {key} ».")
        if value in (None, ""):
            continue
        try:
            cleaned[key] = int(value)
        except (TypeError, ValueError):
            raise ValidationError("Chaque question se note de 1 à 5.") from None
    if not grid_is_valid(cleaned):
        raise ValidationError("Chaque question se note de 1 à 5.")
    return cleaned


def locked_review(review: Review) -> Review:
    """The agenda item, locked until the end of the transaction (a vote opening waits)."""
    return (
        Review.objects.select_for_update(of=("self",)).select_related("session").get(pk=review.pk)
    )


def assessment_save(*, review: Review, member: CommitteeMember, scores: dict, notes: str, by):
    """A voting member's grid and private notes on one item, until its vote is closed."""
    if member.user_id != by.pk:
        raise PermissionDenied("Chacun·e remplit sa propre grille.")
    if not member.votes or member.committee_id != review.session.committee_id:
        raise PermissionDenied("Seuls les membres votants du comité remplissent la grille.")
    cleaned = clean_scores(scores)
    with transaction.atomic():
        review = locked_review(review)
        if review.status not in (ReviewStatus.PENDING, ReviewStatus.VOTING):
            raise ValidationError("Le vote sur ce passage est clos : la grille ne change plus.")
        if review.session.is_closed:
            raise ValidationError("La séance est close : la grille ne change plus.")
        assessment, _ = Assessment.objects.update_or_create(
            review=review, member=member, defaults={"scores": cleaned, "notes": notes}
        )
    return assessment


def may_declare_for(by, member: CommitteeMember, session: Session) -> bool:
    """The member themselves, the committee's chair, or who manages the session."""
    if member.user_id == by.pk:
        return True
    roles = session_roles(by, session)
    return roles.chair or roles.manager


def conflict_guard(*, review: Review, member: CommitteeMember, by) -> Review:
    """Checks shared by declaring and withdrawing; returns the item locked."""
    if member.committee_id != review.session.committee_id or not member.votes:
        raise ValidationError("Seuls les membres votants du comité se déportent.")
    if not may_declare_for(by, member, review.session):
        raise PermissionDenied(
            "Seul·e le membre, le·la président·e ou l’incubateur déclare un conflit d’intérêts."
        )
    review = locked_review(review)
    if review.status != ReviewStatus.PENDING or review.vote_opened_at is not None:
        raise ValidationError(
            "Le vote sur ce passage est ouvert : il est trop tard pour se déporter."
        )
    return review


@transaction.atomic
def conflict_declare(*, review: Review, member: CommitteeMember, reason: str, by) -> Conflict:
    """A member's conflict of interest on one item, before its vote opens; declaring it again
    changes nothing."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Indiquez le motif du conflit d’intérêts.")
    review = conflict_guard(review=review, member=member, by=by)
    conflict, created = Conflict.objects.get_or_create(
        review=review, member=member, defaults={"reason": reason, "declared_by": by}
    )
    if created:
        audit(
            action=AuditAction.CONFLICT,
            actor=by,
            review=review,
            member=member.pk,
            member_name=str(member.user),
            reason=reason,
        )
    return conflict


@transaction.atomic
def conflict_withdraw(*, review: Review, member: CommitteeMember, by) -> bool:
    """Withdraw a conflict declared by mistake, before the item's vote opens."""
    review = conflict_guard(review=review, member=member, by=by)
    deleted, _ = Conflict.objects.filter(review=review, member=member).delete()
    if deleted:
        audit(
            action=AuditAction.CONFLICT,
            actor=by,
            review=review,
            member=member.pk,
            member_name=str(member.user),
            withdrawn=True,
        )
    return bool(deleted)


@dataclass
class Recusal:
    member: CommitteeMember
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return " ; ".join(self.reasons)


def voting_members(session: Session):
    return (
        CommitteeMember.objects.filter(committee_id=session.committee_id, role__in=VOTING_ROLES)
        .select_related("user", "organisation")
        .order_by("role", "id")
    )


def proposed_recusals(session: Session, *, reviews=None, members=None) -> dict[int, list[Recusal]]:
    """For each agenda item (by id), the voting members Comité proposes to recuse and why: in the
    startup's team, speaking for one of its sponsors, or representing one of them. Five queries
    whatever the number of items and members (fewer when `reviews` or `members` are given)."""
    if reviews is None:
        reviews = list(session.reviews.select_related("startup"))
    if members is None:
        members = list(voting_members(session))
    startups = {review.startup_id for review in reviews}
    users = {member.user_id for member in members}
    teams = set(
        TeamMembership.objects.filter(startup_id__in=startups, user_id__in=users).values_list(
            "startup_id", "user_id"
        )
    )
    sponsors: dict[int, list] = {}
    for link in Startup.sponsors.through.objects.filter(startup_id__in=startups).select_related(
        "organisation"
    ):
        sponsors.setdefault(link.startup_id, []).append(link.organisation)
    organisations = {o.pk for orgs in sponsors.values() for o in orgs}
    represented = set(
        SponsorRepresentative.objects.filter(
            user_id__in=users, organisation_id__in=organisations
        ).values_list("user_id", "organisation_id")
    )
    proposed = {}
    for review in reviews:
        recusals = []
        for member in members:
            reasons = []
            if (review.startup_id, member.user_id) in teams:
                reasons.append(f"membre de l’équipe de {review.startup.name}")
            for organisation in sorted(sponsors.get(review.startup_id, []), key=str):
                if member.organisation_id == organisation.pk:
                    reasons.append(f"représente {organisation}, sponsor de {review.startup.name}")
                elif (member.user_id, organisation.pk) in represented:
                    reasons.append(
                        f"représentant·e de {organisation}, sponsor de {review.startup.name}"
                    )
            if reasons:
                recusals.append(Recusal(member=member, reasons=reasons))
        proposed[review.pk] = recusals
    return proposed
