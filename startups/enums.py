from typing import NamedTuple

from django.db import models


class Lifecycle(models.TextChoices):
    """Comité's lifecycle (DESIGN §1), in the order a startup goes through it."""

    INVESTIGATION = "investigation", "Investigation"
    CONSTRUCTION = "construction", "Construction"
    ACCELERATION = "acceleration", "Accélération"
    TRANSFER = "transfer", "Transfert"
    STOPPED = "stopped", "Arrêt"

    @property
    def rank(self) -> int:
        return list(Lifecycle).index(self)

    @property
    def usual_months(self) -> int | None:
        """The programme's usual length of the phase (DESIGN §1: investigation 6 to 12 weeks,
        construction 6 to 12 months, acceleration about a year); None when open-ended."""
        return USUAL_MONTHS.get(self)


USUAL_MONTHS = {Lifecycle.INVESTIGATION: 3, Lifecycle.CONSTRUCTION: 12, Lifecycle.ACCELERATION: 12}
# A phase is flagged as long beyond this multiple of its usual length.
LONG_PHASE = 1.5


class PhaseName(NamedTuple):
    lifecycle: Lifecycle
    label: str
    # Still followed by the programme (and so due for committees).
    in_programme: bool


# The beta.gouv.fr phase vocabularies, 2026 and legacy, mapped onto the lifecycle.
PHASE_NAMES: dict[str, PhaseName] = {
    "investigation": PhaseName(Lifecycle.INVESTIGATION, "Investigation", True),
    "construction": PhaseName(Lifecycle.CONSTRUCTION, "Construction", True),
    "acceleration": PhaseName(Lifecycle.ACCELERATION, "Accélération", True),
    "consolidation": PhaseName(Lifecycle.TRANSFER, "Consolidation", True),
    "opere": PhaseName(Lifecycle.TRANSFER, "Opéré au sein du réseau", True),
    "transfere": PhaseName(Lifecycle.TRANSFER, "Transféré", False),
    "transfer": PhaseName(Lifecycle.TRANSFER, "Transfert", False),
    "success": PhaseName(Lifecycle.TRANSFER, "Pérennisé", False),
    "alumni": PhaseName(Lifecycle.TRANSFER, "Sorti du programme", False),
    "abandon-investigation": PhaseName(Lifecycle.STOPPED, "Abandon après investigation", False),
    "abandon": PhaseName(Lifecycle.STOPPED, "Abandon", False),
}
IN_PROGRAMME_PHASE_NAMES = [name for name, phase in PHASE_NAMES.items() if phase.in_programme]
# The beta.gouv.fr phase name a phase opened by Comité gets for each lifecycle step.
LIFECYCLE_PHASE_NAME = {
    Lifecycle.INVESTIGATION: "investigation",
    Lifecycle.CONSTRUCTION: "construction",
    Lifecycle.ACCELERATION: "acceleration",
    Lifecycle.TRANSFER: "transfer",
    Lifecycle.STOPPED: "abandon",
}


class Origin(models.TextChoices):
    """Who wrote a phase or an event: the beta.gouv.fr import rewrites its own rows only."""

    BETAGOUV = "betagouv", "beta.gouv.fr"
    COMITE = "comite", "Comité"


class EventKind(models.TextChoices):
    COMMITTEE = "committee", "Passage en comité"
    PRODUCT_LAUNCH = "product_launch", "Lancement du produit"
    NATIONAL_IMPACT = "national_impact", "Impact national"
    FAST = "fast", "Financement FAST"
    END = "end", "Fin"
    OTHER = "other", "Autre"


class TeamRole(models.TextChoices):
    INTRAPRENEUR = "intrapreneur", "Intrapreneur·e"
    PRODUCT = "product", "Chargé·e de déploiement / produit"
    DEVELOPER = "developer", "Développeur·se"
    DESIGNER = "designer", "Designer"
    COACH = "coach", "Coach"
    OTHER = "other", "Autre"


class FundingSource(models.TextChoices):
    FAST = "fast", "Fonds FAST (import beta.gouv.fr)"
    DECISION = "decision", "Décision de comité"
    MANUAL = "manual", "Saisie manuelle"


# The `type` values of beta.gouv.fr organisations; an unknown value is shown as it is.
ORGANISATION_KINDS = {
    "administration-centrale": "Administration centrale",
    "service-deconcentre": "Service déconcentré",
    "operateur": "Opérateur",
    "securite-sociale": "Sécurité sociale",
    "collectivite-territoriale": "Collectivité territoriale",
    "autre": "Autre",
}


class SyncStatus(models.TextChoices):
    """A sync of the portfolio from the beta.gouv.fr API (`SyncRun`)."""

    RUNNING = "running", "En cours"
    DONE = "done", "Terminée"
    FAILED = "failed", "Échouée"


# The kinds of beta.gouv.fr records, in the order they are read, and the words of their counts.
RECORD_KINDS = {
    "organisations": "Organisations",
    "incubators": "Incubateurs",
    "startups": "Startups",
}
COUNT_WORDS = {
    "created": "créés",
    "updated": "modifiés",
    "unchanged": "inchangés",
    "rejected": "rejetés",
    "missing": "absents de la source",
}


class MembershipOrigin(models.TextChoices):
    """Who made a team membership: the sync from espace-membre ends only its own."""

    COMITE = "comite", "Comité"
    ESPACE_MEMBRE = "espace_membre", "espace-membre"


class ProposalKind(models.TextChoices):
    """What a `MembershipProposal` proposes."""

    JOIN = "join", "Arrivée"
    END = "end", "Départ"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposée"
    ACCEPTED = "accepted", "Acceptée"
    REJECTED = "rejected", "Refusée"


# espace-membre's `domaine` (its `Domaine` enum: Animation, Coaching, Déploiement, Design,
# Développement, Intraprenariat, Produit, Data, Support, Attributaire, Autre) → a team role;
# any other value, or none, is OTHER.
DOMAINE_ROLES = {
    "Intraprenariat": TeamRole.INTRAPRENEUR,
    "Développement": TeamRole.DEVELOPER,
    "Design": TeamRole.DESIGNER,
    "Coaching": TeamRole.COACH,
    "Produit": TeamRole.PRODUCT,
    "Déploiement": TeamRole.PRODUCT,
}

# The counts of a reading of espace-membre (`MemberSync.counts`), in words.
MEMBER_SYNC_COUNTS = {
    "startups_read": "startups lues",
    "startups_unknown": "startups inconnues d’espace-membre",
    "proposed": "arrivées proposées",
    "ends_proposed": "départs proposés",
    "unchanged": "déjà dans l’équipe ou déjà proposés",
    "not_active": "sans mission en cours",
    "without_email": "sans adresse principale",
}
