"""Preparing a session: a voting member's list of agenda items, and for each one the submitted
report with its frozen figures, the scoring grid and private notes (autosaved), the conflicts of
interest. The chair and the staff see every member's proposed recusals and declare them."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits

from ..enums import GRID, ReportStatus, ReviewStatus
from ..models import Assessment, Conflict, ReportVersion, Review, SemesterReport
from ..reports.access import report_roles
from ..reports.sections import reading
from .access import get_review_in, get_session_for
from .preparation import (
    assessment_save,
    conflict_declare,
    conflict_withdraw,
    proposed_recusals,
    voting_members,
)
from .questions import questions_open

SCORES = [(str(n), str(n)) for n in range(1, 6)]


class AssessmentForm(TextLimits, DsfrBaseForm):
    notes = forms.CharField(
        label="Mes notes privées",
        help_text="Personne d’autre ne les lit : ni les autres membres, ni la présidence, "
        "ni l’incubateur, ni l’équipe.",
        required=False,
        max_length=limits.LONG,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in GRID:
            self.fields[key] = forms.ChoiceField(
                label=label, choices=SCORES, required=False, widget=forms.RadioSelect
            )
        self.order_fields([key for key, _ in GRID] + ["notes"])

    def grid(self):
        return [self[key] for key, _ in GRID]

    def scores(self) -> dict:
        return {key: self.cleaned_data[key] for key, _ in GRID if self.cleaned_data[key]}


class ConflictForm(TextLimits, DsfrBaseForm):
    reason = forms.CharField(
        label="Motif du conflit d’intérêts",
        max_length=limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    member = forms.IntegerField(required=False, widget=forms.HiddenInput)


class QuestionForm(TextLimits, DsfrBaseForm):
    body = forms.CharField(
        label="Votre question à l’équipe",
        help_text="L’équipe la reçoit par e-mail et répond avant l’ouverture du vote. "
        "Votre nom figure avec la question, au relevé de décisions aussi.",
        max_length=limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def readable_report(review: Review):
    """The item's report and its last submitted version, or (report or None, None)."""
    report = SemesterReport.objects.filter(
        startup_id=review.startup_id, semester=review.semester.key
    ).first()
    if report is None or report.status == ReportStatus.DRAFT:
        return report, None
    version = (
        ReportVersion.objects.filter(report=report, submitted_at__isnull=False)
        .select_related("submitted_by")
        .order_by("-number")
        .first()
    )
    return report, version


def session_prepare(request, pk):
    session, roles = get_session_for(request, pk, to="prepare")
    reviews = list(
        session.reviews.select_related("startup")
        .annotate(
            questions_count=Count("questions"),
            unanswered=Count("questions", filter=Q(questions__answered_at=None)),
        )
        .order_by("position", "id")
    )
    for review in reviews:
        review.session = session
    reports = SemesterReport.objects.for_reviews(reviews)
    members = list(voting_members(session))
    recusals = proposed_recusals(session, reviews=reviews, members=members)
    me = roles.member if roles.voter else None
    scored, declared = set(), {}
    if me:
        scored = {
            a.review_id: a
            for a in Assessment.objects.filter(review__in=reviews, member=me).only(
                "review_id", "scores", "updated_at"
            )
        }
        declared = set(
            Conflict.objects.filter(review__in=reviews, member=me).values_list(
                "review_id", flat=True
            )
        )
    items = []
    for review in reviews:
        item_recusals = recusals[review.pk]
        items.append(
            {
                "review": review,
                "report": reports.get((review.startup_id, review.semester.key)),
                "assessment": scored.get(review.pk) if me else None,
                "conflict": review.pk in declared,
                "my_recusal": next((r for r in item_recusals if r.member == me), None),
                "recusals": item_recusals,
            }
        )
    context = {
        "session": session,
        "roles": roles,
        "me": me,
        "items": items,
        "oversees": roles.chair or roles.manager,
        "unanswered": [review for review in reviews if review.unanswered],
    }
    return render(request, "committees/session_prepare.html", context)


def review_context(
    request, session, roles, review, *, form=None, conflict_form=None, question_form=None
) -> dict:
    me = roles.member if roles.voter else None
    report, version = readable_report(review)
    sections = []
    if version:
        data = {section.key: section.data for section in version.sections.all()}
        sections = reading(data, version.prefill)
    assessment = Assessment.objects.filter(review=review, member=me).first() if me else None
    if form is None and me:
        initial = {"notes": assessment.notes if assessment else ""}
        initial.update({k: str(v) for k, v in (assessment.scores if assessment else {}).items()})
        form = AssessmentForm(initial=initial)
    members = list(voting_members(session))
    recusals = proposed_recusals(session, reviews=[review], members=members)[review.pk]
    conflicts = {c.member_id: c for c in Conflict.objects.filter(review=review)}
    oversees = roles.chair or roles.manager
    return {
        "session": session,
        "review": review,
        "startup": review.startup,
        "roles": roles,
        "me": me,
        "report": report,
        "version": version,
        "sections": sections,
        "can_read_report_page": version is not None
        and report_roles(request.user, review.startup).can_read(report),
        "assessment": assessment,
        "form": form,
        "conflict_form": conflict_form or ConflictForm(),
        "my_conflict": conflicts.get(me.pk) if me else None,
        "my_recusal": next((r for r in recusals if r.member == me), None),
        "open_for_grid": review.status in (ReviewStatus.PENDING, ReviewStatus.VOTING)
        and not session.is_closed,
        "open_for_conflicts": review.status == ReviewStatus.PENDING,
        "questions": list(
            review.questions.select_related("author__user", "answered_by").order_by(
                "asked_at", "id"
            )
        ),
        "open_for_questions": questions_open(review),
        "may_ask": roles.member is not None and not conflicts.get(roles.member.pk),
        "question_form": question_form or QuestionForm(),
        "oversees": oversees,
        "members": [
            {
                "member": member,
                "recusal": next((r for r in recusals if r.member == member), None),
                "conflict": conflicts.get(member.pk),
            }
            for member in members
        ]
        if oversees
        else [],
    }


def review_prepare(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="prepare")
    review = get_review_in(session, review_pk)
    context = review_context(request, session, roles, review)
    return render(request, "committees/review_prepare.html", context)


def prepare_url(review) -> str:
    return reverse("committees:review-prepare", args=[review.session_id, review.pk])


@require_POST
def assessment(request, pk, review_pk):
    """Autosave of the grid and notes (htmx: the status line, each question's messages out of
    band) or the "Enregistrer" button without JavaScript."""
    session, roles = get_session_for(request, pk, to="vote")
    review = get_review_in(session, review_pk)
    form = AssessmentForm(request.POST)
    saved, error = None, ""
    if form.is_valid():
        try:
            saved = assessment_save(
                review=review,
                member=roles.member,
                scores=form.scores(),
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except ValidationError as refused:
            error = refused.messages[0]
    if request.htmx:
        context = {"form": form, "assessment": saved, "error": error}
        return render(request, "committees/_assessment_saved.html", context)
    if error:
        messages.error(request, error)
        return redirect(prepare_url(review) + "#grille")
    if saved is None:
        context = review_context(request, session, roles, review, form=form)
        return render(request, "committees/review_prepare.html", context, status=422)
    messages.success(request, "Grille et notes enregistrées.")
    return redirect(prepare_url(review) + "#grille")


def member_for(request, roles, session, form) -> object:
    """Whom the conflict is about: the person themselves, or a member named by the chair or the
    staff."""
    member_pk = form.cleaned_data.get("member") if form.is_valid() else None
    if member_pk and (roles.member is None or member_pk != roles.member.pk):
        return get_object_or_404(voting_members(session), pk=member_pk)
    if roles.member is None:
        raise PermissionDenied("Choisissez le membre concerné.")
    return roles.member


@require_POST
def conflict(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="prepare")
    review = get_review_in(session, review_pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        context = review_context(request, session, roles, review, conflict_form=form)
        return render(request, "committees/review_prepare.html", context, status=422)
    member = member_for(request, roles, session, form)
    try:
        conflict_declare(
            review=review, member=member, reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        who = "Vous êtes" if member == roles.member else f"{member.user} est"
        messages.success(request, f"{who} déporté·e sur {review.startup.name}.")
    return redirect(prepare_url(review) + "#conflit")


@require_POST
def conflict_remove(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="prepare")
    review = get_review_in(session, review_pk)
    form = ConflictForm({"reason": "-", "member": request.POST.get("member", "")})
    member = member_for(request, roles, session, form)
    try:
        conflict_withdraw(review=review, member=member, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, "Déclaration de conflit d’intérêts retirée.")
    return redirect(prepare_url(review) + "#conflit")
