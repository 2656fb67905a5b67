from django.db import models


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Planifiée"
    CONVENED = "convened", "Convoquée"
    OPEN = "open", "En cours"
    CLOSED = "closed", "Close"


class ReportStatus(models.TextChoices):
    """A semester report's workflow: draft → submitted → (changes requested → submitted) →
    accepted. "Missing" is not a status: it is the absence of a report."""

    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Soumis, à relire"
    CHANGES_REQUESTED = "changes_requested", "Modifications demandées"
    ACCEPTED = "accepted", "Accepté"


class Standard(models.TextChoices):
    """The beta.gouv.fr standards a report says it follows (DESIGN §5, section 4)."""

    STATS = "stats", "Page de statistiques publique"
    OPEN_SOURCE = "open_source", "Code source ouvert"
    BUDGET = "budget", "Budget publié"
    ACCESSIBILITY = "accessibility", "Accessibilité"
    SECURITY = "security", "Sécurité"


class Compliance(models.TextChoices):
    NO = "no", "Non"
    PARTLY = "partly", "En partie"
    YES = "yes", "Oui"


class Reminder(models.TextChoices):
    """When a report reminder goes out, relative to the report's due date."""

    TWO_WEEKS = "two_weeks", "deux semaines avant"
    ONE_WEEK = "one_week", "une semaine avant"
    TWO_DAYS = "two_days", "deux jours avant"
    LATE = "late", "en retard"
