from django.db import models


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Planifiée"
    CONVENED = "convened", "Convoquée"
    OPEN = "open", "En cours"
    CLOSED = "closed", "Close"
    CANCELLED = "cancelled", "Annulée"


class ReportStatus(models.TextChoices):
    """A semester report's workflow: draft → submitted → (changes requested → submitted) →
    accepted. "Missing" is not a status: it is the absence of a report."""

    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Soumis, à relire"
    CHANGES_REQUESTED = "changes_requested", "Modifications demandées"
    ACCEPTED = "accepted", "Accepté"


class Standard(models.TextChoices):
    """The programme's standards (DESIGN §5b), in the order of their families
    (`STANDARD_FAMILIES`). The keys stats, open_source, budget, accessibility and security are
    those reports were written with before the families: they keep their meaning."""

    STATS = "stats", "Page de statistiques publique"
    TEAM = "team", "Équipe autonome, pilotée par l’impact"
    OPEN_SOURCE = "open_source", "Code source ouvert"
    BUDGET = "budget", "Budget publié"
    ACCESSIBILITY_STATEMENT = "accessibility_statement", "Déclaration d’accessibilité publiée"
    LEGAL = "legal", "Mentions légales et données personnelles"
    DSFR = "dsfr", "Système de design de l’État (DSFR)"
    SEO = "seo", "Référencement"
    ACCESSIBILITY = "accessibility", "Accessibilité (RGAA)"
    ECODESIGN = "ecodesign", "Écoconception"
    SECURITY = "security", "Sécurité"

    @property
    def family(self) -> str:
        return next(name for name, members in STANDARD_FAMILIES if self in members)


STANDARD_FAMILIES: tuple[tuple[str, tuple[Standard, ...]], ...] = (
    ("Piloté par l’impact", (Standard.STATS,)),
    ("Équipe autonome", (Standard.TEAM,)),
    (
        "Transparence",
        (
            Standard.OPEN_SOURCE,
            Standard.BUDGET,
            Standard.ACCESSIBILITY_STATEMENT,
            Standard.LEGAL,
        ),
    ),
    (
        "Pratiques techniques",
        (
            Standard.DSFR,
            Standard.SEO,
            Standard.ACCESSIBILITY,
            Standard.ECODESIGN,
            Standard.SECURITY,
        ),
    ),
)


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
    VOTE_DUE = "vote_due", "vote écrit à rendre"


class MemberRole(models.TextChoices):
    """A committee member's role. The chair and the sponsors' representatives vote."""

    CHAIR = "chair", "Président·e"
    VOTER = "voter", "Représentant·e votant·e d’un sponsor"
    STAFF = "staff", "Équipe de l’incubateur"
    SECRETARY = "secretary", "Secrétaire"
    OBSERVER = "observer", "Observateur·rice"


VOTING_ROLES = (MemberRole.CHAIR, MemberRole.VOTER)


class Majority(models.TextChoices):
    SIMPLE = "simple", "Majorité simple"
    TWO_THIRDS = "two_thirds", "Majorité des deux tiers"
    UNANIMITY = "unanimity", "Unanimité"


class Outcome(models.TextChoices):
    REFINANCE = "refinance", "Refinancer"
    ADJUST = "adjust", "Ajuster"
    STOP = "stop", "Arrêter"

    @property
    def meaning(self) -> str:
        """What the decision means for the startup (DESIGN §1 and §5b)."""
        return OUTCOME_MEANINGS[self]


OUTCOME_MEANINGS = {
    Outcome.REFINANCE: "Le même budget ou un budget plus élevé, pour six mois de plus.",
    Outcome.ADJUST: "Un budget réduit, ou un budget provisoire d’un à deux mois en attendant "
    "des preuves, ou des conditions (périmètre, équipe).",
    Outcome.STOP: "La fin du financement. Faute d’impact, le produit s’arrête ou pivote et "
    "l’équipe écrit un post-mortem ; faute de budget, l’arrêt peut mener à une période de "
    "sauvegarde, à un nouveau sponsor ou à la maintenance.",
}


class ReviewStatus(models.TextChoices):
    """One agenda item in a session: pending → voting → voted → decided."""

    PENDING = "pending", "À examiner"
    VOTING = "voting", "Vote ouvert"
    VOTED = "voted", "Vote clos"
    DECIDED = "decided", "Décidé"


# The sponsors' scoring grid (DESIGN §5), each question scored 1 to 5.
GRID = (
    ("positioning", "Le positionnement est juste"),
    ("usable_useful_used", "Le service est utilisable, utile et utilisé"),
    ("targets_met", "Les derniers objectifs sont atteints"),
    ("cost_known", "Le coût par impact actuel est connu et satisfaisant"),
    ("targets_relevant", "Les prochains objectifs sont pertinents"),
    ("cost_projected", "Le coût par impact projeté est satisfaisant"),
    ("priorities", "Les priorités permettent d’atteindre les objectifs"),
    ("resources", "Les moyens sont cohérents avec les objectifs"),
    ("impact_driven", "L’équipe est pilotée par l’impact"),
    ("adjusts", "L’équipe sait s’ajuster"),
)

# The grid's questions in the programme's three blocks, by key: each question in one block.
GRID_BLOCKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Les six derniers mois", ("positioning", "usable_useful_used", "targets_met", "cost_known")),
    ("Les six prochains mois", ("targets_relevant", "cost_projected", "priorities")),
    ("Besoins et arbitrages", ("resources", "impact_driven", "adjusts")),
)


class AuditAction(models.TextChoices):
    SESSION_CREATED = "session_created", "Séance créée"
    SESSION_CHANGED = "session_changed", "Séance modifiée"
    SESSION_COPIED = "session_copied", "Séance copiée"
    AGENDA_ADDED = "agenda_added", "Startup ajoutée à l’ordre du jour"
    AGENDA_REMOVED = "agenda_removed", "Startup retirée de l’ordre du jour"
    AGENDA_MOVED = "agenda_moved", "Ordre du jour réordonné"
    AGENDA_ITEM_CHANGED = "agenda_item_changed", "Passage modifié"
    SESSION_CONVENED = "session_convened", "Séance convoquée"
    SESSION_OPENED = "session_opened", "Séance ouverte"
    ATTENDANCE = "attendance", "Présence enregistrée"
    CONFLICT = "conflict", "Conflit d’intérêts déclaré"
    VOTE_OPENED = "vote_opened", "Vote ouvert"
    VOTE_CAST = "vote_cast", "Vote exprimé"
    VOTE_CLOSED = "vote_closed", "Vote clos"
    DECISION_RECORDED = "decision_recorded", "Décision enregistrée"
    DECISION_CORRECTED = "decision_corrected", "Décision corrigée"
    SESSION_CLOSED = "session_closed", "Séance close"
    COMMITTEE_CHANGED = "committee_changed", "Règles du comité modifiées"
    MEMBER_ADDED = "member_added", "Membre ajouté"
    MEMBER_CHANGED = "member_changed", "Membre modifié"
    MEMBER_REMOVED = "member_removed", "Membre retiré"
    QUESTION_ASKED = "question_asked", "Question posée à l’équipe"
    QUESTION_ANSWERED = "question_answered", "Réponse de l’équipe"
    PROXY_GIVEN = "proxy_given", "Procuration enregistrée"
    PROXY_WITHDRAWN = "proxy_withdrawn", "Procuration retirée"
    WRITTEN_OPENED = "written_opened", "Procédure écrite ouverte"
    ORDER_CHANGED = "order_changed", "Suivi de la commande mis à jour"
    PURCHASING_NOTIFIED = "purchasing_notified", "Service des achats prévenu"
    SESSION_MOVED = "session_moved", "Séance déplacée"
    SESSION_CANCELLED = "session_cancelled", "Séance annulée"
    REPORT_NUDGED = "report_nudged", "Équipe relancée pour son bilan"


class SessionKind(models.TextChoices):
    """A session held in a meeting, or a written procedure between sessions: one item put to
    an online vote with a deadline."""

    MEETING = "meeting", "Séance"
    WRITTEN = "written", "Procédure écrite"


class VoteMode(models.TextChoices):
    """How a vote was cast: by the member, by the holder of their proxy ("au nom de …"), or
    entered by the chair for a member present by phone."""

    SELF = "self", "Vote personnel"
    PROXY = "proxy", "Par procuration"
    CHAIR = "chair", "Saisi par la présidence"


class DocumentKind(models.TextChoices):
    """The PDFs Comité makes (DESIGN §5)."""

    DOSSIER = "dossier", "Dossier d’examen"
    PACK = "pack", "Dossiers de séance"
    MINUTES = "minutes", "Relevé de décisions"


class DocumentStatus(models.TextChoices):
    """A document job: a pack waits for its dossiers (rendered in parallel), then like any
    document it is queued, claimed by one worker, rendered, and done or failed."""

    WAITING = "waiting", "Dossiers en cours de rendu"
    QUEUED = "queued", "En file d’attente"
    RENDERING = "rendering", "En cours de rendu"
    DONE = "done", "Prêt"
    FAILED = "failed", "Échec"


ACTIVE_DOCUMENT = (DocumentStatus.WAITING, DocumentStatus.QUEUED, DocumentStatus.RENDERING)
