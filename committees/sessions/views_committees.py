"""Committees: the list, one committee's members and rules, adding and removing members."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from accounts.editing import ConcurrentEdit, StaleEdit
from accounts.forms import EmailField
from startups.models import Organisation

from ..enums import MemberRole, SessionKind, SessionStatus
from ..models import Committee, CommitteeMember
from .services import committee_update, member_change, member_invite, member_remove
from .views import managed_committees, may_list, readable_committees


def get_committee_for(request, pk: int, *, to: str = "read") -> tuple[Committee, bool]:
    """The committee and whether this person manages it, if they may read it (or manage it)."""
    committee = get_object_or_404(
        Committee.objects.select_related("incubator", "organisation"), pk=pk
    )
    manager = managed_committees(request.user).filter(pk=pk).exists()
    if to == "manage" and not manager:
        raise PermissionDenied("Seuls l’incubateur et le secrétariat du comité le modifient.")
    if not manager and not readable_committees(request.user).filter(pk=pk).exists():
        raise PermissionDenied("Ce comité est réservé à ses membres et à son incubateur.")
    return committee, manager


def committees(request):
    if not may_list(request.user):
        raise PermissionDenied(
            "Les comités sont réservés à leurs membres et aux équipes des incubateurs."
        )
    found = readable_committees(request.user).select_related("incubator", "organisation")
    return render(request, "committees/committees.html", {"committees": found.order_by("name")})


class RulesForm(ConcurrentEdit, DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Committee
        fields = [
            "quorum",
            "majority",
            "secret_ballot",
            "report_lead_days",
            "proxies_allowed",
            "proxies_per_holder",
            "chair_votes_allowed",
        ]

    def clean_quorum(self):
        quorum = self.cleaned_data["quorum"]
        if quorum < 1:
            raise forms.ValidationError("Le quorum est d’au moins un membre votant.")
        return quorum

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proxies_per_holder"].required = False  # left empty: unchanged

    def clean_proxies_per_holder(self):
        count = self.cleaned_data["proxies_per_holder"]
        if count is None:
            return self.instance.proxies_per_holder
        if not 1 <= count <= 10:
            raise forms.ValidationError("Entre une et dix procurations par mandataire.")
        return count

    def clean_report_lead_days(self):
        days = self.cleaned_data["report_lead_days"]
        if days > 60:
            raise forms.ValidationError("Au plus 60 jours avant la séance.")
        return days


class MemberForm(DsfrBaseForm):
    email = EmailField(
        label="Adresse électronique",
        help_text="Sans compte Comité, la personne en reçoit un, avec une invitation par e-mail.",
        error_messages={
            "required": "Indiquez l’adresse de la personne.",
            "invalid": "Adresse électronique invalide.",
        },
    )
    # Most members added are sponsors' voting representatives; a committee has one chair.
    role = forms.ChoiceField(label="Rôle", choices=MemberRole.choices, initial=MemberRole.VOTER)
    organisation = forms.ModelChoiceField(
        label="Organisation représentée",
        queryset=Organisation.objects.all(),
        required=False,
        help_text="Pour un·e représentant·e de sponsor : propose son déport sur les startups "
        "de son organisation.",
    )


def committee_context(committee, manager, *, rules=None, member_form=None) -> dict:
    members = list(committee.members.select_related("user", "organisation"))
    context = {
        "committee": committee,
        "manager": manager,
        "members": members,
        "voters": sum(1 for member in members if member.votes),
        # The sessions to come, and the written procedures under way (opened in the past).
        "sessions": list(
            committee.sessions.filter(
                Q(starts_at__date__gte=timezone.localdate()) | Q(kind=SessionKind.WRITTEN)
            )
            .exclude(status__in=[SessionStatus.CLOSED, SessionStatus.CANCELLED])
            .order_by("starts_at")[:5]
        ),
        "roles": MemberRole.choices,
        "chair": False,  # the committee page says whether this person chairs it
    }
    if manager:
        context["rules_form"] = rules or RulesForm(instance=committee)
        context["member_form"] = member_form or MemberForm()
    return context


def committee(request, pk):
    committee, manager = get_committee_for(request, pk)
    context = committee_context(committee, manager)
    context["chair"] = any(
        m.role == MemberRole.CHAIR and m.user_id == request.user.pk for m in context["members"]
    )
    return render(request, "committees/committee.html", context)


@require_POST
def rules(request, pk):
    committee, manager = get_committee_for(request, pk, to="manage")
    form = RulesForm(request.POST, instance=Committee.objects.get(pk=pk))
    if not form.is_valid():
        context = committee_context(committee, manager, rules=form)
        return render(request, "committees/committee.html", context, status=422)
    rules = {name: form.cleaned_data[name] for name in RulesForm.Meta.fields}
    try:
        with transaction.atomic():
            form.claim(by=request.user)
            committee_update(committee=committee, **rules, by=request.user)
    except StaleEdit as stale:
        form.add_error(None, stale)
        context = committee_context(committee, manager, rules=form)
        return render(request, "committees/committee.html", context, status=409)
    except ValidationError as refused:
        form.add_error(None, refused)
        context = committee_context(committee, manager, rules=form)
        return render(request, "committees/committee.html", context, status=422)
    messages.success(request, "Règles du comité enregistrées.")
    return redirect("committees:committee", pk=pk)


@require_POST
def member_create(request, pk):
    committee, manager = get_committee_for(request, pk, to="manage")
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            member_invite(
                committee=committee,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
                by=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{form.cleaned_data['email']} ajouté·e au comité.")
            return redirect("committees:committee", pk=pk)
    context = committee_context(committee, manager, member_form=form)
    return render(request, "committees/committee.html", context, status=422)


def get_member(committee, member_pk) -> CommitteeMember:
    return get_object_or_404(committee.members.select_related("user"), pk=member_pk)


@require_POST
def member_role(request, pk, member_pk):
    committee, _ = get_committee_for(request, pk, to="manage")
    member = get_member(committee, member_pk)
    role = request.POST.get("role")
    if role not in MemberRole.values:
        messages.error(request, "Rôle inconnu.")
        return redirect("committees:committee", pk=pk)
    try:
        member_change(member=member, role=role, organisation=member.organisation, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{member.user.email} : {MemberRole(role).label}.")
    return redirect("committees:committee", pk=pk)


@require_POST
def member_delete(request, pk, member_pk):
    committee, _ = get_committee_for(request, pk, to="manage")
    member = get_member(committee, member_pk)
    try:
        member_remove(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{member.user.email} retiré·e du comité.")
    return redirect("committees:committee", pk=pk)
