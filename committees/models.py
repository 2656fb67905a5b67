"""Committees, their sessions and agendas, and the teams' semester reports.

Issue 4 brings the reports and what their deadlines hang on (a session and its agenda); votes
and decisions come with issue 5.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from startups.dates import Semester, add_months
from startups.models import Incubator, Startup

from .enums import Reminder, ReportStatus, SessionStatus
from .prefill import PrefillDecoder, PrefillEncoder

# The team sends its material a week before the session (DESIGN §1).
REPORT_LEAD_DAYS = 7


def report_semester(due_on: datetime.date) -> Semester:
    """The half year a report due on `due_on` looks back on: the one three months earlier
    (due in December or January → the second semester; in June or July → the first)."""
    return Semester.of(add_months(due_on, -3))


class Committee(models.Model):
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
    report_lead_days = models.PositiveSmallIntegerField(
        "bilans attendus (jours avant la séance)", default=REPORT_LEAD_DAYS
    )

    class Meta:
        verbose_name = "comité d’investissement"
        verbose_name_plural = "comités d’investissement"
        ordering = ["name"]

    def __str__(self):
        return self.name


class SessionQuerySet(models.QuerySet):
    def upcoming(self, *, today: datetime.date):
        """Sessions still to be held (today's included)."""
        return self.filter(starts_at__date__gte=today).exclude(status=SessionStatus.CLOSED)


class Session(models.Model):
    """One sitting of a committee ("séance")."""

    committee = models.ForeignKey(
        Committee, verbose_name="comité", related_name="sessions", on_delete=models.PROTECT
    )
    starts_at = models.DateTimeField("date et heure")
    place = models.CharField("lieu", max_length=300, blank=True)
    video_url = models.URLField("lien de visioconférence", max_length=500, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=SessionStatus, default=SessionStatus.PLANNED
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "séance"
        ordering = ["starts_at"]

    def __str__(self):
        return f"{self.committee} — {timezone.localtime(self.starts_at):%d/%m/%Y}"

    @property
    def date(self) -> datetime.date:
        return timezone.localtime(self.starts_at).date()

    @property
    def report_due_on(self) -> datetime.date:
        return self.date - datetime.timedelta(days=self.committee.report_lead_days)


class Review(models.Model):
    """One startup on one session's agenda ("passage en comité")."""

    session = models.ForeignKey(
        Session, verbose_name="séance", related_name="reviews", on_delete=models.CASCADE
    )
    startup = models.ForeignKey(
        Startup, verbose_name="startup", related_name="reviews", on_delete=models.PROTECT
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=50)

    class Meta:
        verbose_name = "passage en comité"
        verbose_name_plural = "passages en comité"
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "startup"], name="review_startup_unique")
        ]

    def __str__(self):
        return f"{self.startup} — {self.session}"

    @property
    def semester(self) -> Semester:
        return report_semester(self.session.report_due_on)


class SemesterReportQuerySet(models.QuerySet):
    def for_reviews(self, reviews) -> dict[tuple[int, str], "SemesterReport"]:
        """The reports of these agenda items, by (startup id, semester key): one query."""
        pairs = {(review.startup_id, review.semester.key) for review in reviews}
        reports = self.filter(
            startup_id__in={startup for startup, _ in pairs},
            semester__in={semester for _, semester in pairs},
        )
        return {(r.startup_id, r.semester): r for r in reports}


class SemesterReport(models.Model):
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
    body = models.TextField("commentaire")
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
