"""Who is in: a startup's team and its sponsors' representatives, an incubator's staff. Their
incubator's staff invite people by e-mail, see who has not signed in yet, send the invitation
again and end memberships (`startups.invitations`)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from accounts.models import Invitation

from . import invitations
from .access import get_incubator_for_staff, get_startup_for_staff
from .enums import TeamRole
from .models import Organisation, SponsorRepresentative

EMAIL = {
    "label": "Adresse électronique",
    "max_length": 254,
    "error_messages": {
        "required": "Indiquez l’adresse de la personne.",
        "invalid": "Adresse électronique invalide.",
    },
}


class InviteForm(DsfrBaseForm):
    email = forms.EmailField(**EMAIL)


class TeamInviteForm(InviteForm):
    role = forms.ChoiceField(label="Rôle dans l’équipe", choices=TeamRole.choices)


class SponsorInviteForm(InviteForm):
    organisation = forms.ModelChoiceField(
        label="Sponsor représenté",
        queryset=Organisation.objects.none(),
        error_messages={
            "required": "Choisissez le sponsor.",
            "invalid_choice": "Ce sponsor ne finance pas la startup.",
        },
    )

    prefix = "sponsor"  # beside the team form on the page: ids of its own

    def __init__(self, *args, startup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = startup.sponsors.order_by("name")


def with_invitations(memberships, *, label, url) -> list:
    """The memberships as the page lists them: each with its person's last invitation
    (`invitation`, or None), what its second column says (`label(m)`) and where its buttons
    post (`url(m)`)."""
    memberships = list(memberships)
    last = {}
    for invitation in Invitation.objects.filter(
        user__in=[m.user_id for m in memberships]
    ).select_related("invited_by"):
        last.setdefault(invitation.user_id, invitation)  # newest first
    for membership in memberships:
        membership.invitation = last.get(membership.user_id)
        membership.label = label(membership)
        membership.action_url = url(membership)
    return memberships


def team_context(startup, *, team_form=None, sponsor_form=None) -> dict:
    def url(kind):
        return lambda m: reverse("startups:team-membership", args=[startup.slug, kind, m.pk])

    return {
        "startup": startup,
        "team": with_invitations(
            startup.memberships.select_related("user").order_by("user__last_name", "user__email"),
            label=lambda m: m.get_role_display(),
            url=url("equipe"),
        ),
        "representatives": with_invitations(
            SponsorRepresentative.objects.filter(organisation__in=startup.sponsors.all())
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__last_name", "user__email"),
            label=lambda m: m.organisation,
            url=url("sponsor"),
        ),
        "team_form": team_form or TeamInviteForm(),
        "sponsor_form": sponsor_form or SponsorInviteForm(startup=startup),
    }


def refused(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def team(request, slug):
    """GET: the page; POST: invite a team member."""
    startup = get_startup_for_staff(request, slug)
    if request.method != "POST":
        return render(request, "startups/team.html", team_context(startup))
    form = TeamInviteForm(request.POST)
    if form.is_valid():
        try:
            invitations.team_invite(startup=startup, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
            return redirect("startups:team", slug=slug)
    return render(request, "startups/team.html", team_context(startup, team_form=form), status=422)


@require_POST
def sponsor_invite(request, slug):
    startup = get_startup_for_staff(request, slug)
    form = SponsorInviteForm(request.POST, startup=startup)
    if form.is_valid():
        try:
            invitations.sponsor_invite(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
            return redirect("startups:team", slug=slug)
    context = team_context(startup, sponsor_form=form)
    return render(request, "startups/team.html", context, status=422)


def startup_membership(startup, kind: str, pk: int):
    """One of the page's memberships: a team member, or a representative of a sponsor of it."""
    if kind == "equipe":
        return get_object_or_404(startup.memberships.select_related("user", "startup"), pk=pk)
    if kind != "sponsor":
        raise Http404
    return get_object_or_404(
        SponsorRepresentative.objects.select_related("user", "organisation").filter(
            organisation__in=startup.sponsors.all()
        ),
        pk=pk,
    )


def membership_action(request, membership, back):
    """Resend the invitation or end the membership, as the POST asks."""
    if request.POST.get("action") == "retirer":
        membership.delete()
        messages.success(request, f"{membership.user} n’en fait plus partie.")
        return redirect(back)
    try:
        invitations.invitation_resend(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Invitation renvoyée à {membership.user.email}.")
    return redirect(back)


@require_POST
def team_membership(request, slug, kind, pk):
    startup = get_startup_for_staff(request, slug)
    membership = startup_membership(startup, kind, pk)
    return membership_action(request, membership, back=reverse("startups:team", args=[slug]))


def incubator_team(request, slug):
    """GET: an incubator's staff; POST: invite a colleague."""
    incubator = get_incubator_for_staff(request, slug)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.staff_invite(incubator=incubator, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            refused(form, error)
        else:
            messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
            return redirect("startups:incubator-team", slug=slug)
    staff = with_invitations(
        incubator.staff.select_related("user", "incubator").order_by(
            "user__last_name", "user__email"
        ),
        label=lambda m: m.incubator,
        url=lambda m: reverse("startups:incubator-membership", args=[slug, m.pk]),
    )
    context = {"incubator": incubator, "staff": staff, "form": form}
    return render(
        request, "startups/incubator_team.html", context, status=422 if form.errors else 200
    )


@require_POST
def incubator_membership(request, slug, pk):
    incubator = get_incubator_for_staff(request, slug)
    membership = get_object_or_404(incubator.staff.select_related("user", "incubator"), pk=pk)
    return membership_action(
        request, membership, back=reverse("startups:incubator-team", args=[slug])
    )
