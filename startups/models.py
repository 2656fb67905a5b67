import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from .dates import add_months
from .enums import (
    COUNT_WORDS,
    MEMBER_SYNC_COUNTS,
    ORGANISATION_KINDS,
    PHASE_NAMES,
    RECORD_KINDS,
    EventKind,
    FundingSource,
    Lifecycle,
    MembershipOrigin,
    Origin,
    ProposalKind,
    ProposalStatus,
    SyncStatus,
    TeamRole,
)

# A committee every six months at least, 30–45 days before the money runs out (DESIGN §1).
COMMITTEE_EVERY_MONTHS = 6
COMMITTEE_BEFORE_MONEY_ENDS_DAYS = 45
MONEY = {"max_digits": 12, "decimal_places": 2}


class Organisation(models.Model):
    """An administration ("administration porteuse"), sponsor of startups."""

    slug = models.CharField("identifiant", max_length=200, unique=True)
    name = models.CharField("nom", max_length=300)
    acronym = models.CharField("sigle", max_length=200, blank=True)
    kind = models.CharField("type", max_length=100, blank=True)
    ministerial_domain = models.CharField("domaine ministériel", max_length=100, blank=True)
    purchasing_emails = models.TextField(
        "adresses du service des achats",
        max_length=2000,
        blank=True,
        help_text="Une adresse par ligne : elles reçoivent l’avis de chaque décision qui "
        "accorde un financement.",
    )

    class Meta:
        verbose_name = "organisation"
        ordering = [Lower("name")]

    def __str__(self):
        return self.acronym or self.name

    def get_absolute_url(self):
        return reverse("startups:sponsor", args=[self.slug])

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    @property
    def purchasing_addresses(self) -> list[str]:
        """The purchasing team's addresses, one a line (checked and normalised on entry)."""
        return [line.strip() for line in self.purchasing_emails.splitlines() if line.strip()]


class Incubator(models.Model):
    slug = models.CharField("identifiant", max_length=200, unique=True)
    title = models.CharField("nom", max_length=300)
    owner = models.ForeignKey(
        Organisation, verbose_name="organisation", null=True, blank=True, on_delete=models.PROTECT
    )
    short_description = models.TextField("présentation", blank=True)
    contact = models.CharField("contact", max_length=300, blank=True)
    website = models.URLField("site", max_length=500, blank=True)
    github = models.URLField("GitHub", max_length=500, blank=True)
    address = models.CharField("adresse", max_length=500, blank=True)
    hidden = models.BooleanField("masqué sur beta.gouv.fr", default=False)

    class Meta:
        verbose_name = "incubateur"
        ordering = [Lower("title")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("startups:incubator", args=[self.slug])


class StartupQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def due_for_committee(self, *, within: int, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.filter(committee_due_on__lte=today + datetime.timedelta(days=within))

    def search(self, text: str):
        return self.filter(Q(name__icontains=text) | Q(pitch__icontains=text))

    def of_incubator(self, slug: str):
        co_incubated = Startup.co_incubators.through.objects.filter(incubator__slug=slug)
        return self.filter(Q(incubator__slug=slug) | Q(pk__in=co_incubated.values("startup_id")))

    def sponsored_by(self, slug: str):
        sponsored = Startup.sponsors.through.objects.filter(organisation__slug=slug)
        return self.filter(pk__in=sponsored.values("startup_id"))

    def with_list_data(self):
        """What a list of startups shows, in a number of queries that does not grow."""
        granted = (
            FundingRound.objects.filter(startup=OuterRef("pk"))
            .values("startup")
            .annotate(total=Sum("amount_granted"))
            .values("total")
        )
        return (
            self.select_related("incubator")
            .prefetch_related(
                models.Prefetch("sponsors", Organisation.objects.only("slug", "name", "acronym"))
            )
            .annotate(amount_granted=Subquery(granted))
        )


DERIVED_FIELDS = [
    "current_phase",
    "current_phase_name",
    "current_phase_start",
    "is_active",
    "last_committee_on",
    "committee_due_on",
]


class Startup(models.Model):
    """A Startup d'État. The fields after `public_page` are derived: `refresh_derived()`."""

    slug = models.CharField("identifiant beta.gouv.fr", max_length=200, unique=True)
    name = models.CharField("nom", max_length=300)
    pitch = models.TextField("pitch", blank=True)
    description = models.TextField("description", blank=True)
    incubator = models.ForeignKey(
        Incubator, verbose_name="incubateur", related_name="startups", on_delete=models.PROTECT
    )
    co_incubators = models.ManyToManyField(
        Incubator, verbose_name="co-incubateurs", related_name="co_incubated", blank=True
    )
    sponsors = models.ManyToManyField(
        Organisation, verbose_name="sponsors", related_name="sponsored_startups", blank=True
    )
    contact = models.CharField("contact", max_length=300, blank=True)
    website = models.URLField("site", max_length=500, blank=True)
    repository = models.URLField("code source", max_length=500, blank=True)
    stats_url = models.URLField("page de statistiques", max_length=500, blank=True)
    budget_url = models.URLField("page de budget", max_length=500, blank=True)
    impact_url = models.URLField("page d’impact", max_length=500, blank=True)
    dashlord_url = models.URLField("DashLord", max_length=500, blank=True)
    # What the team declares on beta.gouv.fr: evidence for the programme's standards.
    accessibility_status = models.CharField("conformité RGAA déclarée", max_length=100, blank=True)
    risk_analysis = models.BooleanField("analyse de risques faite", null=True, blank=True)
    risk_analysis_url = models.URLField("analyse de risques", max_length=500, blank=True)
    secure_service = models.BooleanField("suivi dans MonServiceSécurisé", null=True, blank=True)
    # Set by the sync (startups/sync.py) when the API no longer lists the startup: never deleted.
    missing_from_source_since = models.DateField(
        "absente de beta.gouv.fr depuis", null=True, blank=True
    )
    public_page = models.BooleanField("page publique", default=False)

    current_phase = models.CharField(
        "phase actuelle", max_length=20, choices=Lifecycle, blank=True, db_index=True
    )
    current_phase_name = models.CharField(
        "phase actuelle (beta.gouv.fr)", max_length=50, blank=True
    )
    current_phase_start = models.DateField("début de la phase actuelle", null=True, blank=True)
    is_active = models.BooleanField("suivie par le programme", default=True, db_index=True)
    last_committee_on = models.DateField("dernier comité", null=True, blank=True)
    committee_due_on = models.DateField(
        "prochain comité attendu", null=True, blank=True, db_index=True
    )

    objects = StartupQuerySet.as_manager()

    class Meta:
        verbose_name = "startup d’État"
        verbose_name_plural = "startups d’État"
        ordering = [Lower("name")]
        indexes = [models.Index(Lower("name"), name="startup_lower_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("startups:detail", args=[self.slug])

    @property
    def current_phase_label(self) -> str:
        known = PHASE_NAMES.get(self.current_phase_name)
        return known.label if known else self.get_current_phase_display()

    @property
    def links(self) -> list[tuple[str, str]]:
        names = ["website", "repository", "stats_url", "budget_url", "impact_url", "dashlord_url"]
        return [
            (self._meta.get_field(n).verbose_name.capitalize(), getattr(self, n))
            for n in names
            if getattr(self, n)
        ]

    def refresh_derived(self, *, today: datetime.date | None = None) -> None:
        """Recompute and save the stored figures that lists filter on."""
        committees = self.events.filter(kind=EventKind.COMMITTEE).values_list("date", flat=True)
        self.set_derived(
            phases=list(self.phases.order_by("position")),
            committee_dates=list(committees),
            last_round=self.funding_rounds.order_by("-start").first(),
            today=today,
        )
        self.save(update_fields=DERIVED_FIELDS)

    def set_derived(self, *, phases, committee_dates, last_round, today=None) -> None:
        """The derived fields from phases (in order), committee dates and the last funding round.

        The next committee is due six months after the last committee or round start (the
        current phase's start when there is neither), and 45 days before the round's money ends,
        whichever comes first; startups no longer in the programme are never due.
        """
        today = today or timezone.localdate()
        started = [phase for phase in phases if phase.start <= today]
        current = started[-1] if started else (phases[0] if phases else None)
        self.current_phase = current.lifecycle if current else ""
        self.current_phase_name = current.name if current else ""
        self.current_phase_start = current.start if current else None
        known = PHASE_NAMES.get(self.current_phase_name)
        self.is_active = bool(known and known.in_programme)
        self.last_committee_on = max((d for d in committee_dates if d <= today), default=None)
        anchors = [d for d in (self.last_committee_on, last_round and last_round.start) if d]
        anchor = max(anchors, default=self.current_phase_start)
        due = [add_months(anchor, COMMITTEE_EVERY_MONTHS)] if anchor else []
        if last_round:
            due.append(last_round.end - datetime.timedelta(days=COMMITTEE_BEFORE_MONEY_ENDS_DAYS))
        self.committee_due_on = min(due) if due and self.is_active else None


class Phase(models.Model):
    startup = models.ForeignKey(Startup, related_name="phases", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField("rang")
    lifecycle = models.CharField("étape", max_length=20, choices=Lifecycle)
    name = models.CharField("nom beta.gouv.fr", max_length=50)
    start = models.DateField("début")
    end = models.DateField("fin", null=True, blank=True)
    end_is_declared = models.BooleanField("fin déclarée", default=False)
    comment = models.TextField("commentaire", blank=True)
    origin = models.CharField("origine", max_length=10, choices=Origin, default=Origin.BETAGOUV)

    class Meta:
        verbose_name = "phase"
        ordering = ["startup", "position"]
        constraints = [
            models.UniqueConstraint(fields=["startup", "position"], name="phase_position_unique"),
            models.UniqueConstraint(
                fields=["startup"],
                condition=Q(end__isnull=True),
                name="phase_one_open_per_startup",
                violation_error_message="Une startup ne peut avoir qu’une phase en cours.",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="phase_end_after_start",
                violation_error_message="Une phase ne peut pas finir avant d’avoir commencé.",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.start:%d/%m/%Y})"

    @property
    def label(self) -> str:
        known = PHASE_NAMES.get(self.name)
        return known.label if known else self.get_lifecycle_display()

    @property
    def is_final(self) -> bool:
        """A stop has no duration: it is where the startup's history ends."""
        return self.lifecycle == Lifecycle.STOPPED and self.end is None

    @property
    def duration_days(self) -> int | None:
        end = self.end or timezone.localdate()
        return None if self.is_final or end < self.start else (end - self.start).days


class StartupEvent(models.Model):
    startup = models.ForeignKey(Startup, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField("type", max_length=20, choices=EventKind)
    name = models.CharField("nom beta.gouv.fr", max_length=50)
    date = models.DateField("date")
    comment = models.TextField("commentaire", blank=True)
    origin = models.CharField("origine", max_length=10, choices=Origin, default=Origin.BETAGOUV)

    class Meta:
        verbose_name = "événement"
        ordering = ["startup", "date", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.date:%d/%m/%Y})"


class SourceDisagreementQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at=None)


class SourceDisagreement(models.Model):
    """beta.gouv.fr gives a startup another phase than the one a committee decision opened:
    noticed by the import, shown to the incubator's staff until one of them resolves it (or
    the source comes round to the decision)."""

    phase = models.ForeignKey(Phase, related_name="disagreements", on_delete=models.CASCADE)
    source_name = models.CharField("phase selon beta.gouv.fr", max_length=50)
    noticed_on = models.DateField("constaté le")
    resolved_at = models.DateTimeField("résolu le", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = SourceDisagreementQuerySet.as_manager()

    class Meta:
        verbose_name = "désaccord avec beta.gouv.fr"
        verbose_name_plural = "désaccords avec beta.gouv.fr"
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "source_name"], name="disagreement_once_per_phase_and_name"
            )
        ]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        known = PHASE_NAMES.get(self.source_name)
        source = known.label if known else self.source_name
        return (
            f"beta.gouv.fr indique {source.lower()} ; décision du "
            f"{self.phase.start:%d/%m/%Y} : {self.phase.label.lower()}"
        )


class FundingRound(models.Model):
    """One tranche of money for one startup and one period, with its co-funders."""

    startup = models.ForeignKey(Startup, related_name="funding_rounds", on_delete=models.PROTECT)
    label = models.CharField("libellé", max_length=200)
    source = models.CharField("origine", max_length=20, choices=FundingSource)
    start = models.DateField("début")
    end = models.DateField("fin")
    is_provisional = models.BooleanField("budget provisoire", default=False)
    amount_granted = models.DecimalField("montant accordé (€)", **MONEY)
    amount_spent = models.DecimalField("montant dépensé (€)", null=True, blank=True, **MONEY)
    # The money after the decision: the purchasing team is told, the order ("bon de
    # commande") goes out, the service is recorded as done ("service fait"), then invoiced.
    purchasing_notified_at = models.DateTimeField(
        "service des achats prévenu le", null=True, blank=True
    )
    order_sent_on = models.DateField("bon de commande envoyé le", null=True, blank=True)
    order_reference = models.CharField("référence du bon de commande", max_length=100, blank=True)
    service_done_on = models.DateField("service fait le", null=True, blank=True)
    invoiced_on = models.DateField("facturé le", null=True, blank=True)

    class Meta:
        verbose_name = "tour de financement"
        verbose_name_plural = "tours de financement"
        ordering = ["startup", "start"]
        constraints = [
            models.UniqueConstraint(fields=["startup", "label"], name="round_label_unique"),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="round_end_after_start",
                violation_error_message="La fin du tour doit suivre son début.",
            ),
            models.CheckConstraint(
                condition=Q(amount_granted__gte=0)
                & (Q(amount_spent__isnull=True) | Q(amount_spent__gte=0)),
                name="round_amounts_positive",
                violation_error_message="Les montants ne peuvent pas être négatifs.",
            ),
        ]

    def __str__(self):
        return f"{self.startup} — {self.label}"

    @property
    def months(self) -> int:
        return round((self.end - self.start).days / 30.44)

    @staticmethod
    def late_order(today: datetime.date) -> Q:
        """A round a committee granted whose period has begun with no "bon de commande" sent:
        the team works without the money being ordered. A round brought to 0 € (its decision
        was corrected) waits for no order."""
        return Q(
            source=FundingSource.DECISION,
            order_sent_on__isnull=True,
            start__lte=today,
            amount_granted__gt=0,
        )

    def order_is_late(self, today: datetime.date) -> bool:
        return (
            self.source == FundingSource.DECISION
            and self.order_sent_on is None
            and self.start <= today
            and self.amount_granted > 0
        )


class Contribution(models.Model):
    """A funder's share of a round: a sponsor organisation or a fund such as FAST."""

    funding_round = models.ForeignKey(
        FundingRound, related_name="contributions", on_delete=models.CASCADE
    )
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT)
    funder = models.CharField("financeur (hors organisation)", max_length=200, blank=True)
    amount = models.DecimalField("montant (€)", **MONEY)

    class Meta:
        verbose_name = "contribution"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="contribution_amount_positive",
                violation_error_message="Une contribution ne peut pas être négative.",
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(funder=""),
                name="contribution_has_funder",
                violation_error_message="Indiquez l’organisation ou le financeur.",
            ),
        ]

    def __str__(self):
        return f"{self.organisation or self.funder} : {self.amount} €"


class TeamMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="team_memberships", on_delete=models.CASCADE
    )
    startup = models.ForeignKey(Startup, related_name="memberships", on_delete=models.CASCADE)
    role = models.CharField("rôle", max_length=20, choices=TeamRole, default=TeamRole.INTRAPRENEUR)
    origin = models.CharField(
        "origine", max_length=20, choices=MembershipOrigin, default=MembershipOrigin.COMITE
    )

    class Meta:
        verbose_name = "membre de l’équipe"
        verbose_name_plural = "membres des équipes"
        constraints = [
            models.UniqueConstraint(fields=["user", "startup"], name="team_membership_unique")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.startup})"


class IncubatorStaff(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="incubator_roles", on_delete=models.CASCADE
    )
    incubator = models.ForeignKey(Incubator, related_name="staff", on_delete=models.CASCADE)

    class Meta:
        verbose_name = "équipe d’incubateur"
        verbose_name_plural = "équipes d’incubateur"
        constraints = [
            models.UniqueConstraint(fields=["user", "incubator"], name="incubator_staff_unique")
        ]

    def __str__(self):
        return f"{self.user} ({self.incubator})"


class SponsorRepresentative(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="sponsor_roles", on_delete=models.CASCADE
    )
    organisation = models.ForeignKey(
        Organisation, related_name="representatives", on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = "représentant·e de sponsor"
        verbose_name_plural = "représentant·es de sponsors"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="sponsor_representative_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.organisation})"


class SyncRun(models.Model):
    """One sync of the portfolio from the beta.gouv.fr API (startups/sync.py): the job's row,
    which the staff's page polls, then its record. One runs at a time; the counts are the
    import's (`{kind: {"created": n, "updated": n, ...}}`), the changes the fields changed on
    each startup (`{slug: [field, ...]}`)."""

    status = models.CharField("état", max_length=10, choices=SyncStatus, default=SyncStatus.RUNNING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandée par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    started_at = models.DateTimeField("commencée le", default=timezone.now)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    counts = models.JSONField("décomptes", default=dict, blank=True)
    changes = models.JSONField("changements", default=dict, blank=True)
    reason = models.TextField("raison de l’échec", blank=True)

    class Meta:
        verbose_name = "synchronisation beta.gouv.fr"
        verbose_name_plural = "synchronisations beta.gouv.fr"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=SyncStatus.RUNNING),
                name="sync_run_one_running",
                violation_error_message="Une synchronisation est déjà en cours.",
            ),
            models.CheckConstraint(
                condition=Q(status=SyncStatus.RUNNING, finished_at__isnull=True)
                | (~Q(status=SyncStatus.RUNNING) & Q(finished_at__isnull=False)),
                name="sync_run_finished_iff_over",
                violation_error_message="Une synchronisation terminée a une heure de fin, "
                "et elle seule.",
            ),
            models.CheckConstraint(
                condition=(Q(status=SyncStatus.FAILED) & ~Q(reason=""))
                | (~Q(status=SyncStatus.FAILED) & Q(reason="")),
                name="sync_run_reason_iff_failed",
                violation_error_message="Une synchronisation échouée dit pourquoi, et elle seule.",
            ),
        ]

    def __str__(self):
        return f"Synchronisation du {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"

    @property
    def running(self) -> bool:
        return self.status == SyncStatus.RUNNING

    @property
    def summary(self) -> list[tuple[str, str]]:
        """Per kind of record, its counts in words: "2 créés, 410 inchangés"."""
        return [
            (
                label,
                ", ".join(
                    f"{n} {word}"
                    for key, word in COUNT_WORDS.items()
                    if (n := self.counts.get(kind, {}).get(key))
                )
                or "–",
            )
            for kind, label in RECORD_KINDS.items()
        ]

    @property
    def change_rows(self) -> list[tuple[str, str]]:
        """Each startup changed, with what changed in words."""
        return [
            (slug, ", ".join(change_label(name) for name in names))
            for slug, names in sorted(self.changes.items())
        ]

    def finish(self, *, counts: dict, changes: dict) -> None:
        self._close(SyncStatus.DONE, counts=counts, changes=changes)

    def fail(self, reason: str, *, counts: dict | None = None) -> None:
        self._close(SyncStatus.FAILED, reason=reason, counts=counts or {})

    def _close(self, status: str, **values) -> None:
        """Running → done or failed, once: refused when the run is over already (another
        took it over as stale), so its caller's transaction is rolled back."""
        values |= {"status": status, "finished_at": timezone.now()}
        closed = SyncRun.objects.filter(pk=self.pk, status=SyncStatus.RUNNING).update(**values)
        if not closed:
            raise SyncRunOver(f"{self} est déjà terminée.")
        for name, value in values.items():
            setattr(self, name, value)


class SyncRunOver(Exception):
    pass


# What the import reports as changed on a startup, beside its own fields.
CHANGE_LABELS = {"phases": "phases", "events": "événements", "fast": "cofinancement FAST"}


def change_label(name: str) -> str:
    if name in CHANGE_LABELS:
        return CHANGE_LABELS[name]
    return str(Startup._meta.get_field(name).verbose_name)


class MembershipProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ProposalStatus.PROPOSED)


class MembershipProposal(models.Model):
    """A change to a startup's team that the sync from espace-membre proposes (startups/
    members.py) and its incubator's staff accepts or refuses: a person whose mission is active
    joins (`join`), a member who came from espace-membre and whose missions ended leaves
    (`end`). One proposal per startup, address, kind and mission start, whatever became of it:
    a second sync proposes nothing again, not even what was refused."""

    startup = models.ForeignKey(Startup, related_name="proposals", on_delete=models.CASCADE)
    kind = models.CharField("type", max_length=10, choices=ProposalKind)
    email = models.EmailField("adresse électronique")
    name = models.CharField("nom", max_length=300)
    role = models.CharField("rôle", max_length=20, choices=TeamRole)
    # espace-membre's own domain, as it gave it (the role is mapped from it).
    domaine = models.CharField("domaine espace-membre", max_length=100, blank=True)
    mission_start = models.DateField("début de la mission")
    mission_end = models.DateField("fin de la mission", null=True, blank=True)
    employer = models.CharField("employeur", max_length=300, blank=True)
    source = models.CharField(
        "source", max_length=20, choices=MembershipOrigin, default=MembershipOrigin.ESPACE_MEMBRE
    )
    status = models.CharField(
        "état", max_length=10, choices=ProposalStatus, default=ProposalStatus.PROPOSED
    )
    proposed_at = models.DateTimeField("proposée le", default=timezone.now)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidée par",
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    objects = MembershipProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition de membre"
        verbose_name_plural = "propositions de membres"
        ordering = ["startup", "kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["startup", "email", "kind", "mission_start"],
                name="proposal_once_per_mission",
                violation_error_message="Cette mission a déjà sa proposition.",
            ),
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.PROPOSED, decided_at__isnull=True)
                | (~Q(status=ProposalStatus.PROPOSED) & Q(decided_at__isnull=False)),
                name="proposal_decided_iff_not_proposed",
                violation_error_message="Une proposition décidée a une date de décision, "
                "et elle seule.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} : {self.name} ({self.startup})"


class MemberSync(models.Model):
    """One reading of espace-membre (startups/members.py), recorded when it ends: done with
    its counts (`{"proposed": n, "ends_proposed": n, ...}`), or failed with its reason, having
    written nothing else."""

    status = models.CharField("état", max_length=10, choices=SyncStatus)
    started_at = models.DateTimeField("commencée le")
    finished_at = models.DateTimeField("terminée le", default=timezone.now)
    counts = models.JSONField("décomptes", default=dict, blank=True)
    reason = models.TextField("raison de l’échec", blank=True)

    class Meta:
        verbose_name = "lecture d’espace-membre"
        verbose_name_plural = "lectures d’espace-membre"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SyncStatus.RUNNING),
                name="member_sync_recorded_when_over",
                violation_error_message="Une lecture est enregistrée une fois finie.",
            ),
            models.CheckConstraint(
                condition=(Q(status=SyncStatus.FAILED) & ~Q(reason=""))
                | (~Q(status=SyncStatus.FAILED) & Q(reason="")),
                name="member_sync_reason_iff_failed",
                violation_error_message="Une lecture échouée dit pourquoi, et elle seule.",
            ),
        ]

    def __str__(self):
        return f"Lecture d’espace-membre du {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"

    @property
    def summary(self) -> str:
        """Its counts in words: "3 startups lues, 2 arrivées proposées"."""
        return ", ".join(
            f"{n} {label}"
            for key, label in MEMBER_SYNC_COUNTS.items()
            if (n := self.counts.get(key))
        )
