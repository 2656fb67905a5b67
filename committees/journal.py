"""The session journal in sentences: one French sentence per audit event, never raw data."""

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from startups.templatetags.portfolio import euros

from .enums import AuditAction, Outcome


def outcome_label(value) -> str:
    """ "refinance" → "refinancer"; an unknown value is kept as it is."""
    try:
        return Outcome(value).label.lower()
    except ValueError:
        return str(value or "")


def money(value) -> str:
    try:
        return euros(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return ""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def attendance(detail: dict, event) -> str:
    name = detail.get("name") or "Un membre"
    if not detail.get("present"):
        return f"{name} : absence"
    return f"{name} : présence{' par téléphone' if detail.get('remote') else ''}"


def vote_opened(detail: dict, event) -> str:
    text = "Vote ouvert à bulletin secret" if detail.get("secret_ballot") else "Vote ouvert"
    present = detail.get("present")
    if isinstance(present, int) and not isinstance(present, bool):
        text += f", {plural(present, 'membre')} avec droit de vote"
    return text


def vote_closed(detail: dict, event) -> str:
    counts = detail.get("counts") or {}
    parts = [f"{counts.get(value, 0)} {label.lower()}" for value, label in Outcome.choices]
    sentence = "Vote clos : " + ", ".join(parts)
    if detail.get("abstentions"):
        sentence += f", {plural(detail['abstentions'], 'abstention')}"
    if detail.get("outcome"):
        sentence += f" ; majorité pour {outcome_label(detail['outcome'])}"
    return sentence


def decision(verb: str) -> Callable[[dict, object], str]:
    def sentence(detail: dict, event) -> str:
        text = f"Décision {verb} : {outcome_label(detail.get('outcome'))}"
        amount = money(detail.get("amount"))
        if amount and detail.get("amount") not in ("None", "0", "0.00"):
            text += f", {amount}"
        if detail.get("months"):
            text += f" sur {detail['months']} mois"
        return text

    return sentence


def conflict(detail: dict, event) -> str:
    name = detail.get("member_name") or "Un membre"
    if detail.get("withdrawn"):
        return f"{name} retire sa déclaration de conflit d’intérêts"
    return f"{name} déclare un conflit d’intérêts"


def agenda_moved(detail: dict, event) -> str:
    if isinstance(detail.get("before"), int) and isinstance(detail.get("after"), int):
        return f"Passage déplacé de la position {detail['before'] + 1} à {detail['after'] + 1}"
    return "Ordre du jour réordonné"


def with_name(label: str, key: str = "name") -> Callable[[dict, object], str]:
    def sentence(detail: dict, event) -> str:
        value = detail.get(key)
        return f"{label} : {value}" if isinstance(value, str) and value else label

    return sentence


def session_cancelled(detail: dict, event) -> str:
    reason = detail.get("reason") or detail.get("cancel_reason")
    return f"Séance annulée : {reason}" if isinstance(reason, str) and reason else "Séance annulée"


def report_nudged(detail: dict, event) -> str:
    recipients = detail.get("recipients")
    if isinstance(recipients, int) and recipients:
        return f"Équipe relancée pour son bilan ({plural(recipients, 'destinataire')})"
    return "Équipe relancée pour son bilan"


def question_answered(detail: dict, event) -> str:
    verb = "Réponse modifiée" if detail.get("edited") else "Réponse de l’équipe"
    by = detail.get("answered_by")
    return f"{verb} par {by}" if isinstance(by, str) and by else verb


CHANGED = {"starts_at": "date et heure", "place": "lieu", "video_url": "visioconférence"}


def session_changed(verb: str):
    """ "Séance déplacée : lieu Ségur → Bercy, date et heure 08/12/2026 14:00 → …"."""

    def sentence(detail: dict, event) -> str:
        parts = []
        for field, label in CHANGED.items():
            values = detail.get(field)
            if isinstance(values, list) and len(values) == 2:
                before, after = (moment(v) if field == "starts_at" else v for v in values)
                parts.append(f"{label} {before or '–'} → {after or '–'}")
        return f"{verb} : " + ", ".join(parts) if parts else verb

    return sentence


def moment(value) -> str:
    try:
        return f"{timezone.localtime(datetime.datetime.fromisoformat(value)):%d/%m/%Y %H:%M}"
    except (TypeError, ValueError):
        return ""


SENTENCES: dict[str, Callable[[dict, object], str]] = {
    AuditAction.SESSION_CHANGED: session_changed("Séance modifiée"),
    AuditAction.SESSION_MOVED: session_changed("Séance déplacée"),
    AuditAction.ATTENDANCE: attendance,
    AuditAction.VOTE_OPENED: vote_opened,
    AuditAction.VOTE_CLOSED: vote_closed,
    AuditAction.DECISION_RECORDED: decision("enregistrée"),
    AuditAction.DECISION_CORRECTED: decision("corrigée"),
    AuditAction.CONFLICT: conflict,
    AuditAction.AGENDA_MOVED: agenda_moved,
    AuditAction.PROXY_GIVEN: with_name("Procuration enregistrée"),
    AuditAction.PROXY_WITHDRAWN: with_name("Procuration retirée"),
    AuditAction.QUESTION_ASKED: with_name("Question posée à l’équipe par", "author"),
    AuditAction.QUESTION_ANSWERED: question_answered,
    AuditAction.SESSION_CREATED: with_name("Séance créée", "place"),
    AuditAction.SESSION_CANCELLED: session_cancelled,
    AuditAction.MEMBER_ADDED: with_name("Membre ajouté", "member"),
    AuditAction.MEMBER_CHANGED: with_name("Membre modifié", "member"),
    AuditAction.MEMBER_REMOVED: with_name("Membre retiré", "member"),
    AuditAction.REPORT_NUDGED: report_nudged,
}


def label_only(detail: dict, event) -> str:
    """The fallback: the action's own label, never the raw detail."""
    try:
        return AuditAction(event.action).label
    except ValueError:
        return "Action enregistrée"


def sentence(event) -> str:
    """The event in one French sentence, after the startup it is about."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    try:
        text = SENTENCES.get(event.action, label_only)(detail, event)
    except (AttributeError, KeyError, TypeError, ValueError):
        text = label_only(detail, event)
    if "{" in text or "True" in text or "False" in text:
        text = label_only(detail, event)
    if event.review_id and event.review:
        return f"{event.review.startup.name} – {text}"
    return text
