"""Opening a written procedure (committees/sessions/written.py): the committee's chair only."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from accounts.outbox import announce

from ..enums import VOTING_ROLES, MemberRole
from ..models import Committee, CommitteeMember
from .access import MESSAGES
from .services import committee_startups
from .written import MAX_DELAY, MIN_DELAY, written_open

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class WrittenForm(DsfrBaseForm):
    startup = forms.ModelChoiceField(
        label="Startup",
        queryset=None,
        error_messages={
            "required": "Choisissez la startup soumise au vote.",
            "invalid_choice": "Cette startup n’est pas suivie par ce comité.",
        },
    )
    deadline = forms.DateTimeField(
        label="Date limite du vote",
        help_text="Au moins 24 heures et au plus 30 jours après l’ouverture.",
        input_formats=[DATETIME_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        error_messages={"required": "Indiquez la date limite.", "invalid": "Date invalide."},
    )
    requested_amount = forms.DecimalField(
        label="Montant demandé (€)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Laissé vide : celui du bilan de la startup, s’il le dit.",
        error_messages={"min_value": "Un montant ne peut pas être négatif."},
    )
    requested_months = forms.IntegerField(
        label="Durée demandée (mois)",
        required=False,
        min_value=1,
        max_value=12,
        error_messages={
            "min_value": "Une durée va d’un à douze mois.",
            "max_value": "Une durée va d’un à douze mois.",
        },
    )
    recused = forms.ModelMultipleChoiceField(
        label="Membres déportés (conflit d’intérêts)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ils ne votent pas et ne comptent pas.",
    )

    def __init__(self, *args, committee: Committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["startup"].queryset = (
            committee_startups(committee).active().order_by("name", "pk")
        )
        self.fields["recused"].queryset = (
            committee.members.filter(role__in=VOTING_ROLES, user__is_active=True)
            .select_related("user")
            .order_by("role", "id")
        )
        self.fields["recused"].label_from_instance = lambda member: (
            member.user.get_full_name() or member.user.email
        )


def get_committee_for_chair(request, pk: int) -> Committee:
    committee = get_object_or_404(Committee, pk=pk)
    if not CommitteeMember.objects.filter(
        committee=committee, user=request.user, role=MemberRole.CHAIR
    ).exists():
        raise PermissionDenied(MESSAGES["chair"])
    return committee


def written_create(request, pk):
    committee = get_committee_for_chair(request, pk)
    initial = {"deadline": timezone.localtime() + 7 * MIN_DELAY}
    if slug := request.GET.get("startup"):
        initial["startup"] = committee_startups(committee).filter(slug=slug).first()
    form = WrittenForm(request.POST or None, committee=committee, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = written_open(committee=committee, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            done = "Procédure écrite ouverte : les membres votants reçoivent le lien pour voter."
            announce(request, about=session.outbox_about, done=done)
            return redirect("committees:session-live", pk=session.pk)
    context = {"committee": committee, "form": form, "max_days": MAX_DELAY.days}
    status = 422 if form.is_bound else 200
    return render(request, "committees/written_form.html", context, status=status)
