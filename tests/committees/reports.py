"""A report's content as a team would type it, and shortcuts through the workflow."""

from django.utils import timezone

from committees.enums import Standard
from committees.reports.services import report_section_save, report_start, report_submit
from tests.utils import reviewed_semester

COMPLETE = {
    "identity": {
        "pitch": "Permettre aux communes d’instruire les demandes en ligne",
        "problem": "Des formulaires papier ressaisis à la main.",
        "solution": "Un formulaire en ligne et un outil d’instruction.",
    },
    "last_semester": {
        "targets_review": "Objectif dépassé grâce aux départements.",
        "delivered": "La messagerie avec les usagers.",
        "demo_url": "https://example.org/demo",
        "learnings": "Les communes veulent des modèles.",
    },
    "impact": {"reading": "La croissance continue.", "market_penetration": "12 %"},
    "next_semester": {
        "vision": "Toutes les démarches en ligne.",
        "market_size": "35 000 communes",
        "priority_1": "Ouvrir aux régions",
        "criterion_1": "10 régions utilisatrices",
        **{f"{s.value}_now": "yes" for s in Standard},
        **{f"{s.value}_next": "yes" for s in Standard},
    },
    "request": {
        "amount": "400000",
        "duration_months": "6",
        "team": "Cinq personnes : produit, deux développeurs, design, déploiement.",
        "without_funding": "Le service passe en maintenance.",
    },
}


def post_data(key: str, data: dict) -> dict:
    """A section's values as its form posts them (fields prefixed by the section)."""
    return {f"{key}-{name}": value for name, value in data.items()}


def fill(report, by) -> None:
    for key, data in COMPLETE.items():
        report_section_save(report=report, key=key, data=data, by=by)


def submitted_report(startup, by, semester=None):
    """Submitted by default for the semester that the factories' session reviews."""
    semester = semester or reviewed_semester(timezone.localdate())
    report = report_start(startup=startup, semester=semester, by=by)
    fill(report, by)
    report_submit(report=report, by=by, today=timezone.localdate())
    report.refresh_from_db()
    return report
