"""After the vote: the chair records the decision on each agenda item, closes the session, and
the minutes ("relevé de décisions") go to the members and the teams.

Recording a decision is one transaction, everything or nothing: the next funding round with
its sponsors' contributions, the objectives for the next semester, the phase change, the
committee event on the startup's history, the startup's derived fields, the frozen snapshot of
what the decision was based on, the item marked decided and the audit trail. A decision is
recorded once; after the session is closed it is corrected by a new decision pointing to it,
never changed.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.outbox import messages_post
from accounts.tasks import send_email
from metrics.models import Metric, Objective
from startups import services as startup_services
from startups.dates import round_end
from startups.enums import FundingSource, Lifecycle
from startups.models import FundingRound, Startup, TeamMembership

from ..audit import audit
from ..enums import (
    GRID,
    AuditAction,
    DocumentKind,
    Outcome,
    ReviewStatus,
    SessionKind,
    SessionStatus,
)
from ..models import (
    Assessment,
    Conflict,
    Decision,
    Question,
    ReportVersion,
    Review,
    Session,
    Vote,
    round_trip,
)
from ..reports.prefill import report_prefill
from ..reports.reminders import absolute, session_label
from ..tasks import document_request
from .access import require_chair
from .proxies import session_proxies
from .purchasing import purchasing_funders, purchasing_notify, purchasing_withdrawn
from .voting import Tally, tally

DEFAULT_MONTHS = 6
PROVISIONAL_MONTHS = (1, 2)
MAX_OBJECTIVES = 3
# The next committee is due 45 days before the money of the new round runs out (DESIGN §1).
NEXT_COMMITTEE_BEFORE_END_DAYS = 45
CENT = Decimal("0.01")


def round_label(session: Session) -> str:
    return f"Décision du comité du {session.date:%d/%m/%Y}"


def current_round(startup: Startup) -> FundingRound | None:
    return startup.funding_rounds.order_by("-end", "-id").first()


def default_start(startup: Startup, session: Session) -> datetime.date:
    """The day after the current round ends, or the session date when no money is left."""
    last = current_round(startup)
    if last and last.end >= session.date:
        return last.end + datetime.timedelta(days=1)
    return session.date


def default_next_committee(start: datetime.date, months: int) -> datetime.date:
    return round_end(start, months) - datetime.timedelta(days=NEXT_COMMITTEE_BEFORE_END_DAYS)


def split_amount(amount: Decimal, startup: Startup) -> list[tuple[int, Decimal]]:
    """(organisation id, share) for each sponsor: in the proportions of the organisations'
    contributions to the startup's last round, else equally between its sponsors. Shares are
    rounded down to the cent and what is left goes to the first, so they add up exactly."""
    weights: dict[int, Decimal] = {}
    last = startup.funding_rounds.order_by("-start", "-id").first()
    if last:
        for contribution in last.contributions.filter(organisation__isnull=False).order_by("id"):
            weights[contribution.organisation_id] = (
                weights.get(contribution.organisation_id, Decimal(0)) + contribution.amount
            )
    if not weights or not sum(weights.values()):
        sponsors = startup.sponsors.order_by("name", "id").values_list("pk", flat=True)
        weights = dict.fromkeys(sponsors, Decimal(1))
    if not weights:
        return []
    total = sum(weights.values())
    shares = [
        (pk, (amount * weight / total).quantize(CENT, rounding=ROUND_DOWN))
        for pk, weight in weights.items()
    ]
    first, share = shares[0]
    shares[0] = (first, share + amount - sum(s for _, s in shares))
    return shares


def grid_averages(review: Review) -> list[dict]:
    """Each question of the grid with the members' average score (and how many scored it)."""
    scores: dict[str, list[int]] = {}
    for assessment in Assessment.objects.filter(review=review).order_by("id"):
        for key, value in assessment.scores.items():
            scores.setdefault(key, []).append(value)
    return [
        {
            "key": key,
            "question": label,
            "average": round(sum(scores[key]) / len(scores[key]), 2) if scores.get(key) else None,
            "count": len(scores.get(key, [])),
        }
        for key, label in GRID
    ]


def snapshot(review: Review, result: Tally, *, today: datetime.date) -> dict:
    """What the decision was based on, frozen: the figures, the report version, the grid, the
    tally."""
    startup = review.startup
    semester = review.semester
    version = (
        ReportVersion.objects.filter(
            report__startup=startup, report__semester=semester.key, submitted_at__isnull=False
        )
        .order_by("-number")
        .first()
    )
    return round_trip(
        {
            "figures": report_prefill(
                startup, semester=semester, today=today, decided_before=review.session.starts_at
            ),
            "report": {"semester": semester.key, "version": version.number if version else None},
            "grid": grid_averages(review),
            "tally": result.data(),
        }
    )


@dataclass(frozen=True)
class Terms:
    """The terms of a decision, as the chair typed them (`DecisionForm.terms()`), and once
    `validate()` has checked them against the agenda item and filled in the defaults."""

    outcome: str
    amount: Decimal | None = None
    months: int | None = None
    is_provisional: bool = False
    start: datetime.date | None = None
    conditions: str = ""
    reason: str = ""
    # (metric or its pk, target, due date) for each objective set for the next semester.
    objectives: tuple = ()
    phase_change: str = ""
    next_committee_on: datetime.date | None = None

    def __post_init__(self):
        object.__setattr__(self, "objectives", tuple(self.objectives or ()))

    @property
    def end(self) -> datetime.date | None:
        return round_end(self.start, self.months) if self.start and self.months else None

    def validate(
        self, *, review: Review, majority: str | None = None, correction: bool = False
    ) -> "Terms":
        """The terms checked for this agenda item, with the defaults filled in (a stop grants
        nothing and stops the startup), or a `ValidationError` by field. A decision that
        departs from the vote's `majority`, and any correction, says why."""
        if correction and not self.reason.strip():
            raise ValidationError({"reason": "Indiquer le motif de la correction."})
        if not correction and self.outcome != majority and not self.reason.strip():
            raise ValidationError(
                {"reason": "La décision s’écarte de la majorité du vote : indiquer le motif."}
            )
        if self.outcome not in Outcome.values:
            raise ValidationError({"outcome": "Choisir refinancer, ajuster ou arrêter."})
        errors: dict[str, str] = {}
        startup = review.startup
        if self.outcome == Outcome.STOP:
            checked = replace(
                self,
                amount=Decimal(0),
                months=None,
                start=None,
                is_provisional=False,
                phase_change=Lifecycle.STOPPED,
                next_committee_on=None,
            )
        else:
            if self.amount is None:
                errors["amount"] = "Indiquer le montant accordé."
            elif self.amount < 0:
                errors["amount"] = "Un montant ne peut pas être négatif."
            if self.is_provisional:
                months = self.months or max(PROVISIONAL_MONTHS)
                if months not in PROVISIONAL_MONTHS:
                    errors["months"] = "Un budget provisoire couvre un ou deux mois."
            else:
                months = self.months or DEFAULT_MONTHS
                if not 1 <= months <= 12:
                    errors["months"] = "Une durée va d’un à douze mois."
            start = self.start or default_start(startup, review.session)
            checked = replace(
                self,
                months=months,
                start=start,
                phase_change=self.phase_change or "",
                next_committee_on=self.next_committee_on
                or (default_next_committee(start, months) if not errors else None),
            )
        if checked.phase_change and checked.phase_change not in Lifecycle.values:
            errors["phase_change"] = "Choisir une phase de la liste."
        elif (
            checked.phase_change
            and checked.phase_change == startup.current_phase
            and checked.outcome != Outcome.STOP
        ):
            errors["phase_change"] = "La startup est déjà dans cette phase."
        if len(checked.objectives) > MAX_OBJECTIVES:
            errors["objectives"] = f"Au plus {MAX_OBJECTIVES} objectifs."
        metric_ids = set(Metric.objects.filter(startup=startup).values_list("pk", flat=True))
        for metric, _target, _due_on in checked.objectives:
            if getattr(metric, "pk", metric) not in metric_ids:
                errors["objectives"] = "Un objectif porte sur un indicateur de la startup."
        if errors:
            raise ValidationError(errors)
        return checked


def create_round(
    review: Review, terms: Terms, *, today: datetime.date, label: str = ""
) -> FundingRound:
    startup = review.startup
    label = label or round_label(review.session)
    if FundingRound.objects.filter(startup=startup, label=label).exists():
        label = f"{label} (passage {review.pk})"
    return startup_services.funding_round_create(
        startup=startup,
        label=label,
        source=FundingSource.DECISION,
        start=terms.start,
        end=terms.end,
        is_provisional=terms.is_provisional,
        amount_granted=terms.amount,
        # Split before the new round exists: the split follows the last round's funders.
        contributions=split_amount(terms.amount, startup),
        today=today,
    )


def create_objectives(decision: Decision, objectives: list, session: Session) -> None:
    created = [
        Objective.objects.create(
            metric_id=getattr(metric, "pk", metric),
            target=Decimal(target),
            due_on=due_on,
            comment=f"Fixé par le comité du {session.date:%d/%m/%Y}",
        )
        for metric, target, due_on in objectives
    ]
    decision.objectives.add(*created)


def event_comment(decision: Decision) -> str:
    text = f"{decision.get_outcome_display()}"
    if decision.outcome != Outcome.STOP:
        text += f" : {decision.amount:,.0f} € sur {decision.months} mois".replace(",", " ")
        if decision.is_provisional:
            text += " (budget provisoire)"
    if decision.conditions:
        text += f". Conditions : {decision.conditions}"
    return text


def apply_terms(
    review: Review, terms: Terms, decision: Decision, *, today: datetime.date
) -> Decision:
    """Everything a decision creates, in the caller's transaction; the startup's derived
    fields are refreshed once, at the end."""
    session = review.session
    startup = review.startup
    with startup_services.derived_refreshed_once(startup=startup, today=today):
        if terms.outcome != Outcome.STOP:
            decision.funding_round = create_round(review, terms, today=today)
        decision.save()
        if terms.objectives:
            create_objectives(decision, terms.objectives, session)
        if terms.phase_change:
            startup_services.phase_change(
                startup=startup,
                lifecycle=terms.phase_change,
                on=session.date,
                comment=f"Décision du comité du {session.date:%d/%m/%Y}",
                today=today,
            )
        startup_services.committee_event_record(
            startup=startup, on=session.date, comment=event_comment(decision), today=today
        )
    return decision


def decision_fields(terms: Terms, *, by) -> dict:
    return {
        "outcome": terms.outcome,
        "amount": terms.amount,
        "months": terms.months,
        "start": terms.start,
        "is_provisional": terms.is_provisional,
        "conditions": terms.conditions.strip(),
        "reason": terms.reason.strip(),
        "phase_change": terms.phase_change,
        "next_committee_on": terms.next_committee_on,
        "recorded_by": by if by is not None and by.is_authenticated else None,
    }


@transaction.atomic
def decision_record(
    *, review: Review, terms: Terms, by, today: datetime.date | None = None
) -> Decision:
    """The chair records the committee's decision on an item whose vote is closed, while the
    session is open. A decision that departs from the vote's majority says why."""
    today = today or timezone.localdate()
    require_chair(review.session, by, to="decide")
    locked = (
        Review.objects.select_for_update(of=("self",))
        .select_related("session__committee", "startup__incubator")
        .get(pk=review.pk)
    )
    if not locked.session.is_open:
        raise ValidationError("Les décisions s’enregistrent pendant la séance.")
    if locked.status == ReviewStatus.DECIDED or locked.decisions.exists():
        raise ValidationError("Ce passage a déjà sa décision : elle ne se modifie plus.")
    if locked.status != ReviewStatus.VOTED:
        raise ValidationError("La décision s’enregistre une fois le vote clos.")
    result = tally(locked)
    terms = terms.validate(review=locked, majority=result.outcome)
    decision = Decision(
        review=locked,
        snapshot=snapshot(locked, result, today=today),
        **decision_fields(terms, by=by),
    )
    apply_terms(locked, terms, decision, today=today)
    Review.objects.filter(pk=locked.pk).update(status=ReviewStatus.DECIDED)
    review.status = ReviewStatus.DECIDED
    audit(
        action=AuditAction.DECISION_RECORDED,
        actor=by,
        review=locked,
        decision=decision.pk,
        outcome=decision.outcome,
        amount=str(decision.amount),
        months=decision.months,
        majority=result.outcome or "",
    )
    purchasing_notify(decision=decision, today=today)
    return decision


@transaction.atomic
def decision_correct(
    *, decision: Decision, terms: Terms, by, today: datetime.date | None = None
) -> Decision:
    """A correction after the session is closed: a new decision pointing to the one it
    corrects (never changed), with its own round, objectives and phase change. The round of the
    corrected decision is brought to nothing (no money twice)."""
    today = today or timezone.localdate()
    require_chair(decision.review.session, by, to="decide")
    locked = Decision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
    review = Review.objects.select_related("session__committee", "startup").get(pk=locked.review_id)
    if not review.session.is_closed:
        raise ValidationError(
            "Une décision ne se corrige qu’une fois la séance close : elle est enregistrée une "
            "seule fois pendant la séance."
        )
    if Decision.objects.filter(corrects=locked).exists():
        raise ValidationError("Cette décision a déjà été corrigée : corriger la plus récente.")
    # The period of the corrected decision unless the correction says otherwise.
    terms = replace(terms, start=terms.start or locked.start)
    terms = terms.validate(review=review, correction=True)
    # Who was told of the corrected round, before its contributions go.
    told = purchasing_funders(locked.funding_round) if locked.funding_round_id else []
    if locked.funding_round_id:
        startup_services.funding_round_cancel(funding_round_id=locked.funding_round_id)
    correction = Decision(
        review=review,
        corrects=locked,
        snapshot=locked.snapshot,
        **decision_fields(terms, by=by),
    )
    with startup_services.derived_refreshed_once(startup=review.startup, today=today):
        if terms.outcome != Outcome.STOP:
            correction.funding_round = create_round(
                review,
                terms,
                today=today,
                label=f"{round_label(review.session)}, corrigée (n° {locked.pk})",
            )
        correction.save()
        if terms.objectives:
            create_objectives(correction, terms.objectives, review.session)
        if terms.phase_change:
            startup_services.phase_change(
                startup=review.startup,
                lifecycle=terms.phase_change,
                on=today,
                comment=f"Correction de la décision du comité du {review.session.date:%d/%m/%Y}",
                today=today,
            )
    audit(
        action=AuditAction.DECISION_CORRECTED,
        actor=by,
        review=review,
        decision=correction.pk,
        corrects=locked.pk,
        outcome=correction.outcome,
        amount=str(correction.amount),
        months=correction.months,
        reason=correction.reason,
    )
    if correction.funding_round_id and correction.amount:
        purchasing_notify(decision=correction, today=today)
    else:
        purchasing_withdrawn(decision=correction, funders=told)
    return correction


# Closing the session and its minutes


def undecided(session: Session) -> list[Review]:
    return list(
        session.reviews.exclude(status=ReviewStatus.DECIDED)
        .select_related("startup")
        .order_by("position", "id")
    )


@transaction.atomic
def session_close(*, session: Session, by) -> Session:
    """The chair closes the session once every item is decided; the minutes go out by e-mail
    to the members and to the teams on the agenda once the transaction commits."""
    require_chair(session, by, to="decide")
    locked = (
        Session.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=session.pk)
    )
    locked.check_move(SessionStatus.CLOSED)
    if pending := undecided(locked):
        names = ", ".join(review.startup.name for review in pending)
        raise ValidationError(f"Ces passages n’ont pas encore de décision : {names}.")
    locked.move(SessionStatus.CLOSED)
    session.status, session.closed_at = locked.status, locked.closed_at
    audit(action=AuditAction.SESSION_CLOSED, actor=by, session=locked)
    messages_post(send_email, minutes_emails(locked), about=locked.outbox_about)
    # The record and the final pack (grid scores and decisions), without the restricted mark.
    for kind in (DocumentKind.MINUTES, DocumentKind.PACK):
        document_request(session=locked, kind=kind, by=by)
    return locked


def decisions_prefetch() -> Prefetch:
    return Prefetch(
        "decisions",
        Decision.objects.select_related("funding_round", "corrects")
        .prefetch_related(
            Prefetch("objectives", Objective.objects.select_related("metric").order_by("due_on"))
        )
        .order_by("recorded_at", "id"),
    )


class Item:
    """One agenda item in the minutes: its decision (the last correction if any), the
    decisions it corrects, the tally frozen with it and, when the ballot is named, the votes."""

    def __init__(self, review: Review, *, votes: bool = True):
        self.review = review
        self.secret = review.is_secret
        self.startup = review.startup
        decisions = list(review.decisions.all())
        self.decision = decisions[-1] if decisions else None
        self.history = decisions[:-1]
        first = decisions[0] if decisions else None
        self.tally = (first.snapshot or {}).get("tally") if first else review.tally
        self.votes = list(review.votes.all()) if votes and not self.secret else []
        self.conflicts = list(review.conflicts.all())
        self.questions = list(review.questions.all())

    @property
    def quorum_missing(self) -> bool:
        """A written procedure decides only if at least the quorum fixed at opening voted."""
        if self.review.session.kind != SessionKind.WRITTEN or not self.tally:
            return False
        return sum(self.tally.get("counts", {}).values()) < (self.review.quorum or 0)

    @property
    def tally_rows(self) -> list[tuple[str, int]]:
        counts = (self.tally or {}).get("counts", {})
        return [(label, counts.get(value, 0)) for value, label in Outcome.choices]

    @property
    def end(self) -> datetime.date | None:
        decision = self.decision
        if decision and decision.start and decision.months:
            return round_end(decision.start, decision.months)
        return None


def questions_prefetch() -> Prefetch:
    """The members' questions to the team and its answers, part of the record."""
    return Prefetch(
        "questions",
        Question.objects.select_related("author__user", "answered_by").order_by("asked_at", "id"),
    )


def minutes(session: Session) -> dict:
    """The minutes' content: attendance and each item (a fixed number of queries)."""
    votes = Prefetch(
        "votes", Vote.objects.select_related("member__user", "cast_by__user").order_by("id")
    )
    conflicts = Prefetch(
        "conflicts", Conflict.objects.select_related("member__user").order_by("declared_at", "id")
    )
    reviews = (
        session.reviews.select_related("startup")
        .prefetch_related(decisions_prefetch(), votes, conflicts, questions_prefetch())
        .order_by("position", "id")
    )
    attendances = session.attendances.select_related("member__user").order_by(
        "member__role", "member__user__last_name", "id"
    )
    items = [Item(review) for review in reviews]
    return {
        "session": session,
        "committee": session.committee,
        "present": [a.member for a in attendances if a.present],
        "absent": [a.member for a in attendances if not a.present],
        "items": items,
        "questions_asked": any(item.questions for item in items),
        "proxies": session_proxies(session),
    }


def minutes_emails(session: Session) -> list[dict]:
    """The keyword arguments of `send_email` for the minutes: the members, then each team."""
    context = minutes(session) | {
        "session_on": session_label(session),
        "link": absolute(reverse("committees:session-minutes", args=[session.pk])),
    }
    subject = f"Relevé de décisions : {session.committee.name}, {session_label(session)}"
    members = sorted(
        session.committee.members.filter(user__is_active=True).values_list("user__email", flat=True)
    )
    teams: dict[int, set[str]] = {}
    for startup_id, email in TeamMembership.objects.filter(
        startup__reviews__session=session, user__is_active=True
    ).values_list("startup_id", "user__email"):
        teams.setdefault(startup_id, set()).add(email)
    return [
        {
            "subject": subject,
            "message": render_to_string("committees/emails/minutes.txt", context),
            "html_message": render_to_string("committees/emails/minutes.html", context),
            "recipient_list": recipients,
        }
        for recipients in [members, *(sorted(team - set(members)) for team in teams.values())]
        if recipients
    ]
