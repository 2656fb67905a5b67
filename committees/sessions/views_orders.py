"""The money after the decision: a sponsor's purchasing addresses, a round's page with its
order's steps, and the late orders of the staff's incubators."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from dsfr.forms import DsfrBaseForm

from accounts.editing import StaleEdit
from startups.access import (
    can_read,
    can_staff,
    get_organisation_for_purchasing,
)
from startups.enums import FundingSource
from startups.models import FundingRound, IncubatorStaff
from startups.orders import (
    order_deadline,
    order_window,
    purchasing_emails_loaded,
    purchasing_emails_set,
)

from .purchasing import (
    NO_CONTACT,
    OrderSteps,
    contributions_prefetch,
    funders,
    late_orders,
    order_loaded,
    round_order_update,
)
from .views_decisions import add_errors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PurchasingForm(DsfrBaseForm):
    purchasing_emails = forms.CharField(
        label="Adresses du service des achats",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une adresse par ligne. Elles reçoivent l’avis de chaque décision d’un comité "
        "qui accorde un financement à une startup de ce sponsor.",
    )
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)


def saved_addresses(organisation) -> dict:
    """The form's values for the addresses as they are saved now."""
    return {
        "purchasing_emails": organisation.purchasing_emails,
        "loaded": purchasing_emails_loaded(organisation),
    }


@require_http_methods(["GET", "POST"])
def purchasing_contacts(request, slug):
    """The purchasing addresses of a sponsor, set by the staff of an incubator following one
    of its startups (and superusers)."""
    organisation = get_organisation_for_purchasing(request, slug)
    form = PurchasingForm(request.POST or None, initial=saved_addresses(organisation))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            purchasing_emails_set(
                organisation=organisation,
                text=form.cleaned_data["purchasing_emails"],
                loaded=form.cleaned_data["loaded"],
            )
        except StaleEdit as stale:
            # The form shows the addresses as they are now, with the refusal.
            organisation.refresh_from_db()
            form = PurchasingForm(saved_addresses(organisation))
            form.full_clean()
            form.add_error(None, stale)
            status = 409
        except ValidationError as error:
            add_errors(form, error)
            status = 400
        else:
            messages.success(request, f"Contacts achats de {organisation.name} enregistrés.")
            return redirect("startups:sponsor", slug=organisation.slug)
    context = {"organisation": organisation, "form": form}
    return render(request, "committees/purchasing_contacts.html", context, status=status)


class OrderForm(DsfrBaseForm):
    order_sent_on = forms.DateField(label="Bon de commande envoyé le", required=False, widget=DATE)
    order_reference = forms.CharField(
        label="Référence du bon de commande", required=False, max_length=100
    )
    service_done_on = forms.DateField(label="Service fait le", required=False, widget=DATE)
    invoiced_on = forms.DateField(label="Facturé le", required=False, widget=DATE)
    loaded = forms.CharField(widget=forms.HiddenInput, required=False)

    def steps(self) -> OrderSteps:
        data = self.cleaned_data
        return OrderSteps(
            order_sent_on=data["order_sent_on"],
            order_reference=data["order_reference"],
            service_done_on=data["service_done_on"],
            invoiced_on=data["invoiced_on"],
        )


def order_values(funding_round: FundingRound) -> dict:
    return {
        "order_sent_on": funding_round.order_sent_on,
        "order_reference": funding_round.order_reference,
        "service_done_on": funding_round.service_done_on,
        "invoiced_on": funding_round.invoiced_on,
        "loaded": order_loaded(funding_round),
    }


def order_form(funding_round: FundingRound, data=None) -> OrderForm:
    return OrderForm(data, initial=order_values(funding_round))


def get_round_for(request, pk: int) -> FundingRound:
    """A round a committee granted, for the readers of its startup, or 404 / 403."""
    funding_round = get_object_or_404(
        FundingRound.objects.select_related(
            "startup", "decision__review__session__committee"
        ).prefetch_related(contributions_prefetch()),
        pk=pk,
        source=FundingSource.DECISION,
    )
    if not can_read(request.user, funding_round.startup):
        raise PermissionDenied(
            "Ce financement est réservé à l’équipe, à l’incubateur et aux sponsors."
        )
    return funding_round


@require_http_methods(["GET", "POST"])
def funding_round(request, pk):
    """A round a committee granted: its funders, whether their purchasing team was told, the
    order's steps (recorded by the incubator's staff) and whether the order is late."""
    funding_round = get_round_for(request, pk)
    staff = can_staff(request.user, funding_round.startup)
    if request.method == "POST" and not staff:
        raise PermissionDenied("Seule l’équipe de l’incubateur suit la commande.")
    today = timezone.localdate()
    form = order_form(funding_round, request.POST or None) if staff else None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            changed = round_order_update(
                funding_round=funding_round,
                steps=form.steps(),
                loaded=form.cleaned_data["loaded"],
                by=request.user,
                today=today,
            )
        except StaleEdit as stale:
            # The form shows the round as it is now, with the refusal.
            funding_round.refresh_from_db()
            current = {k: v or "" for k, v in order_values(funding_round).items()}
            form = order_form(funding_round, current)
            form.full_clean()
            form.add_error(None, stale)
            status = 409
        except ValidationError as error:
            add_errors(form, error)
            status = 400
        else:
            messages.success(
                request,
                "Suivi de commande enregistré." if changed else "Rien n’a changé.",
            )
            return redirect("committees:funding-round", pk=funding_round.pk)
    elif request.method == "POST":
        status = 400
    late = funding_round.order_is_late(today)
    context = {
        "round": funding_round,
        "startup": funding_round.startup,
        "decision": getattr(funding_round, "decision", None),
        "funders": funders(funding_round),
        "no_contact": NO_CONTACT,
        "form": form,
        "late": late,
        "days_late": (today - funding_round.start).days if late else None,
        "deadline": order_deadline(start=funding_round.start, today=today),
        "window": order_window(today) if funding_round.order_sent_on is None else None,
    }
    return render(request, "committees/funding_round.html", context, status=status)


def late_orders_list(request):
    """The committee-granted rounds of the staff's incubators whose order is late."""
    user = request.user
    if not (user.is_superuser or IncubatorStaff.objects.filter(user=user).exists()):
        raise PermissionDenied("Réservé aux équipes des incubateurs.")
    today = timezone.localdate()
    context = {"rounds": late_orders(user, today=today), "today": today}
    return render(request, "committees/late_orders.html", context)
