"""The members' questions on a startup's reports page: the open questions of its agenda items
still to be voted on, and the form its team answers them with (the service is
`sessions.questions.question_answer`, which the answering view calls)."""

from django import forms
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits

from ..enums import ReviewStatus, SessionStatus
from ..models import Question


class AnswerForm(TextLimits, DsfrBaseForm):
    answer = forms.CharField(
        label="Réponse de l’équipe",
        help_text="Les membres du comité la lisent en préparant la séance ; "
        "elle figure au relevé de décisions.",
        max_length=limits.SECTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)


def answer_form(question: Question, data=None) -> AnswerForm:
    """The form of one question (each its own prefix: several on one page)."""
    initial = {
        "answer": question.answer,
        "seen": question.answered_at.isoformat() if question.answered_at else "",
    }
    return AnswerForm(data, initial=initial, prefix=f"question-{question.pk}")


def open_questions(startup, *, bound: AnswerForm | None = None, bound_pk=None) -> list[Question]:
    """The questions still open on the startup's items (vote not opened, session not closed),
    oldest session first, each with its answer form: one query."""
    questions = list(
        Question.objects.filter(
            review__startup=startup,
            review__status=ReviewStatus.PENDING,
            review__vote_opened_at__isnull=True,
        )
        .exclude(review__session__status=SessionStatus.CLOSED)
        .select_related("review__session__committee", "author__user", "answered_by")
        .order_by("review__session__starts_at", "review_id", "asked_at", "id")
    )
    for question in questions:
        question.form = bound if question.pk == bound_pk else answer_form(question)
    return questions
