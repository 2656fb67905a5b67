"""Committee decisions on the pages of the startups app, which never imports committees
(tests/test_architecture.py): its templates load this library.

- `{% startup_decisions startup %}`: a startup's decisions, with a link to the minutes for the
  people who may read them (1 query);
- `{% sponsor_decisions organisation %}`: the last decisions on the startups a sponsor funds
  (1 query);
- `{% last_decisions startups as last %}` then `last|decision_of:startup.pk`: the last decision
  of each startup of a table, in one query for the whole table;
- `{% next_sessions startups as next %}` then `next|decision_of:startup.pk`: the upcoming
  session each startup is on the agenda of (one query), and `{% next_session startup %}`.
"""

from django import template
from django.db.models import Exists, OuterRef, Value
from django.utils import timezone

from startups.models import IncubatorStaff, TeamMembership

from ..enums import Outcome
from ..models import CommitteeMember, Decision, Review, Session

register = template.Library()

SPONSOR_DECISIONS = 10
BADGE = {
    Outcome.REFINANCE: "fr-badge--success",
    Outcome.ADJUST: "fr-badge--warning",
    Outcome.STOP: "fr-badge--error",
}


def in_force():
    """Decisions not corrected since, with their session and committee."""
    return Decision.objects.filter(correction__isnull=True).select_related(
        "review__session__committee", "review__startup"
    )


def with_minutes_access(decisions, user):
    """Annotate `can_read_minutes`: the reader of the session (sessions/access.py, "read")."""
    if user.is_superuser:
        return decisions.annotate(can_read_minutes=Value(True))
    committee = OuterRef("review__session__committee")
    return decisions.annotate(
        can_read_minutes=Exists(CommitteeMember.objects.filter(committee=committee, user=user))
        | Exists(
            IncubatorStaff.objects.filter(
                incubator=OuterRef("review__session__committee__incubator"), user=user
            )
        )
        | Exists(TeamMembership.objects.filter(startup=OuterRef("review__startup"), user=user))
    )


@register.filter
def outcome_badge(outcome: str) -> str:
    return BADGE.get(outcome, "")


@register.inclusion_tag("committees/_startup_decisions.html", takes_context=True)
def startup_decisions(context, startup) -> dict:
    user = context["request"].user
    decisions = with_minutes_access(in_force().filter(review__startup=startup), user)
    return {
        "decisions": list(decisions.order_by("-review__session__starts_at", "-id")),
        "startup": startup,
    }


@register.inclusion_tag("committees/_sponsor_decisions.html", takes_context=True)
def sponsor_decisions(context, organisation) -> dict:
    user = context["request"].user
    decisions = with_minutes_access(
        in_force().filter(review__startup__sponsors=organisation), user
    ).order_by("-review__session__starts_at", "-id")
    return {"decisions": list(decisions[:SPONSOR_DECISIONS]), "organisation": organisation}


@register.simple_tag
def last_decisions(startups) -> dict:
    """{startup id: its last decision in force} for these startups: one query."""
    ids = [startup.pk for startup in startups]
    if not ids:
        return {}
    last = {}
    for decision in (
        Decision.objects.filter(review__startup_id__in=ids, correction__isnull=True)
        .select_related("review__session")
        .order_by("review__session__starts_at", "id")
    ):
        last[decision.review.startup_id] = decision
    return last


@register.filter
def decision_of(last: dict, startup_id: int):
    return last.get(startup_id)


@register.simple_tag
def next_sessions(startups) -> dict:
    """{startup id: the upcoming session it is on the agenda of} for these startups (the
    earliest): one query. That session is its next committee, whatever its due date said."""
    ids = [startup.pk for startup in startups]
    if not ids:
        return {}
    upcoming = Session.objects.upcoming(today=timezone.localdate())
    found = {}
    for review in (
        Review.objects.filter(startup_id__in=ids, session__in=upcoming)
        .select_related("session")
        .order_by("-session__starts_at")
    ):
        found[review.startup_id] = review.session
    return found


@register.simple_tag
def next_session(startup):
    return next_sessions([startup]).get(startup.pk)
