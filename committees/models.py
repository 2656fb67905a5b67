"""Committees and their members, sessions and their agendas, the teams' semester reports, the
sponsors' assessments and votes, the decisions, and the audit trail of all of it."""

import datetime
import json
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts import limits
from accounts.editing import Edited
from metrics.models import Objective
from startups.dates import Semester, add_months
from startups.enums import Lifecycle
from startups.models import MONEY, FundingRound, Incubator, Organisation, Startup

from .enums import (
    ACTIVE_DOCUMENT,
    GRID,
    VOTING_ROLES,
    AuditAction,
    DocumentKind,
    DocumentStatus,
    Majority,
    MemberRole,
    Outcome,
    Reminder,
    ReportStatus,
    ReviewStatus,
    SessionKind,
    SessionStatus,
    VoteMode,
)

# The team sends its material a week before the session (DESIGN §1).
REPORT_LEAD_DAYS = 7


class PrefillEncoder(json.JSONEncoder):
    """The JSON codec of the frozen figures (a report version's prefill, a decision's snapshot,
    an audit event's detail): numbers come back as Decimal, dates as ISO strings."""

    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime.date):
            return o.isoformat()
        return super().default(o)


class PrefillDecoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, parse_float=Decimal, **kwargs)


def round_trip(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=PrefillEncoder), cls=PrefillDecoder)


def report_semester(due_on: datetime.date) -> Semester:
    """The half year a report due on `due_on` looks back on: the one three months earlier
    (due in December or January → the second semester; in June or July → the first)."""
    return Semester.of(add_months(due_on, -3))


class Committee(Edited):
    """A standing investment committee ("comité d'investissement")."""

    name = models.CharField("nom", max_length=200, unique=True)
    incubator = models.ForeignKey(
        Incubator,
        verbose_name="incubateur",
        related_name="committees",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="sponsor",
        related_name="committees",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    report_lead_days = models.PositiveSmallIntegerField(
        "bilans attendus (jours avant la séance)", default=REPORT_LEAD_DAYS
    )
    quorum = models.PositiveSmallIntegerField(
        "quorum", default=2, help_text="Nombre minimum de membres votants présents."
    )
    majority = models.CharField(
        "majorité", max_length=10, choices=Majority, default=Majority.SIMPLE
    )
    secret_ballot = models.BooleanField(
        "vote à bulletin secret",
        default=False,
        help_text="Le décompte est publié, pas qui a voté quoi.",
    )
    proxies_allowed = models.BooleanField(
        "procurations autorisées",
        default=False,
        help_text="Un membre votant empêché donne procuration à un autre membre votant.",
    )
    proxies_per_holder = models.PositiveSmallIntegerField(
        "procurations par mandataire",
        default=1,
        help_text="Nombre de procurations qu’un membre votant peut détenir pour une même séance.",
    )
    chair_votes_allowed = models.BooleanField(
        "votes saisis par la présidence",
        default=False,
        help_text="La présidence saisit le vote d’un membre présent par téléphone.",
    )

    class Meta:
        verbose_name = "comité d’investissement"
        verbose_name_plural = "comités d’investissement"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum__gte=1),
                name="committee_quorum_positive",
                violation_error_message="Le quorum est d’au moins un membre votant.",
            ),
            models.CheckConstraint(
                condition=Q(proxies_per_holder__gte=1),
                name="committee_proxies_per_holder_positive",
                violation_error_message="Un mandataire détient au moins une procuration.",
            ),
        ]

    def __str__(self):
        return self.name


class CommitteeMember(models.Model):
    """A person sitting on a committee, with their role; a sponsor's representative names the
    organisation they speak for (which proposes their recusal on its own startups)."""

    committee = models.ForeignKey(
        Committee, verbose_name="comité", related_name="members", on_delete=models.CASCADE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="personne",
        related_name="committee_seats",
        on_delete=models.PROTECT,
    )
    role = models.CharField("rôle", max_length=10, choices=MemberRole)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation représentée",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = "membre de comité"
        verbose_name_plural = "membres de comité"
        ordering = ["committee", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "user"], name="member_once_per_committee"),
            models.UniqueConstraint(
                fields=["committee"],
                condition=Q(role=MemberRole.CHAIR),
                name="committee_one_chair",
                violation_error_message="Un comité n’a qu’un·e président·e.",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    @property
    def votes(self) -> bool:
        return self.role in VOTING_ROLES


class SessionQuerySet(models.QuerySet):
    def upcoming(self, *, today: datetime.date):
        """Sessions still to be held (today's included)."""
        return self.filter(starts_at__date__gte=today).exclude(
            status__in=[SessionStatus.CLOSED, SessionStatus.CANCELLED]
        )


class Session(models.Model):
    """One sitting of a committee ("séance")."""

    committee = models.ForeignKey(
        Committee, verbose_name="comité", related_name="sessions", on_delete=models.PROTECT
    )
    kind = models.CharField("type", max_length=10, choices=SessionKind, default=SessionKind.MEETING)
    starts_at = models.DateTimeField("date et heure")
    # A written procedure's votes close at this deadline, or once every member has voted.
    deadline = models.DateTimeField("date limite du vote écrit", null=True, blank=True)
    place = models.CharField("lieu", max_length=300, blank=True)
    video_url = models.URLField("lien de visioconférence", max_length=500, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=SessionStatus, default=SessionStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    convened_at = models.DateTimeField("convoquée le", null=True, blank=True)
    opened_at = models.DateTimeField("ouverte le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    # A cancelled session keeps its agenda and journal; its invitations are withdrawn.
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancel_reason = models.CharField("motif de l’annulation", max_length=500, blank=True)
    # The calendar invitation's SEQUENCE (RFC 5545): raised each time the date, time or place
    # changes or the session is cancelled, so calendars replace the invitation they hold.
    sequence = models.PositiveIntegerField("version de l’invitation", default=0)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "séance"
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=SessionStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=SessionStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="session_closed_at_iff_closed",
                violation_error_message="Une séance a une date de clôture si et seulement si "
                "elle est close.",
            ),
            models.CheckConstraint(
                condition=Q(status=SessionStatus.CANCELLED, cancelled_at__isnull=False)
                | (~Q(status=SessionStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="session_cancelled_at_iff_cancelled",
                violation_error_message="Une séance a une date d’annulation si et seulement si "
                "elle est annulée.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[SessionStatus.PLANNED, SessionStatus.CANCELLED])
                | Q(convened_at__isnull=False),
                name="session_convened_before_held",
                violation_error_message="Une séance est convoquée avant d’être tenue.",
            ),
            models.CheckConstraint(
                condition=Q(kind=SessionKind.MEETING) | Q(deadline__isnull=False),
                name="written_procedure_has_deadline",
                violation_error_message="Une procédure écrite a une date limite.",
            ),
        ]

    def __str__(self):
        return f"{self.committee} — {timezone.localtime(self.starts_at):%d/%m/%Y}"

    @property
    def kind_noun(self) -> str:
        """ "Séance" or "Procédure écrite", to start a sentence: "Procédure écrite close le …"."""
        return "Procédure écrite" if self.kind == SessionKind.WRITTEN else "Séance"

    # The session's workflow: planned → convened → open → closed, each step stamped.
    TRANSITIONS = {
        SessionStatus.CONVENED: (SessionStatus.PLANNED,),
        SessionStatus.OPEN: (SessionStatus.CONVENED,),
        SessionStatus.CLOSED: (SessionStatus.OPEN,),
    }
    STAMPS = {
        SessionStatus.CONVENED: "convened_at",
        SessionStatus.OPEN: "opened_at",
        SessionStatus.CLOSED: "closed_at",
    }
    REFUSALS = {
        SessionStatus.CONVENED: "Seule une séance planifiée peut être convoquée.",
        SessionStatus.OPEN: "Seule une séance convoquée peut être ouverte.",
        SessionStatus.CLOSED: "Seule une séance en cours peut être close.",
    }

    @property
    def is_planned(self) -> bool:
        return self.status == SessionStatus.PLANNED

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN

    @property
    def outbox_about(self) -> str:
        """What its e-mails say they are about in the outbox (`accounts.outbox.waiting`)."""
        return f"session:{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status == SessionStatus.CLOSED

    @property
    def is_preparing(self) -> bool:
        """Planned or convened: the agenda, the grids and the conflicts still change."""
        return self.status in (SessionStatus.PLANNED, SessionStatus.CONVENED)

    @property
    def is_sitting(self) -> bool:
        """Convened or open: the chair takes the attendance."""
        return self.status in (SessionStatus.CONVENED, SessionStatus.OPEN)

    def check_move(self, to: SessionStatus) -> None:
        """Refuse a move TRANSITIONS does not allow from the status this row was read with."""
        if self.status not in self.TRANSITIONS[to]:
            raise ValidationError(self.REFUSALS[to])

    def move(self, to: SessionStatus, *, now: datetime.datetime | None = None) -> None:
        """Move to `to`, stamping its date, with a conditional UPDATE on the allowed statuses:
        of two concurrent moves, one wins and the other is refused."""
        now = now or timezone.now()
        stamp = self.STAMPS[to]
        moved = Session.objects.filter(pk=self.pk, status__in=self.TRANSITIONS[to]).update(
            status=to, **{stamp: now}
        )
        if not moved:
            raise ValidationError(self.REFUSALS[to])
        self.status = to
        setattr(self, stamp, now)

    @property
    def date(self) -> datetime.date:
        return timezone.localtime(self.starts_at).date()

    @property
    def is_today(self) -> bool:
        """Held on its day: opening it another day asks the chair to confirm."""
        return self.date == timezone.localdate()

    @property
    def held_on(self) -> datetime.date | None:
        """The day it was really opened, when that is not the day it was planned for."""
        opened = self.opened_at and timezone.localtime(self.opened_at).date()
        return opened if opened and opened != self.date else None

    @property
    def report_due_on(self) -> datetime.date:
        return self.date - datetime.timedelta(days=self.committee.report_lead_days)


class Review(Edited):
    """One startup on one session's agenda ("passage en comité")."""

    session = models.ForeignKey(
        Session, verbose_name="séance", related_name="reviews", on_delete=models.CASCADE
    )
    startup = models.ForeignKey(
        Startup, verbose_name="startup", related_name="reviews", on_delete=models.PROTECT
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=50)
    status = models.CharField(
        "statut", max_length=10, choices=ReviewStatus, default=ReviewStatus.PENDING
    )
    requested_amount = models.DecimalField("montant demandé (€)", null=True, blank=True, **MONEY)
    requested_months = models.PositiveSmallIntegerField(
        "durée demandée (mois)", null=True, blank=True
    )
    recommendation = models.TextField(
        "recommandation de l’incubateur", max_length=limits.LONG, blank=True
    )
    recommended_amount = models.DecimalField(
        "montant recommandé par l’incubateur (€)", null=True, blank=True, **MONEY
    )
    vote_opened_at = models.DateTimeField("vote ouvert le", null=True, blank=True)
    vote_closed_at = models.DateTimeField("vote clos le", null=True, blank=True)
    # The committee's rules, fixed on the item when its vote opens: changing the committee's
    # rules afterwards changes nothing about this vote.
    secret_ballot = models.BooleanField("vote à bulletin secret", null=True, blank=True)
    majority = models.CharField("majorité", max_length=10, choices=Majority, blank=True)
    quorum = models.PositiveSmallIntegerField("quorum", null=True, blank=True)
    # The tally, frozen when the vote closes (`voting.tally_data`).
    tally = models.JSONField(
        "dépouillement", null=True, blank=True, encoder=PrefillEncoder, decoder=PrefillDecoder
    )

    class Meta:
        verbose_name = "passage en comité"
        verbose_name_plural = "passages en comité"
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "startup"], name="review_startup_unique"),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.PENDING) | Q(vote_opened_at__isnull=False),
                name="review_vote_opened",
                violation_error_message="Un vote est ouvert avant d’être clos ou décidé.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[ReviewStatus.PENDING, ReviewStatus.VOTING])
                | Q(vote_closed_at__isnull=False),
                name="review_vote_closed",
                violation_error_message="Un passage décidé a un vote clos.",
            ),
        ]

    def __str__(self):
        return f"{self.startup} — {self.session}"

    @property
    def semester(self) -> Semester:
        return report_semester(self.session.report_due_on)

    @property
    def is_secret(self) -> bool:
        """A secret ballot: the rule fixed when the vote opened, else the committee's now."""
        if self.secret_ballot is not None:
            return self.secret_ballot
        return self.session.committee.secret_ballot


class SemesterReportQuerySet(models.QuerySet):
    def for_reviews(self, reviews) -> dict[tuple[int, str], "SemesterReport"]:
        """The reports of these agenda items, by (startup id, semester key): one query."""
        pairs = {(review.startup_id, review.semester.key) for review in reviews}
        reports = self.filter(
            startup_id__in={startup for startup, _ in pairs},
            semester__in={semester for _, semester in pairs},
        )
        return {(r.startup_id, r.semester): r for r in reports}


class SemesterReport(Edited):
    """A team's semester report ("bilan semestriel") for one half year. Its content lives in
    versions: the last one is the draft being written or the version last submitted."""

    startup = models.ForeignKey(
        Startup, verbose_name="startup", related_name="reports", on_delete=models.PROTECT
    )
    semester = models.CharField("semestre", max_length=7, help_text="2026-S2")
    status = models.CharField(
        "statut", max_length=20, choices=ReportStatus, default=ReportStatus.DRAFT
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    accepted_at = models.DateTimeField("accepté le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="accepté par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    objects = SemesterReportQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan semestriel"
        verbose_name_plural = "bilans semestriels"
        ordering = ["startup", "-semester"]
        constraints = [
            models.UniqueConstraint(fields=["startup", "semester"], name="report_semester_unique"),
            models.CheckConstraint(
                condition=Q(semester__regex=r"^\d{4}-S[12]$"),
                name="report_semester_format",
                violation_error_message="Un semestre s’écrit 2026-S1 ou 2026-S2.",
            ),
            models.CheckConstraint(
                condition=Q(status=ReportStatus.ACCEPTED, accepted_at__isnull=False)
                | (~Q(status=ReportStatus.ACCEPTED) & Q(accepted_at__isnull=True)),
                name="report_accepted_at_iff_accepted",
                violation_error_message="Un bilan a une date d’acceptation si et seulement s’il "
                "est accepté.",
            ),
        ]

    def __str__(self):
        return f"Bilan {self.period} — {self.startup}"

    def get_absolute_url(self):
        return reverse("committees:report", args=[self.startup.slug, self.semester])

    @property
    def period(self) -> Semester:
        return Semester.parse(self.semester)

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED)

    @property
    def is_frozen(self) -> bool:
        return not self.is_editable

    def move(self, to: ReportStatus, *, allowed_from: tuple[ReportStatus, ...]) -> None:
        """Change status, refusing an illegal move (the caller saves)."""
        if self.status not in allowed_from:
            raise ValidationError(
                f"Un bilan « {self.get_status_display()} » ne peut pas passer à "
                f"« {ReportStatus(to).label} »."
            )
        self.status = to


class ReportVersion(models.Model):
    """One version of a report. A version is written as a draft, then frozen by its submission
    (with the figures Comité pre-filled, as they were that day); changes make a new version."""

    report = models.ForeignKey(
        SemesterReport, verbose_name="bilan", related_name="versions", on_delete=models.CASCADE
    )
    number = models.PositiveSmallIntegerField("version")
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    submitted_at = models.DateTimeField("soumise le", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="soumise par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    prefill = models.JSONField(
        "chiffres de Comité au jour de la soumission",
        null=True,
        encoder=PrefillEncoder,
        decoder=PrefillDecoder,
    )
    reviewed_at = models.DateTimeField("relue le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="relue par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = "version de bilan"
        verbose_name_plural = "versions de bilan"
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique"),
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(submitted_at__isnull=True),
                name="report_one_draft",
                violation_error_message="Un bilan n’a qu’un brouillon à la fois.",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, prefill__isnull=True)
                | Q(submitted_at__isnull=False, prefill__isnull=False),
                name="report_version_frozen_when_submitted",
                violation_error_message="Une version soumise garde les chiffres du jour.",
            ),
        ]

    def __str__(self):
        return f"{self.report} — version {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None


class ReportSection(models.Model):
    """What the team wrote in one section of one version, saved on its own (autosave).
    `saved_at` is empty while the text is only what Comité proposed from the previous report."""

    version = models.ForeignKey(
        ReportVersion, verbose_name="version", related_name="sections", on_delete=models.CASCADE
    )
    key = models.CharField("section", max_length=20)
    data = models.JSONField("contenu", default=dict)
    saved_at = models.DateTimeField("enregistrée le", null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = "section de bilan"
        verbose_name_plural = "sections de bilan"
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="report_section_unique")
        ]

    def __str__(self):
        return f"{self.version} — {self.key}"


class ReportComment(models.Model):
    """A reviewer's comment on one section of a submitted version."""

    version = models.ForeignKey(
        ReportVersion, verbose_name="version", related_name="comments", on_delete=models.CASCADE
    )
    section = models.CharField("section", max_length=20)
    body = models.TextField("commentaire", max_length=limits.COMMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        related_name="+",
        null=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField("écrit le", auto_now_add=True)

    class Meta:
        verbose_name = "commentaire de relecture"
        verbose_name_plural = "commentaires de relecture"
        ordering = ["version", "created_at", "id"]

    def __str__(self):
        return f"{self.version} — {self.section}"


class SentReminder(models.Model):
    """A report reminder that went out: to a team for one agenda item, or the summary of the
    missing reports to staff for one session. The unique constraints make each go out once,
    however often and however concurrently the job runs."""

    session = models.ForeignKey(Session, related_name="+", on_delete=models.CASCADE)
    review = models.ForeignKey(
        Review, related_name="+", null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField("rappel", max_length=10, choices=Reminder)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "rappel envoyé"
        verbose_name_plural = "rappels envoyés"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "kind"],
                condition=Q(review__isnull=False),
                name="reminder_once_per_review",
            ),
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=Q(review__isnull=True),
                name="staff_summary_once_per_session",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.review or self.session}"


class Attendance(models.Model):
    """Whether a member is present at a session (recorded by the chair)."""

    session = models.ForeignKey(Session, related_name="attendances", on_delete=models.CASCADE)
    member = models.ForeignKey(CommitteeMember, related_name="+", on_delete=models.PROTECT)
    present = models.BooleanField("présent·e", default=True)
    # Present by phone: the chair may enter their vote, when the committee's rules allow it.
    remote = models.BooleanField("présent·e par téléphone", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "présence"
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="attendance_once")
        ]

    def __str__(self):
        return f"{self.member} — {'présent·e' if self.present else 'absent·e'}"


class Conflict(models.Model):
    """A member's conflict of interest on one agenda item: they neither vote nor count."""

    review = models.ForeignKey(Review, related_name="conflicts", on_delete=models.CASCADE)
    member = models.ForeignKey(CommitteeMember, related_name="+", on_delete=models.PROTECT)
    reason = models.TextField("motif", max_length=limits.COMMENT)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, on_delete=models.SET_NULL
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "conflit d’intérêts"
        verbose_name_plural = "conflits d’intérêts"
        constraints = [models.UniqueConstraint(fields=["review", "member"], name="conflict_once")]

    def __str__(self):
        return f"{self.member} — {self.review}"


def grid_is_valid(scores: dict) -> bool:
    keys = {key for key, _ in GRID}
    return set(scores) <= keys and all(isinstance(v, int) and 1 <= v <= 5 for v in scores.values())


class Assessment(models.Model):
    """A voting member's preparation of one agenda item: the scoring grid (1–5 per question,
    keys of `enums.GRID`) and private notes nobody else reads."""

    review = models.ForeignKey(Review, related_name="assessments", on_delete=models.CASCADE)
    member = models.ForeignKey(CommitteeMember, related_name="+", on_delete=models.PROTECT)
    scores = models.JSONField("grille", default=dict)
    notes = models.TextField("notes privées", max_length=limits.LONG, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "évaluation"
        constraints = [models.UniqueConstraint(fields=["review", "member"], name="assessment_once")]

    def __str__(self):
        return f"{self.member} — {self.review}"

    @property
    def average(self):
        return sum(self.scores.values()) / len(self.scores) if self.scores else None


class Vote(models.Model):
    """One voting member's vote on one agenda item. One per member and item (the database
    says so), never changed once cast."""

    review = models.ForeignKey(Review, related_name="votes", on_delete=models.PROTECT)
    member = models.ForeignKey(CommitteeMember, related_name="+", on_delete=models.PROTECT)
    choice = models.CharField("choix", max_length=10, choices=Outcome)
    amount = models.DecimalField("montant proposé (€)", null=True, blank=True, **MONEY)
    months = models.PositiveSmallIntegerField("durée proposée (mois)", null=True, blank=True)
    comment = models.TextField("commentaire", max_length=limits.COMMENT, blank=True)
    cast_at = models.DateTimeField("exprimé le", auto_now_add=True)
    mode = models.CharField(
        "mode", max_length=10, choices=VoteMode, default=VoteMode.SELF, db_default=VoteMode.SELF
    )
    # Who sent it when it is not the member: the holder of their proxy, or the chair.
    cast_by = models.ForeignKey(
        CommitteeMember,
        verbose_name="exprimé par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = "vote"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "member"],
                name="vote_once",
                violation_error_message="Ce membre a déjà voté sur ce passage.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="vote_amount_positive",
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"{self.member} : {self.get_choice_display()}"


class Voter(models.Model):
    """Who voted on an item by secret ballot: one row per member and item (which keeps "vote
    once"), and nothing of what they chose: that is a `Ballot`, which names nobody."""

    review = models.ForeignKey(Review, related_name="voters", on_delete=models.PROTECT)
    member = models.ForeignKey(CommitteeMember, related_name="+", on_delete=models.PROTECT)
    cast_at = models.DateTimeField("a voté le")
    mode = models.CharField(
        "mode", max_length=10, choices=VoteMode, default=VoteMode.SELF, db_default=VoteMode.SELF
    )
    cast_by = models.ForeignKey(
        CommitteeMember,
        verbose_name="exprimé par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = "votant"
        constraints = [
            models.UniqueConstraint(
                fields=["review", "member"],
                name="voter_once",
                violation_error_message="Ce membre a déjà voté sur ce passage.",
            ),
        ]

    def __str__(self):
        return f"{self.member} a voté"


class Ballot(models.Model):
    """One secret ballot: what was chosen, by nobody. A random key and no time, so that neither
    the order of the rows nor a timestamp ties it to a `Voter`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.ForeignKey(Review, related_name="ballots", on_delete=models.PROTECT)
    choice = models.CharField("choix", max_length=10, choices=Outcome)
    amount = models.DecimalField("montant proposé (€)", null=True, blank=True, **MONEY)
    months = models.PositiveSmallIntegerField("durée proposée (mois)", null=True, blank=True)
    comment = models.TextField("commentaire", max_length=limits.COMMENT, blank=True)

    class Meta:
        verbose_name = "bulletin secret"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="ballot_amount_positive",
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"Bulletin secret : {self.get_choice_display()}"


class Question(models.Model):
    """A member's question to the team before the committee, and the team's answer. Part of
    the record: the live page, the dossier and the minutes' annex show them. Questions close
    when the item's vote opens."""

    review = models.ForeignKey(Review, related_name="questions", on_delete=models.CASCADE)
    author = models.ForeignKey(
        CommitteeMember, verbose_name="posée par", related_name="+", on_delete=models.PROTECT
    )
    body = models.TextField("question", max_length=limits.COMMENT)
    asked_at = models.DateTimeField("posée le", default=timezone.now)
    answer = models.TextField("réponse", max_length=limits.SECTION, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="répondu par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)

    class Meta:
        verbose_name = "question à l’équipe"
        verbose_name_plural = "questions à l’équipe"
        ordering = ["review", "asked_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(answered_at__isnull=True) & Q(answer=""))
                | (Q(answered_at__isnull=False) & ~Q(answer="")),
                name="question_answered_at_iff_answer",
                violation_error_message="Une réponse a une date, et une date une réponse.",
            ),
        ]

    def __str__(self):
        return f"{self.author} — {self.review}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class Proxy(models.Model):
    """A voting member who cannot attend (`giver`) gives their vote to another voting member
    of the same committee (`holder`), for a whole session or for one item (`review`).
    Recorded before the session opens; the holder then votes twice, "au nom de …"."""

    session = models.ForeignKey(Session, related_name="proxies", on_delete=models.CASCADE)
    review = models.ForeignKey(
        Review,
        verbose_name="pour le seul passage",
        related_name="proxies",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    giver = models.ForeignKey(
        CommitteeMember, verbose_name="mandant", related_name="+", on_delete=models.PROTECT
    )
    holder = models.ForeignKey(
        CommitteeMember, verbose_name="mandataire", related_name="+", on_delete=models.PROTECT
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    recorded_at = models.DateTimeField("enregistrée le", default=timezone.now)

    class Meta:
        verbose_name = "procuration"
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "giver"],
                condition=Q(review__isnull=True),
                name="proxy_once_per_session",
                violation_error_message="Ce membre a déjà donné procuration pour la séance.",
            ),
            models.UniqueConstraint(
                fields=["review", "giver"],
                condition=Q(review__isnull=False),
                name="proxy_once_per_item",
                violation_error_message="Ce membre a déjà donné procuration pour ce passage.",
            ),
            models.CheckConstraint(
                condition=~Q(giver=F("holder")),
                name="proxy_not_to_oneself",
                violation_error_message="On ne se donne pas procuration à soi-même.",
            ),
        ]

    def __str__(self):
        return f"{self.giver} → {self.holder}"


class Decision(models.Model):
    """What the committee decided on one agenda item, with what it was based on (`snapshot`,
    frozen). It created `funding_round`, `objectives` and the phase change. A correction after
    the session is closed is a new decision pointing to the one it `corrects`."""

    review = models.ForeignKey(Review, related_name="decisions", on_delete=models.PROTECT)
    corrects = models.OneToOneField(
        "self",
        verbose_name="corrige",
        related_name="correction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    outcome = models.CharField("décision", max_length=10, choices=Outcome)
    reason = models.TextField(
        "motif",
        max_length=limits.COMMENT,
        blank=True,
        help_text="Obligatoire quand la décision s’écarte du vote.",
    )
    amount = models.DecimalField("montant accordé (€)", **MONEY)
    start = models.DateField("début de la période", null=True, blank=True)
    months = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    is_provisional = models.BooleanField("budget provisoire", default=False)
    conditions = models.TextField("conditions", max_length=limits.LONG, blank=True)
    phase_change = models.CharField(
        "changement de phase", max_length=20, choices=Lifecycle, blank=True
    )
    next_committee_on = models.DateField("prochain comité au plus tard le", null=True, blank=True)
    funding_round = models.OneToOneField(
        FundingRound,
        verbose_name="tour de financement",
        related_name="decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    objectives = models.ManyToManyField(
        Objective, verbose_name="objectifs", related_name="decisions", blank=True
    )
    snapshot = models.JSONField(
        "chiffres au moment de la décision",
        default=dict,
        encoder=PrefillEncoder,
        decoder=PrefillDecoder,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, on_delete=models.PROTECT
    )
    recorded_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    class Meta:
        verbose_name = "décision"
        ordering = ["review", "recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["review"],
                condition=Q(corrects__isnull=True),
                name="decision_once_per_review",
                violation_error_message="Ce passage a déjà sa décision.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="decision_amount_positive",
                violation_error_message="Un montant ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(outcome=Outcome.STOP) | (Q(months__gte=1) & Q(months__lte=12)),
                name="decision_period_when_funded",
                violation_error_message="Une décision de financement a une durée d’un à douze "
                "mois.",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} — {self.review.startup}"


class AuditEvent(models.Model):
    """Who did what and when, for agendas, membership, attendance, votes and decisions."""

    committee = models.ForeignKey(
        Committee, related_name="audit_events", null=True, blank=True, on_delete=models.CASCADE
    )
    session = models.ForeignKey(
        Session, related_name="audit_events", null=True, blank=True, on_delete=models.CASCADE
    )
    review = models.ForeignKey(
        Review, related_name="audit_events", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, on_delete=models.SET_NULL
    )
    action = models.CharField("action", max_length=20, choices=AuditAction)
    detail = models.JSONField("détail", default=dict, encoder=PrefillEncoder)
    at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "événement d’audit"
        verbose_name_plural = "journal d’audit"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} ({self.at:%d/%m/%Y %H:%M})"


def document_path(document, filename: str) -> str:
    """A random name: a document is never reached by guessing its address, only through the
    download view that checks who asks."""
    return f"documents/{uuid.uuid4().hex}.pdf"


# A document queued this long ago and not taken lost its message (the broker was away, or
# restarted empty): it is queued again. A backlog's rows wait less than this for a worker.
QUEUED_LOST_AFTER = datetime.timedelta(minutes=1)


def claim_timeout() -> datetime.timedelta:
    """How long a worker's claim lasts without a heartbeat: DOCUMENT_CLAIM_TIMEOUT."""
    return datetime.timedelta(seconds=settings.DOCUMENT_CLAIM_TIMEOUT)


class Document(models.Model):
    """A PDF asked for: the job row while it is rendered, then its file.

    A pack's dossiers are documents of their own (`pack` set), rendered in parallel by any
    worker; the last one to finish queues the pack, whose task merges them. A worker claims a
    document with a conditional UPDATE that stamps a fresh `claim` token; only the holder of
    that token can mark it done, so a document rendered twice keeps one file. Its worker's
    heartbeat refreshes `claimed_at`; a claim older than DOCUMENT_CLAIM_TIMEOUT is stale (its
    worker died) and can be taken over.
    """

    kind = models.CharField("document", max_length=10, choices=DocumentKind)
    session = models.ForeignKey(
        Session, verbose_name="séance", related_name="documents", on_delete=models.CASCADE
    )
    review = models.ForeignKey(
        Review,
        verbose_name="passage",
        related_name="documents",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    pack = models.ForeignKey(
        "self",
        verbose_name="dossiers de séance",
        related_name="parts",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    status = models.CharField(
        "état", max_length=10, choices=DocumentStatus, default=DocumentStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    requested_at = models.DateTimeField("demandé le", default=timezone.now)
    enqueued_at = models.DateTimeField("mis en file le", default=timezone.now)
    claim = models.UUIDField("jeton du rendu", null=True, blank=True)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    error = models.TextField("raison de l’échec", blank=True)
    file = models.FileField("fichier", upload_to=document_path, blank=True)
    pages = models.PositiveIntegerField("pages", null=True, blank=True)
    inputs = models.CharField("empreinte des données", max_length=64, blank=True)

    class Meta:
        verbose_name = "document"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "enqueued_at"], name="document_status_enqueued")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=DocumentKind.DOSSIER, review__isnull=False)
                | (~Q(kind=DocumentKind.DOSSIER) & Q(review__isnull=True)),
                name="document_review_iff_dossier",
                violation_error_message="Seul un dossier d’examen porte sur un passage.",
            ),
            models.CheckConstraint(
                condition=Q(pack__isnull=True) | Q(kind=DocumentKind.DOSSIER),
                name="document_parts_are_dossiers",
                violation_error_message="Les dossiers de séance ne contiennent que des dossiers "
                "d’examen.",
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.DONE, finished_at__isnull=False, pages__gt=0)
                & ~Q(file="")
                | (~Q(status=DocumentStatus.DONE) & Q(file="")),
                name="document_file_iff_done",
                violation_error_message="Un document a un fichier si et seulement s’il est prêt.",
            ),
            models.CheckConstraint(
                condition=Q(status=DocumentStatus.WAITING, kind=DocumentKind.PACK)
                | ~Q(status=DocumentStatus.WAITING),
                name="document_only_packs_wait",
                violation_error_message="Seuls les dossiers de séance attendent leurs dossiers.",
            ),
            # One job at a time per document: a double click or a second tab finds the first.
            models.UniqueConstraint(
                fields=["kind", "session"],
                condition=Q(review__isnull=True, status__in=ACTIVE_DOCUMENT),
                name="document_one_active_per_session",
            ),
            models.UniqueConstraint(
                fields=["review"],
                condition=Q(pack__isnull=True, status__in=ACTIVE_DOCUMENT),
                name="document_one_active_per_review",
            ),
            models.UniqueConstraint(fields=["pack", "review"], name="document_part_once"),
        ]

    def __str__(self):
        subject = self.review.startup if self.review_id else self.session
        return f"{self.get_kind_display()} — {subject}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_DOCUMENT

    @property
    def stuck(self) -> bool:
        """Queued and not taken for QUEUED_LOST_AFTER, or rendered by a worker whose heartbeat
        stopped: its message or its worker was lost. The beat takes it over (`documents_recover`);
        staff may relaunch it at once."""
        now = timezone.now()
        if self.status == DocumentStatus.QUEUED:
            return self.enqueued_at < now - QUEUED_LOST_AFTER
        return self.status == DocumentStatus.RENDERING and self.claimed_at < now - claim_timeout()
