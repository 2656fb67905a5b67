"""Proxies on the session's page: a voting member gives theirs ("Je ne pourrai pas venir : je
donne procuration à …"), the chair and the managers record one for any voting member; each is
withdrawn until the session opens."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from ..enums import VOTING_ROLES
from ..models import CommitteeMember, Proxy
from .access import get_session_for
from .proxies import (
    OPEN_TO_PROXIES,
    RECORDERS,
    may_record,
    name,
    proxy_give,
    proxy_withdraw,
    session_proxies,
)

CHOOSE_MEMBER = {
    "required": "Choisir un membre votant du comité.",
    "invalid_choice": "Choisir un membre votant du comité.",
}


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return name(obj)


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"Le seul passage de {obj.startup.name}"


class ProxyForm(DsfrBaseForm):
    giver = MemberChoiceField(
        label="Membre qui donne procuration", queryset=None, error_messages=CHOOSE_MEMBER
    )
    holder = MemberChoiceField(
        label="Mandataire",
        help_text="Le membre votant qui votera en son nom.",
        queryset=None,
        error_messages=CHOOSE_MEMBER,
    )
    review = ItemChoiceField(
        label="Pour",
        queryset=None,
        required=False,
        empty_label="Toute la séance",
        error_messages={"invalid_choice": "Choisir un passage de l’ordre du jour."},
    )

    def __init__(self, *args, session, roles, **kwargs):
        super().__init__(*args, prefix="procuration", **kwargs)
        voting = (
            CommitteeMember.objects.filter(committee_id=session.committee_id, role__in=VOTING_ROLES)
            .select_related("user")
            .order_by("user__last_name", "id")
        )
        self.fields["giver"].queryset = voting
        self.fields["holder"].queryset = voting
        reviews = session.reviews.select_related("startup").order_by("position", "id")
        self.fields["review"].queryset = reviews
        # A voting member gives their own; the chair and the managers record anyone's.
        self.own = None if roles.manager or roles.chair else roles.member
        if self.own is not None:
            del self.fields["giver"]
            self.fields["holder"].label = "Je ne pourrai pas venir : je donne procuration à"
            self.fields["holder"].queryset = voting.exclude(pk=self.own.pk)
            self._bound_fields_cache.pop("holder", None)  # its label changed

    @property
    def given_by(self) -> CommitteeMember:
        return self.own or self.cleaned_data["giver"]


def proxies_context(session, roles, form=None) -> dict:
    """The proxies' part of the session's page: nothing unless the committee allows them (or a
    refusal is to be shown)."""
    if not session.committee.proxies_allowed and form is None:
        return {"proxies_shown": False}
    proxies = session_proxies(session)
    before = session.status in OPEN_TO_PROXIES
    for proxy in proxies:
        proxy.withdrawable = before and may_record(roles, proxy.giver)
    if form is None and before and may_record(roles):
        form = ProxyForm(session=session, roles=roles)
    return {"proxies_shown": True, "proxies": proxies, "proxy_form": form}


def refused(form, error: ValidationError) -> None:
    """The service's refusal next to its field (the form's top for the others)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def session_page(session) -> str:
    return reverse("committees:session", args=[session.pk]) + "#procurations"


@require_POST
def give(request, pk):
    session, roles = get_session_for(request, pk)
    if not may_record(roles):
        raise PermissionDenied(RECORDERS)
    form = ProxyForm(request.POST, session=session, roles=roles)
    if form.is_valid():
        giver, holder = form.given_by, form.cleaned_data["holder"]
        try:
            proxy_give(
                session=session,
                giver=giver,
                holder=holder,
                review=form.cleaned_data["review"],
                by=request.user,
            )
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, f"Procuration enregistrée : {name(giver)} → {name(holder)}.")
            return redirect(session_page(session))
    from .views import session_context  # the page this form is part of (which imports this)

    context = session_context(request, session, roles) | proxies_context(session, roles, form)
    return render(request, "committees/session.html", context, status=422)


@require_POST
def withdraw(request, pk, proxy_pk):
    session, roles = get_session_for(request, pk)
    if not may_record(roles):
        raise PermissionDenied(RECORDERS)
    proxy = get_object_or_404(
        Proxy.objects.select_related("giver__user", "holder__user", "review"),
        session=session,
        pk=proxy_pk,
    )
    proxy.session = session
    try:
        proxy_withdraw(proxy=proxy, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Procuration retirée : {name(proxy.giver)} → {name(proxy.holder)}."
        )
    return redirect(session_page(session))
