"""The chair's decision form, closing the session, the minutes, and the decisions exports (staff)
and open data (everyone, for the startups whose public page is opted in)."""

import csv
import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits
from accounts.outbox import announce
from metrics.csv_import import csv_cell
from metrics.models import Metric
from startups.dates import round_end
from startups.enums import Lifecycle
from startups.models import FundingRound, Incubator, Organisation
from startups.orders import order_window

from ..enums import Majority, Outcome, ReviewStatus, SessionStatus
from ..models import Decision
from .access import get_session_for
from .decisions import (
    DEFAULT_MONTHS,
    MAX_OBJECTIVES,
    Terms,
    decision_correct,
    decision_record,
    default_next_committee,
    default_start,
    minutes,
    session_close,
)
from .purchasing import NO_CONTACT, contributions_prefetch, funders
from .voting import tally

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionForm(TextLimits, DsfrBaseForm):
    outcome = forms.ChoiceField(label="Décision", choices=Outcome.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label="Montant accordé (€)", min_value=0, max_digits=12, decimal_places=2, required=False
    )
    months = forms.IntegerField(
        label="Durée (mois)",
        min_value=1,
        max_value=12,
        required=False,
        help_text="Six mois par défaut ; un ou deux mois pour un budget provisoire.",
    )
    is_provisional = forms.BooleanField(
        label="Budget provisoire, dans l’attente d’éléments", required=False
    )
    start = forms.DateField(
        label="Début de la période",
        required=False,
        widget=DATE,
        help_text="Par défaut, le lendemain de la fin du tour en cours.",
    )
    conditions = forms.CharField(
        label="Conditions",
        required=False,
        max_length=limits.LONG,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label="Motif",
        required=False,
        max_length=limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire quand la décision s’écarte de la majorité du vote.",
    )
    phase_change = forms.ChoiceField(
        label="Changement de phase",
        required=False,
        choices=[("", "Pas de changement de phase")] + Lifecycle.choices,
    )
    next_committee_on = forms.DateField(
        label="Prochain comité au plus tard le",
        required=False,
        widget=DATE,
        help_text="Par défaut, 45 jours avant la fin du nouveau tour.",
    )

    def __init__(self, *args, startup, **kwargs):
        super().__init__(*args, **kwargs)
        metrics = Metric.objects.filter(startup=startup).order_by("label")
        for n in range(1, MAX_OBJECTIVES + 1):
            self.fields[f"objective_{n}_metric"] = forms.ModelChoiceField(
                label=f"Objectif {n} : indicateur",
                queryset=metrics,
                required=False,
                empty_label="Aucun",
            )
            self.fields[f"objective_{n}_target"] = forms.DecimalField(
                label=f"Objectif {n} : cible", max_digits=16, decimal_places=4, required=False
            )
            self.fields[f"objective_{n}_due_on"] = forms.DateField(
                label=f"Objectif {n} : échéance", required=False, widget=DATE
            )

    @property
    def objective_rows(self):
        return [
            [self[f"objective_{n}_{part}"] for part in ("metric", "target", "due_on")]
            for n in range(1, MAX_OBJECTIVES + 1)
        ]

    def clean(self):
        data = super().clean()
        self.objectives = []
        for n in range(1, MAX_OBJECTIVES + 1):
            names = [f"objective_{n}_{part}" for part in ("metric", "target", "due_on")]
            values = [data.get(name) for name in names]
            if all(v is None for v in values):
                continue
            for name, value in zip(names, values, strict=True):
                if value is None and name not in self.errors:
                    self.add_error(name, "Compléter l’objectif : indicateur, cible et échéance.")
            if all(v is not None for v in values):
                self.objectives.append(tuple(values))
        if (
            data.get("outcome") in (Outcome.REFINANCE, Outcome.ADJUST)
            and data.get("amount") is None
        ):
            self.add_error("amount", "Indiquer le montant accordé.")
        return data

    def terms(self) -> Terms:
        """The terms typed, for the service to check (`Terms.validate`)."""
        data = self.cleaned_data
        fields = ["outcome", "amount", "months", "is_provisional", "start", "conditions"]
        fields += ["reason", "phase_change", "next_committee_on"]
        return Terms(**{name: data[name] for name in fields}, objectives=self.objectives)


def add_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def session_page(session) -> str:
    """Where the chair goes back to: the live page, else the session page, else the minutes."""
    for name in ("committees:session-live", "committees:session"):
        try:
            return reverse(name, args=[session.pk])
        except NoReverseMatch:
            continue
    return reverse("committees:session-minutes", args=[session.pk])


def initial_values(review, result) -> dict:
    months = result.median_months or review.requested_months or DEFAULT_MONTHS
    start = default_start(review.startup, review.session)
    amount = result.median_amount if result.median_amount is not None else review.requested_amount
    if amount is not None and amount == amount.to_integral_value():
        amount = amount.quantize(Decimal(1))  # 240000, not 240000.00
    return {
        "outcome": result.outcome,
        "amount": amount,
        "months": months,
        "start": start,
        "next_committee_on": default_next_committee(start, months),
    }


def purchasing_context(decision, *, decidable: bool) -> dict:
    """The order window's warning and the funders to tell by hand: for the decision in force
    when it grants money (its window as of the day it was recorded), else for the form."""
    if decision is not None and decision.funding_round_id and decision.amount:
        funding_round = (
            FundingRound.objects.prefetch_related(contributions_prefetch())
            .filter(pk=decision.funding_round_id)
            .first()
        )
        return {
            "window": order_window(timezone.localdate(decision.recorded_at)),
            "funding_round": funding_round,
            "by_hand": [f["name"] for f in funders(funding_round) if not f["addresses"]],
            "no_contact": NO_CONTACT,
        }
    window = order_window(timezone.localdate()) if decidable else None
    return {"window": window, "funding_round": None, "by_hand": [], "no_contact": NO_CONTACT}


def purchasing_warnings(decision) -> list[str]:
    """What the chair is told once a decision granting money is recorded."""
    context = purchasing_context(decision, decidable=False)
    warnings = [context["window"].message] if context["window"] else []
    if context["by_hand"]:
        names = ", ".join(context["by_hand"])
        warnings.append(f"{names} : {NO_CONTACT}.")
    return warnings


def review_decide(request, pk, review_pk):
    """The chair's decision on one item whose vote is closed: the vote's majority pre-selected.
    Once the session is closed, the same form records a correction (a new decision, with its
    reason) of the decision in force."""
    session, _ = get_session_for(request, pk, to="chair")
    review = get_object_or_404(session.reviews.select_related("startup__incubator"), pk=review_pk)
    review.session = session
    result = tally(review)
    form = DecisionForm(
        request.POST or None, startup=review.startup, initial=initial_values(review, result)
    )
    current = review.decisions.order_by("recorded_at").last()
    correcting = session.is_closed and current is not None
    decidable = correcting or (session.is_open and review.status == ReviewStatus.VOTED)
    if request.method == "POST" and decidable and form.is_valid():
        try:
            if correcting:
                decision = decision_correct(decision=current, terms=form.terms(), by=request.user)
            else:
                decision = decision_record(review=review, terms=form.terms(), by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                f"Décision enregistrée pour {review.startup.name} : "
                f"{decision.get_outcome_display()}.",
            )
            for warning in purchasing_warnings(decision):
                messages.warning(request, warning)
            return redirect(session_page(session))
    context = {
        "session": session,
        "review": review,
        "tally": result,
        "majority_label": Majority(result.majority).label,
        "form": form,
        "decidable": decidable,
        "correcting": correcting,
        "decision": current,
        "back": session_page(session),
    } | purchasing_context(None if correcting else current, decidable=decidable)
    return render(request, "committees/decision_form.html", context)


@require_POST
def close(request, pk):
    session, _ = get_session_for(request, pk, to="chair")
    try:
        session_close(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(session_page(session))
    done = "Séance close : le relevé de décisions est envoyé par courriel."
    announce(request, about=session.outbox_about, done=done)
    return redirect("committees:session-minutes", pk=session.pk)


def session_minutes(request, pk):
    """The minutes ("relevé de décisions"), printable."""
    session, roles = get_session_for(request, pk, to="read")
    context = minutes(session) | {
        "roles": roles,
        "can_close": roles.chair and session.is_open,
        "back": session_page(session),
    }
    return render(request, "committees/minutes.html", context)


# Exports

FIELDS = [
    "startup",
    "startup_slug",
    "incubator",
    "committee",
    "session_date",
    "outcome",
    "outcome_label",
    "amount",
    "start",
    "end",
    "months",
    "provisional",
    "sponsors",
]


def decision_rows(decisions) -> list[dict]:
    rows = []
    for decision in decisions:
        startup = decision.review.startup
        end = (
            round_end(decision.start, decision.months)
            if decision.start and decision.months
            else None
        )
        rows.append(
            {
                "startup": startup.name,
                "startup_slug": startup.slug,
                "incubator": startup.incubator.title,
                "committee": decision.review.session.committee.name,
                "session_date": decision.review.session.date,
                "outcome": decision.outcome,
                "outcome_label": decision.get_outcome_display(),
                "amount": decision.amount,
                "start": decision.start,
                "end": end,
                "months": decision.months,
                "provisional": decision.is_provisional,
                "sponsors": [s.name for s in startup.sponsors.all()],
            }
        )
    return rows


def date_parameter(request, name: str) -> datetime.date | None:
    """The date of the URL's parameter `name` (AAAA-MM-JJ), None when absent; an impossible
    date (2026-02-30) is refused with its reason rather than ignored."""
    text = request.GET.get(name, "")
    try:
        return parse_date(text) if text else None
    except ValueError:
        raise BadRequest(f"« {text[:20]} » n’est pas une date qui existe ({name}).") from None


def filtered_decisions(request, decisions):
    """The decisions in force (not corrected since), filtered by the URL: `du`, `au` (session
    dates, YYYY-MM-DD) and `incubateur` (slug)."""
    decisions = (
        decisions.filter(correction__isnull=True)
        .select_related("review__session__committee", "review__startup__incubator")
        .prefetch_related(
            Prefetch(
                "review__startup__sponsors", Organisation.objects.only("name").order_by("name")
            )
        )
        .order_by("review__session__starts_at", "review__position", "id")
    )
    if since := date_parameter(request, "du"):
        decisions = decisions.filter(review__session__starts_at__date__gte=since)
    if until := date_parameter(request, "au"):
        decisions = decisions.filter(review__session__starts_at__date__lte=until)
    if incubator := request.GET.get("incubateur"):
        decisions = decisions.filter(review__startup__incubator__slug=incubator)
    return decision_rows(decisions)


def staff_decisions(request):
    user = request.user
    if user.is_superuser:
        return Decision.objects.all()
    incubators = Incubator.objects.filter(staff__user=user)
    if not incubators.exists():
        raise PermissionDenied("L’export des décisions est réservé aux équipes des incubateurs.")
    return Decision.objects.filter(review__startup__incubator__in=incubators)


def json_response(rows: list[dict]) -> JsonResponse:
    return JsonResponse(
        {"generated_at": timezone.now(), "decisions": rows},
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False},
    )


def export_csv(request):
    rows = filtered_decisions(request, staff_decisions(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="decisions.csv"'
    writer = csv.DictWriter(response, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows:
        row |= {
            "sponsors": " | ".join(row["sponsors"]),
            "provisional": "oui" if row["provisional"] else "non",
            "amount": f"{row['amount']:.2f}",
        }
        writer.writerow({name: csv_cell(value) for name, value in row.items()})
    return response


def export_json(request):
    return json_response(filtered_decisions(request, staff_decisions(request)))


@login_not_required
def open_data(request):
    """The decisions on the startups whose public page is opted in, for everyone, once their
    session is closed (a decision may still be corrected while it sits)."""
    public = Decision.objects.filter(
        review__startup__public_page=True, review__session__status=SessionStatus.CLOSED
    )
    return json_response(filtered_decisions(request, public))
