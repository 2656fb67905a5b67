"""Questions to the team: a member asks on the item's preparation page, the team answers on its
reports page (plain forms, POST-redirect-GET; errors next to the field; a refusal, such as
questions closed since the page was loaded, as a message above the page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..models import Question
from ..reports.access import report_roles
from ..reports.questions import answer_form
from ..reports.views import reports_context
from .access import get_review_in, get_session_for
from .questions import question_answer, question_ask
from .views_prepare import QuestionForm, prepare_url, review_context

NOT_TEAM = "Seule l’équipe de la startup répond aux questions des membres."


@require_POST
def ask(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="prepare")
    review = get_review_in(session, review_pk)
    if roles.member is None:
        raise PermissionDenied("Seuls les membres du comité posent des questions à l’équipe.")
    form = QuestionForm(request.POST)
    if not form.is_valid():
        context = review_context(request, session, roles, review, question_form=form)
        return render(request, "committees/review_prepare.html", context, status=422)
    try:
        question_ask(
            review=review, member=roles.member, body=form.cleaned_data["body"], by=request.user
        )
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, f"Question envoyée à l’équipe de {review.startup.name}.")
    return redirect(prepare_url(review) + "#questions")


@require_POST
def answer(request, pk, review_pk, question_pk):
    """The team's answer, from its reports page; back there, at the questions."""
    session, _ = get_session_for(request, pk)
    review = get_review_in(session, review_pk)
    question = get_object_or_404(Question, review=review, pk=question_pk)
    question.review = review
    startup = review.startup
    roles = report_roles(request.user, startup)
    if not roles.team:
        raise PermissionDenied(NOT_TEAM)
    form = answer_form(question, request.POST)
    if not form.is_valid():
        context = reports_context(startup, roles, answer=form, question_pk=question.pk)
        return render(request, "committees/startup_reports.html", context, status=422)
    try:
        question_answer(
            question=question,
            answer=form.cleaned_data["answer"],
            seen=form.cleaned_data["seen"],
            by=request.user,
        )
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(
            request, "Réponse enregistrée : le membre qui a posé la question en est prévenu."
        )
    return redirect(reverse("committees:startup-reports", args=[startup.slug]) + "#questions")
