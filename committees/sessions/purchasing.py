"""The money after the decision: the purchasing team is told, then the order is tracked.

A decision that grants money tells the purchasing team of each funding organisation of its
round, in the decision's transaction and through the outbox (a broker outage loses nothing):
the startup, the amount and the organisation's share, the period, whether the budget is
provisional, when the order should leave and whether the order window is closing or closed.
An organisation without purchasing addresses is told by hand: the decision and the round say
so. Then the incubator's staff record the order ("bon de commande envoyé", with its
reference), the service done ("service fait") and the invoice ("facturé"), in that order; a
round a committee granted whose period has begun without an order is late.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.editing import StaleEdit, digest
from accounts.outbox import messages_post
from accounts.tasks import send_email
from startups.access import can_staff, staffed_startups
from startups.enums import FundingSource
from startups.models import Contribution, FundingRound
from startups.orders import order_deadline, order_window

from ..audit import audit
from ..enums import AuditAction
from ..models import Decision
from ..reports.reminders import absolute

# The order's steps, in order: each needs the one before.
ORDER_FIELDS = ("order_sent_on", "order_reference", "service_done_on", "invoiced_on")
NO_CONTACT = "aucun contact achats : prévenir le service des achats à la main"


def round_about(funding_round: FundingRound) -> str:
    """What the round's e-mails say they are about in the outbox (`accounts.outbox.waiting`)."""
    return f"round:{funding_round.pk}"


def funders(funding_round: FundingRound) -> list[dict]:
    """Each funder of the round (from its prefetched or fetched contributions): its name, its
    share and its purchasing addresses (none for a fund outside the organisations)."""
    rows = []
    for contribution in funding_round.contributions.all():
        organisation = contribution.organisation
        rows.append(
            {
                "name": organisation.name if organisation else contribution.funder,
                "organisation": organisation,
                "share": contribution.amount,
                "addresses": organisation.purchasing_addresses if organisation else [],
            }
        )
    return sorted(rows, key=lambda row: (row["name"].lower(), row["share"]))


def contributions_prefetch() -> Prefetch:
    return Prefetch(
        "contributions", Contribution.objects.select_related("organisation").order_by("id")
    )


def notice_context(decision: Decision, funding_round: FundingRound, *, today) -> dict:
    start = funding_round.start
    window = order_window(today)
    return {
        "decision": decision,
        "round": funding_round,
        "startup": funding_round.startup,
        "session": decision.review.session,
        "corrects": decision.corrects,
        "deadline": order_deadline(start=start, today=today),
        "window": window,
        "window_note": f" {window.message}" if window else "",
        "link": absolute(reverse("committees:funding-round", args=[funding_round.pk])),
    }


def purchasing_notify(*, decision: Decision, today: datetime.date) -> list[str]:
    """Tell the purchasing team of each funding organisation of the decision's round, in the
    caller's transaction (through the outbox); stamp the round and audit. The names of the
    funders left to tell by hand."""
    funding_round = decision.funding_round
    if funding_round is None or not funding_round.amount_granted:
        return []
    funding_round = FundingRound.objects.prefetch_related(contributions_prefetch()).get(
        pk=funding_round.pk
    )
    context = notice_context(decision, funding_round, today=today)
    subject = f"Financement accordé à {funding_round.startup.name} : bon de commande à préparer"
    if decision.corrects_id:
        subject = f"Correction : {subject}"
    emails, told, by_hand = [], [], []
    for funder in funders(funding_round):
        if not funder["addresses"]:
            by_hand.append(funder["name"])
            continue
        told.append(funder["name"])
        context |= {"funder": funder}
        emails.append(
            {
                "subject": subject,
                "message": render_to_string("committees/emails/purchasing_notice.txt", context),
                "html_message": render_to_string(
                    "committees/emails/purchasing_notice.html", context
                ),
                "recipient_list": funder["addresses"],
            }
        )
    messages_post(send_email, emails, about=round_about(funding_round))
    if emails:
        FundingRound.objects.filter(pk=funding_round.pk).update(
            purchasing_notified_at=timezone.now()
        )
    audit(
        action=AuditAction.PURCHASING_NOTIFIED,
        actor=decision.recorded_by,
        review=decision.review,
        funding_round=funding_round.pk,
        decision=decision.pk,
        told=told,
        by_hand=by_hand,
    )
    return by_hand


def purchasing_funders(funding_round: FundingRound) -> list[dict]:
    """The funders told of this round (none if its notice never went)."""
    if funding_round.purchasing_notified_at is None:
        return []
    return [funder for funder in funders(funding_round) if funder["addresses"]]


def purchasing_withdrawn(*, decision: Decision, funders: list[dict]) -> None:
    """A correction that grants nothing: the purchasing teams told of the corrected round
    learn that no order is to go out (through the outbox, in the caller's transaction)."""
    if not funders:
        return
    corrected = decision.corrects
    context = {
        "decision": decision,
        "startup": decision.review.startup,
        "session": decision.review.session,
        "corrects": corrected,
    }
    subject = f"Correction : plus de bon de commande pour {decision.review.startup.name}"
    messages_post(
        send_email,
        [
            {
                "subject": subject,
                "message": render_to_string(
                    "committees/emails/purchasing_withdrawn.txt", context | {"funder": funder}
                ),
                "html_message": render_to_string(
                    "committees/emails/purchasing_withdrawn.html", context | {"funder": funder}
                ),
                "recipient_list": funder["addresses"],
            }
            for funder in funders
        ],
        about=f"decision:{decision.pk}",
    )
    audit(
        action=AuditAction.PURCHASING_NOTIFIED,
        actor=decision.recorded_by,
        review=decision.review,
        decision=decision.pk,
        withdrawn=corrected.funding_round_id,
        told=[funder["name"] for funder in funders],
        by_hand=[],
    )


# Order tracking


def order_state(funding_round: FundingRound) -> tuple:
    return tuple(getattr(funding_round, name) for name in ORDER_FIELDS)


def order_loaded(funding_round: FundingRound) -> str:
    """What the order form carries: a digest of the order's steps as the page showed them."""
    return digest(order_state(funding_round))


@dataclass(frozen=True)
class OrderSteps:
    order_sent_on: datetime.date | None = None
    order_reference: str = ""
    service_done_on: datetime.date | None = None
    invoiced_on: datetime.date | None = None

    def validate(self, *, decided_on: datetime.date, today: datetime.date) -> "OrderSteps":
        errors: dict[str, str] = {}
        reference = self.order_reference.strip()
        if self.order_sent_on and not reference:
            errors["order_reference"] = "Indiquer la référence du bon de commande."
        if reference and not self.order_sent_on:
            errors["order_sent_on"] = "Indiquer la date d’envoi du bon de commande."
        if self.service_done_on and not self.order_sent_on:
            errors["service_done_on"] = "Le service fait suit l’envoi du bon de commande."
        if self.invoiced_on and not self.service_done_on:
            errors["invoiced_on"] = "La facture suit le service fait."
        steps = [("order_sent_on", self.order_sent_on)]
        steps += [("service_done_on", self.service_done_on), ("invoiced_on", self.invoiced_on)]
        previous = None
        for name, day in steps:
            if day is None or name in errors:
                continue
            if day > today:
                errors[name] = "Une date à venir ne s’enregistre pas : attendre ce jour."
            elif day < decided_on:
                errors[name] = (
                    f"Une date avant la décision ({decided_on:%d/%m/%Y}) n’est pas possible."
                )
            elif previous and day < previous:
                errors[name] = "Les étapes se suivent : cette date précède la précédente."
            previous = day
        if errors:
            raise ValidationError(errors)
        return OrderSteps(self.order_sent_on, reference, self.service_done_on, self.invoiced_on)


@transaction.atomic
def round_order_update(
    *,
    funding_round: FundingRound,
    steps: OrderSteps,
    loaded: str,
    by,
    today: datetime.date | None = None,
) -> list[str]:
    """The incubator's staff record the order's steps of a round a committee granted, as the
    page showed them (`loaded`): a save over someone else's is refused. The names of the fields
    changed, each audited."""
    today = today or timezone.localdate()
    if not can_staff(by, funding_round.startup):
        raise PermissionDenied("Réservé à l’équipe de l’incubateur de la startup.")
    locked = (
        FundingRound.objects.select_for_update(of=("self",))
        .select_related("decision__review__session__committee")
        .get(pk=funding_round.pk)
    )
    decision = getattr(locked, "decision", None)
    if locked.source != FundingSource.DECISION or decision is None:
        raise ValidationError("Le suivi de commande porte sur les financements d’un comité.")
    if not locked.amount_granted:
        raise ValidationError("Ce financement a été corrigé : suivre celui de la correction.")
    decided_on = timezone.localdate(decision.recorded_at)
    steps = steps.validate(decided_on=decided_on, today=today)
    wanted = order_state(steps)
    if order_state(locked) == wanted:
        return []  # already so (a second click): nothing to do
    if order_loaded(locked) != loaded:
        raise StaleEdit(
            "Le suivi de commande a changé depuis l’affichage de la page : rien n’est "
            "enregistré. Voici son état actuel ; refaire la modification si besoin."
        )
    changes = {
        name: [str(old or ""), str(new or "")]
        for name, old, new in zip(ORDER_FIELDS, order_state(locked), wanted, strict=True)
        if old != new
    }
    for name in changes:
        setattr(locked, name, getattr(steps, name))
    locked.save(update_fields=list(changes))
    audit(
        action=AuditAction.ORDER_CHANGED,
        actor=by,
        review=decision.review,
        funding_round=locked.pk,
        changes=changes,
    )
    for name in ORDER_FIELDS:
        setattr(funding_round, name, getattr(locked, name))
    return list(changes)


# Late orders


def late_orders(user, *, today: datetime.date) -> list[FundingRound]:
    """The rounds a committee granted whose period has begun without an order, of the startups
    of this person's incubators (every one for superusers), the longest late first; each with
    `days_late`. A fixed number of queries."""
    rounds = (
        FundingRound.objects.filter(
            FundingRound.late_order(today),
            startup__in=staffed_startups(user),
        )
        .select_related("startup__incubator", "decision__review__session__committee")
        .prefetch_related(contributions_prefetch())
        .order_by("start", "startup__name", "id")
    )
    rounds = list(rounds)
    for funding_round in rounds:
        funding_round.days_late = (today - funding_round.start).days
    return rounds
