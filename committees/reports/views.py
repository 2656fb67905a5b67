"""Semester reports: the team's page, writing with autosave, submitting, reading, reviewing."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.editing import ConcurrentEdit, StaleEdit
from accounts.limits import TextLimits

from ..enums import ReportStatus
from ..models import ReportSection, ReportVersion
from .access import get_report_for, get_startup_for_reports
from .prefill import report_prefill
from .questions import open_questions
from .sections import SECTIONS, reading
from .services import (
    ReportIncomplete,
    latest_version,
    previous_sections,
    report_accept,
    report_deadline,
    report_request_changes,
    report_section_save,
    report_start,
    report_submit,
    section_is_complete,
)


def startup_reports(request, slug):
    """The team's "mon bilan": the next report with its deadline and progress, the members'
    open questions, the past ones."""
    startup, roles = get_startup_for_reports(request, slug)
    return render(request, "committees/startup_reports.html", reports_context(startup, roles))


def reports_context(startup, roles, *, answer=None, question_pk=None) -> dict:
    """The reports page; `answer`: the answer form of question `question_pk` as posted, with
    its errors."""
    today = timezone.localdate()
    deadline = report_deadline(startup, today=today)
    reports = [r for r in startup.reports.all() if roles.can_read(r)]
    current = next((r for r in reports if deadline and r.semester == deadline.semester.key), None)
    context = {
        "startup": startup,
        "roles": roles,
        "today": today,
        "deadline": deadline,
        "current": current,
        "reports": reports,
        "questions": open_questions(startup, bound=answer, bound_pk=question_pk),
    }
    if current and current.is_editable and roles.team:
        context["progress"] = progress(saved_sections(latest_version(current)))
    return context


@require_POST
def start(request, slug):
    startup, roles = get_startup_for_reports(request, slug)
    if not roles.team:
        raise PermissionDenied("Seule l’équipe de la startup rédige son bilan.")
    deadline = report_deadline(startup, today=timezone.localdate())
    if deadline is None:
        messages.error(
            request, "Aucun comité n’est attendu pour cette startup : pas de bilan à rédiger."
        )
        return redirect("committees:startup-reports", slug=slug)
    report = report_start(startup=startup, semester=deadline.semester, by=request.user)
    return redirect("committees:report-edit", slug=slug, semester=report.semester)


def saved_sections(version: ReportVersion) -> dict[str, ReportSection]:
    return {section.key: section for section in version.sections.all()}


def progress(sections: dict[str, ReportSection]) -> dict:
    complete = {key for key in SECTIONS if section_is_complete(key, sections.get(key))}
    return {
        "done": len(complete),
        "total": len(SECTIONS),
        "sections": [(key, form.title, key in complete) for key, form in SECTIONS.items()],
    }


def known(key: str, prefill: dict) -> dict:
    """What Comité suggests for a section's fields until the team writes its own: the impact
    targeted, from the north star's objective for the next semester."""
    suggested = (prefill.get("projection") or {}).get("suggested")
    if key != "request" or suggested is None:
        return {}
    whole = suggested == suggested.to_integral_value()
    return {"targeted_impact": suggested.quantize(1) if whole else suggested}


def edit_context(request, report, startup, *, bound: dict | None = None, missing=None) -> dict:
    """The writing page: every section's form (a `bound` one keeps what was just refused),
    what Comité pre-fills beside it, and the reviewer's comments on the last version."""
    version = report.versions.get(submitted_at__isnull=True)
    sections = saved_sections(version)
    comments = {}
    if version.number > 1:
        submitted = ReportVersion.objects.get(report=report, number=version.number - 1)
        for comment in submitted.comments.all():
            comments.setdefault(comment.section, []).append(comment)
    prefill = report_prefill(
        startup,
        semester=report.period,
        today=timezone.localdate(),
        previous_sections=previous_sections(report),
    )
    forms = []
    for key, form_class in SECTIONS.items():
        section = sections.get(key)
        form = (bound or {}).get(key) or form_class(
            initial=known(key, prefill) | (section.data if section else {}),
            prefix=key,
            objectives=prefill["objectives"],
        )
        forms.append({"key": key, "form": form, "section": section, "comments": comments.get(key)})
    return {
        "startup": startup,
        "report": report,
        "version": version,
        "forms": forms,
        "progress": progress(sections),
        "prefill": prefill,
        "missing": missing,
        "deadline": report_deadline(startup, today=timezone.localdate()),
        "today": timezone.localdate(),
    }


def edit(request, slug, semester):
    report, startup, _ = get_report_for(request, slug, semester, to="edit")
    if not report.is_editable:
        return redirect(report)
    return render(request, "committees/edit.html", edit_context(request, report, startup))


@require_POST
def section_save(request, slug, semester, key):
    """Autosave (htmx: the section's status line, the progress and the field errors out of band)
    or the section's "Enregistrer" button without JavaScript."""
    report, startup, _ = get_report_for(request, slug, semester, to="edit")
    if key not in SECTIONS:
        raise Http404("Section inconnue.")
    form = SECTIONS[key](request.POST, prefix=key)
    section, error = None, ""
    if form.is_valid():
        try:
            section = report_section_save(
                report=report, key=key, data=form.stored(), by=request.user
            )
        except ValidationError as refused:
            error = refused.messages[0]
    if request.htmx:
        context = {
            "key": key,
            "form": form,
            "section": section,
            "error": error,
            "progress": progress(saved_sections(latest_version(report))) if not error else None,
        }
        return render(request, "committees/_autosave.html", context)
    if error:
        messages.error(request, error)
        return redirect(report)
    if section is None:
        context = edit_context(request, report, startup, bound={key: form})
        return render(request, "committees/edit.html", context, status=422)
    messages.success(request, f"Section « {form.title} » enregistrée.")
    return redirect(f"{report.get_absolute_url()}rediger/#{key}")


@require_POST
def submit(request, slug, semester):
    report, startup, _ = get_report_for(request, slug, semester, to="edit")
    try:
        report_submit(report=report, by=request.user, today=timezone.localdate())
    except ReportIncomplete as incomplete:
        context = edit_context(request, report, startup, missing=incomplete.missing)
        return render(request, "committees/edit.html", context, status=422)
    except ValidationError as refused:
        # Submitted already: a double click, or another tab.
        messages.info(request, refused.messages[0])
        return redirect(report)
    messages.success(
        request, "Bilan soumis : l’incubateur va le relire, les sponsors peuvent le lire."
    )
    return redirect(report)


class ReviewCommentsForm(ConcurrentEdit, TextLimits, DsfrBaseForm):
    """The staff's comments on a submitted report, one per section, and whether they accept
    it: refused if the report changed since the page was shown (`edited`: the report)."""

    edited_fields = ("status",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, section in SECTIONS.items():
            self.fields[f"comment-{key}"] = forms.CharField(
                label=f"Votre commentaire sur « {section.title} »",
                required=False,
                max_length=limits.COMMENT,
                help_text="Facultatif ; au moins un pour demander des modifications.",
                widget=forms.Textarea(attrs={"rows": 3, "form": "review-form"}),
            )
        self.limit_texts()

    def comments(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"comment-{key}"] for key in SECTIONS}


def detail(request, slug, semester, *, review_form=None):
    """The report as its readers see it (printable): the version asked for, else the last one
    this person may read; the figures frozen with it, or today's while it is a draft."""
    report, startup, roles = get_report_for(request, slug, semester)
    versions = list(report.versions.all())
    if not (roles.team or roles.staff):
        versions = [v for v in versions if not v.is_draft]
    if not versions:
        raise Http404("Aucune version lisible de ce bilan.")
    asked = request.GET.get("version", "")
    version = next((v for v in versions if str(v.number) == asked), versions[-1])
    sections = {section.key: section.data for section in version.sections.all()}
    comments = {}
    for comment in version.comments.select_related("author"):
        comments.setdefault(comment.section, []).append(comment)
    prefill = version.prefill or report_prefill(
        startup,
        semester=report.period,
        today=timezone.localdate(),
        previous_sections=previous_sections(report),
    )
    context = {
        "startup": startup,
        "report": report,
        "roles": roles,
        "version": version,
        "versions": versions,
        "prefill": prefill,
        "sections": reading(sections, prefill, comments),
        "can_review": roles.staff
        and report.status == ReportStatus.SUBMITTED
        and version == versions[-1],
    }
    if context["can_review"]:
        form = review_form or ReviewCommentsForm(edited=report)
        for section in context["sections"]:
            section["review_field"] = form[f"comment-{section['key']}"]
        context["review_form"] = form
    elif review_form:  # refused as stale, and no longer to review: say why on the page
        for error in review_form.non_field_errors():
            messages.error(request, error)
    # The form has no error of its own but a stale save's (409).
    status = (409 if review_form.non_field_errors() else 422) if review_form else 200
    return render(request, "committees/detail.html", context, status=status)


@require_POST
def review(request, slug, semester):
    """Staff accept the submitted report or send it back, with comments per section."""
    report, _, _ = get_report_for(request, slug, semester, to="review")
    form = ReviewCommentsForm(request.POST, edited=report)
    if not form.is_valid():
        return detail(request, slug, semester, review_form=form)
    comments = form.comments()
    try:
        with transaction.atomic():
            form.claim(by=request.user)
            if request.POST.get("action") == "accept":
                report_accept(report=report, comments=comments, by=request.user)
                messages.success(request, "Bilan accepté.")
            else:
                report_request_changes(report=report, comments=comments, by=request.user)
                messages.success(
                    request, "Modifications demandées : l’équipe a un nouveau brouillon."
                )
    except StaleEdit as stale:
        form.add_error(None, stale)
        return detail(request, slug, semester, review_form=form)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    return redirect(report)
