"""Committee sessions: the list, scheduling, the session's page with its agenda (add from the
startups due, remove, reorder, durations), convening, copying, the calendar invitation."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.editing import ConcurrentEdit, StaleEdit
from accounts.limits import TextLimits
from accounts.outbox import announce, waiting

from ..documents.views import session_slots
from ..enums import MemberRole, ReviewStatus, SessionKind, SessionStatus
from ..models import Committee, Review, SemesterReport, Session
from .access import get_review_in, get_session_for
from .ics import session_ics
from .services import (
    PREPARING,
    agenda_minutes,
    agenda_others,
    agenda_proposals,
    agenda_slots,
    committee_startups,
    elsewhere,
    review_add,
    review_move,
    review_remove,
    review_update,
    session_cancel,
    session_convene,
    session_copy,
    session_create,
    session_update,
)
from .views_proxies import proxies_context


def readable_committees(user):
    if user.is_superuser:
        return Committee.objects.all()
    return Committee.objects.filter(
        Q(incubator__staff__user=user) | Q(members__user=user)
    ).distinct()


def managed_committees(user):
    if user.is_superuser:
        return Committee.objects.all()
    return Committee.objects.filter(
        Q(incubator__staff__user=user) | Q(members__user=user, members__role=MemberRole.SECRETARY)
    ).distinct()


def may_list(user) -> bool:
    return user.is_superuser or user.incubator_roles.exists() or user.committee_seats.exists()


def sessions(request):
    """The sessions of the committees this person sits on or staffs: upcoming first."""
    user = request.user
    if not may_list(user):
        raise PermissionDenied(
            "Les séances sont réservées aux membres des comités et aux équipes des incubateurs."
        )
    today = timezone.localdate()
    visible = Session.objects.filter(committee__in=readable_committees(user)).select_related(
        "committee"
    )
    upcoming = list(visible.upcoming(today=today).order_by("starts_at", "pk"))
    past = list(visible.exclude(pk__in=[s.pk for s in upcoming]).order_by("-starts_at", "-pk"))
    context = {
        "upcoming": upcoming,
        "past": past,
        "may_create": managed_committees(user).exists(),
    }
    return render(request, "committees/sessions.html", context)


class SessionForm(TextLimits, DsfrBaseForm):
    committee = forms.ModelChoiceField(
        label="Comité",
        queryset=Committee.objects.none(),
        empty_label=None,
        error_messages={"required": "Choisissez le comité.", "invalid_choice": "Comité inconnu."},
    )
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez la date.", "invalid": "Date invalide."},
    )
    time = forms.TimeField(
        label="Heure",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": "Indiquez l’heure.", "invalid": "Heure invalide."},
    )
    place = forms.CharField(
        label="Lieu", required=False, max_length=limits.SHORT, help_text="Adresse et salle."
    )
    video_url = forms.URLField(
        label="Lien de visioconférence",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Saisissez une adresse web complète (https://…)."},
    )

    def __init__(self, *args, committees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if committees is None:
            del self.fields["committee"]
        else:
            self.fields["committee"].queryset = committees

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("place") and not cleaned.get("video_url") and not self.errors:
            self.add_error("place", "Indiquez un lieu ou un lien de visioconférence.")
        return cleaned

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise forms.ValidationError("Cette date est passée.")
        return day

    @property
    def starts_at(self) -> datetime.datetime:
        day, time = self.cleaned_data["date"], self.cleaned_data["time"]
        return timezone.make_aware(datetime.datetime.combine(day, time))


def create(request):
    committees = managed_committees(request.user).order_by("name")
    if not committees.exists():
        raise PermissionDenied(
            "Seuls l’incubateur et le secrétariat d’un comité planifient ses séances."
        )
    initial = {"committee": request.GET.get("comite"), "time": datetime.time(14, 0)}
    form = SessionForm(request.POST or None, committees=committees, initial=initial)
    if request.method == "POST" and form.is_valid():
        session = session_create(
            committee=form.cleaned_data["committee"],
            starts_at=form.starts_at,
            place=form.cleaned_data["place"],
            video_url=form.cleaned_data["video_url"],
            by=request.user,
        )
        messages.success(request, "Séance planifiée : ajoutez les startups à son ordre du jour.")
        return redirect("committees:session", pk=session.pk)
    status = 422 if form.is_bound else 200
    return render(request, "committees/session_form.html", {"form": form}, status=status)


def edit(request, pk):
    session, _ = get_session_for(request, pk, to="manage")
    local = timezone.localtime(session.starts_at)
    initial = {
        "date": local.date(),
        "time": local.time().replace(second=0, microsecond=0),
        "place": session.place,
        "video_url": session.video_url,
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session_update(
                session=session,
                starts_at=form.starts_at,
                place=form.cleaned_data["place"],
                video_url=form.cleaned_data["video_url"],
                by=request.user,
            )
        except ValidationError as refused:
            messages.error(request, refused.messages[0])
        else:
            messages.success(request, "Séance modifiée.")
        return redirect("committees:session", pk=session.pk)
    status = 422 if form.is_bound else 200
    context = {"form": form, "session": session}
    return render(request, "committees/session_form.html", context, status=status)


@require_POST
def cancel(request, pk):
    session, _ = get_session_for(request, pk, to="manage")
    try:
        session = session_cancel(
            session=session, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        told = " : les personnes convoquées sont prévenues." if session.convened_at else "."
        messages.success(request, "Séance annulée" + told)
    return redirect("committees:session", pk=pk)


def link(name: str, pk: int) -> str | None:
    """The URL of another page of the session, if that page exists yet."""
    try:
        return reverse(f"committees:{name}", args=[pk])
    except NoReverseMatch:
        return None


def session_context(request, session, roles) -> dict:
    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
    reports = SemesterReport.objects.for_reviews(reviews)
    manager = roles.manager
    preparing = session.status in PREPARING
    cancelled = session.status == SessionStatus.CANCELLED
    rows = [
        {
            "slot": slot,
            "review": slot.review,
            "report": reports.get((slot.review.startup_id, slot.review.semester.key)),
            "first": index == 0,
            "last": index == len(reviews) - 1,
            "removable": preparing and slot.review.status == ReviewStatus.PENDING,
        }
        for index, slot in enumerate(agenda_slots(session, reviews))
    ]
    context = {
        "session": session,
        "committee": session.committee,
        "roles": roles,
        "manager": manager,
        "preparing": preparing,
        "rows": rows,
        "total_minutes": agenda_minutes(reviews),
        "ends_at": session.starts_at + datetime.timedelta(minutes=agenda_minutes(reviews)),
        "members": list(session.committee.members.select_related("user", "organisation")),
        # A cancelled session is only read: no documents, no live page, no preparation.
        "documents": [] if cancelled else session_slots(request, session, roles, reviews),
        # Only what this person may open: a team on the agenda prepares nothing.
        "links": {
            name: link(name, session.pk)
            for name in ("session-live", "session-prepare", "session-minutes")
            if not cancelled and (name != "session-prepare" or roles.voter or roles.manager)
        },
    }
    context |= proxies_context(session, roles)
    if manager and preparing:
        context["proposals"] = agenda_proposals(session=session, today=timezone.localdate())
        context["others"] = agenda_others(session)
    if manager:
        context["emails_waiting"] = waiting(session.outbox_about)
        context["events"] = list(
            session.audit_events.select_related("actor", "review__startup").order_by("-at", "-id")
        )
    return context


def detail(request, pk):
    session, roles = get_session_for(request, pk)
    return render(request, "committees/session.html", session_context(request, session, roles))


def agenda_response(request, session, roles):
    """After an agenda action: the agenda region for htmx, else back to the page."""
    if request.htmx:
        context = session_context(request, session, roles)
        return render(request, "committees/session.html#agenda", context)
    return redirect(reverse("committees:session", args=[session.pk]) + "#ordre-du-jour")


def refused(request, error: ValidationError):
    messages.error(request, error.messages[0])


@require_POST
def agenda_add(request, pk):
    session, roles = get_session_for(request, pk, to="manage")
    startup = get_object_or_404(
        committee_startups(session.committee), pk=request.POST.get("startup") or 0
    )
    try:
        review_add(session=session, startup=startup, by=request.user)
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, f"{startup.name} ajoutée à l’ordre du jour.")
        if other := elsewhere(session, startup).select_related("session").first():
            messages.warning(
                request,
                f"{startup.name} est aussi à l’ordre du jour de la séance du "
                f"{timezone.localtime(other.session.starts_at):%d/%m/%Y} : retirez-la de l’une "
                "des deux.",
            )
    return agenda_response(request, session, roles)


@require_POST
def agenda_remove(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="manage")
    review = get_review_in(session, review_pk)
    try:
        review_remove(review=review, by=request.user)
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, f"{review.startup.name} retirée de l’ordre du jour.")
    return agenda_response(request, session, roles)


@require_POST
def agenda_move(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="manage")
    review = get_review_in(session, review_pk)
    direction = request.POST.get("vers", "")
    to = int(direction) if direction.isdigit() else direction
    if to not in ("up", "down") and not isinstance(to, int):
        refused(request, ValidationError("Déplacement inconnu."))
        return agenda_response(request, session, roles)
    try:
        review_move(review=review, to=to, by=request.user)
    except ValidationError as error:
        refused(request, error)
    return agenda_response(request, session, roles)


class ReviewForm(ConcurrentEdit, TextLimits, DsfrBaseForm, forms.ModelForm):
    class Meta:
        model = Review
        fields = [
            "duration_minutes",
            "requested_amount",
            "requested_months",
            "recommendation",
            "recommended_amount",
        ]
        help_texts = {
            "duration_minutes": "50 minutes d’ordinaire : 15 de présentation, 15 de questions, "
            "20 de délibération.",
            "requested_amount": "Repris du bilan semestriel quand l’équipe l’a indiqué.",
            "recommendation": "L’avis de l’incubateur, lu par les sponsors avant de voter.",
            "recommended_amount": "Ce que l’incubateur conseille d’accorder ; vide : pas "
            "d’avis chiffré.",
        }
        widgets = {"recommendation": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duration_minutes"].min_value = 5
        self.fields["duration_minutes"].max_value = 240
        self.fields["duration_minutes"].validators.clear()
        self.fields["requested_months"].validators.clear()

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 240:
            raise forms.ValidationError("Une durée de 5 à 240 minutes.")
        return minutes

    def clean_requested_months(self):
        months = self.cleaned_data["requested_months"]
        if months is not None and not 1 <= months <= 12:
            raise forms.ValidationError("Une durée de 1 à 12 mois.")
        return months


def agenda_item(request, pk, review_pk):
    """An agenda item's duration, request and the incubator's recommendation."""
    session, _ = get_session_for(request, pk, to="manage")
    review = get_review_in(session, review_pk)
    form = ReviewForm(request.POST or None, instance=Review.objects.get(pk=review.pk))
    status = 422 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ReviewForm.Meta.fields}
        try:
            with transaction.atomic():
                form.claim(by=request.user)
                review_update(review=review, **values, by=request.user)
        except StaleEdit as stale:
            form.add_error(None, stale)
            status = 409
        except ValidationError as error:
            refused(request, error)
        else:
            messages.success(request, f"Passage de {review.startup.name} enregistré.")
        if status != 409:
            return redirect(reverse("committees:session", args=[session.pk]) + "#ordre-du-jour")
    context = {"form": form, "session": session, "review": review}
    return render(request, "committees/session_item.html", context, status=status)


@require_POST
def convene(request, pk):
    session, _ = get_session_for(request, pk, to="manage")
    if request.POST.get("confirmer") != "oui":
        messages.error(request, "Cochez la case pour confirmer l’envoi des convocations.")
        return redirect("committees:session", pk=session.pk)
    try:
        session_convene(session=session, by=request.user)
    except ValidationError as error:
        refused(request, error)
    else:
        done = "Séance convoquée : les membres et les équipes reçoivent leur convocation."
        announce(request, about=session.outbox_about, done=done)
    return redirect("committees:session", pk=session.pk)


@require_POST
def copy(request, pk):
    session, _ = get_session_for(request, pk, to="manage")
    new = session_copy(session=session, by=request.user)
    messages.success(
        request,
        f"Séance copiée au {timezone.localtime(new.starts_at):%d/%m/%Y} : vérifiez sa date et "
        "son ordre du jour.",
    )
    return redirect("committees:session", pk=new.pk)


def ics(request, pk):
    session, _ = get_session_for(request, pk)
    if session.kind == SessionKind.WRITTEN:
        raise Http404("Une procédure écrite n’a pas d’invitation : elle ne se tient pas.")
    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
    response = HttpResponse(
        session_ics(session, reviews), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="seance-{session.pk}.ics"'
    return response
