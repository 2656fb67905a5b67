"""Impact metrics, measurements, objectives and budget lines. Imports startups only."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts import limits
from accounts.editing import Edited
from startups.models import MONEY, Startup

from .encryption import secret_decrypt, secret_encrypt
from .enums import (
    Aggregation,
    BudgetActivity,
    BudgetNature,
    Dimension,
    Direction,
    FetchStatus,
    MeasurementSource,
    ResourceType,
    SourceKind,
)

VALUE = {"max_digits": 20, "decimal_places": 4}


class Metric(models.Model):
    """An impact indicator a startup follows, measured every month."""

    startup = models.ForeignKey(Startup, related_name="metrics", on_delete=models.CASCADE)
    label = models.CharField("libellé", max_length=200)
    unit = models.CharField("unité", max_length=50, help_text="dossiers, utilisateurs, %, €…")
    dimension = models.CharField(
        "dimension de la matrice d’impact", max_length=20, choices=Dimension
    )
    is_north_star = models.BooleanField("étoile polaire", default=False)
    direction = models.CharField("sens", max_length=10, choices=Direction, default=Direction.HIGHER)
    aggregation = models.CharField(
        "sur un semestre", max_length=10, choices=Aggregation, default=Aggregation.SUM
    )
    counts_active_users = models.BooleanField(
        "utilisateurs actifs mensuels", default=False, help_text="Sert au coût par usage."
    )
    is_public = models.BooleanField("publié sur la page publique", default=False)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "indicateur"
        ordering = ["startup", "-is_north_star", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["startup"],
                condition=Q(is_north_star=True),
                name="metric_one_north_star",
                violation_error_message="Une startup n’a qu’un indicateur étoile polaire.",
            ),
            models.UniqueConstraint(fields=["startup", "label"], name="metric_label_unique"),
        ]

    def __str__(self):
        return f"{self.label} ({self.unit})"

    def definition_at(self, month: datetime.date) -> "MetricDefinition | None":
        """The definition in force for a month (definitions are prefetched in order)."""
        valid = [d for d in self.definitions.all() if d.valid_from <= month]
        return valid[-1] if valid else None


class MetricDefinition(models.Model):
    """What a metric counts, from a month on: past values keep the definition they had."""

    metric = models.ForeignKey(Metric, related_name="definitions", on_delete=models.CASCADE)
    valid_from = models.DateField("en vigueur à partir du mois")
    text = models.TextField("définition", max_length=limits.COMMENT)
    source_url = models.URLField("source", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "définition d’indicateur"
        ordering = ["metric", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "valid_from"], name="definition_month_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__day=1), name="definition_starts_a_month"
            ),
        ]

    def __str__(self):
        return f"{self.metric.label} depuis {self.valid_from:%m/%Y}"


class MeasurementQuerySet(models.QuerySet):
    def in_period(self, start: datetime.date, end: datetime.date):
        return self.filter(month__gte=start, month__lte=end)


class Measurement(models.Model):
    """A metric's value for one month (the first day of the month stands for it)."""

    # No index of its own: the unique (metric, month) index serves lookups by metric, and one
    # index less makes a 1,000,000-value import 20 % faster.
    metric = models.ForeignKey(
        Metric, related_name="measurements", on_delete=models.CASCADE, db_index=False
    )
    month = models.DateField("mois")
    value = models.DecimalField("valeur", **VALUE)
    definition = models.ForeignKey(
        MetricDefinition,
        null=True,
        blank=True,
        related_name="measurements",
        on_delete=models.PROTECT,
    )
    source = models.CharField("origine", max_length=10, choices=MeasurementSource)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        verbose_name = "mesure"
        ordering = ["metric", "month"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "month"], name="measurement_month_unique"),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="measurement_month_first_day",
                violation_error_message="Une mesure porte sur un mois : le 1er du mois le désigne.",
            ),
        ]

    def __str__(self):
        return f"{self.metric.label} {self.month:%m/%Y} : {self.value}"


class Objective(models.Model):
    """A target for a metric at a date, set by a committee decision (committees points here)."""

    metric = models.ForeignKey(Metric, related_name="objectives", on_delete=models.PROTECT)
    target = models.DecimalField("cible", **VALUE)
    due_on = models.DateField("échéance")
    comment = models.TextField("commentaire", max_length=limits.COMMENT, blank=True)

    class Meta:
        verbose_name = "objectif"
        ordering = ["metric", "due_on"]

    def __str__(self):
        return f"{self.metric.label} : {self.target} au {self.due_on:%d/%m/%Y}"


class BudgetLine(Edited):
    """A line of a startup's published budget (beta.gouv budget standard), for a year or a
    semester: committed (AE) and paid (CP) amounts, actual or forecast."""

    startup = models.ForeignKey(Startup, related_name="budget_lines", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("année")
    half = models.PositiveSmallIntegerField(
        "semestre",
        null=True,
        blank=True,
        choices=[(1, "S1"), (2, "S2")],
        help_text="Vide : toute l’année.",
    )
    activity = models.CharField("activité", max_length=20, choices=BudgetActivity)
    resource_type = models.CharField("type de ressource", max_length=20, choices=ResourceType)
    nature = models.CharField(
        "nature", max_length=10, choices=BudgetNature, default=BudgetNature.ACTUAL
    )
    committed = models.DecimalField("engagé (AE, €)", **MONEY)
    paid = models.DecimalField("payé (CP, €)", **MONEY)
    label = models.CharField("libellé", max_length=200, blank=True)
    is_demo = models.BooleanField("valeur de démonstration", default=False)

    class Meta:
        verbose_name = "ligne budgétaire"
        ordering = ["startup", "year", "half", "activity"]
        constraints = [
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(paid__gte=0),
                name="budget_amounts_positive",
                violation_error_message="Les montants ne peuvent pas être négatifs.",
            ),
            models.CheckConstraint(
                condition=Q(half__isnull=True) | Q(half__in=[1, 2]), name="budget_half_is_1_or_2"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2013) & Q(year__lte=2100), name="budget_year_plausible"
            ),
        ]

    def __str__(self):
        period = f"S{self.half} {self.year}" if self.half else str(self.year)
        return f"{self.startup} {period} {self.get_activity_display()} : {self.paid} €"


class ApiToken(models.Model):
    """A per-startup token for pushing measurements; only its SHA-256 is stored."""

    startup = models.ForeignKey(Startup, related_name="api_tokens", on_delete=models.CASCADE)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("début du jeton", max_length=8)
    label = models.CharField("usage", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "jeton d’API"
        ordering = ["startup", "-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.startup})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MetricSource(models.Model):
    """Where a metric's monthly values are fetched from (metrics/feeds.py), and how the last
    fetch went. A Matomo token is kept encrypted (metrics/encryption.py), never in clear."""

    metric = models.OneToOneField(Metric, related_name="feed", on_delete=models.CASCADE)
    kind = models.CharField("type de source", max_length=10, choices=SourceKind)
    url = models.URLField(
        "adresse",
        max_length=500,
        help_text="Matomo : l’adresse du serveur, « https://stats.beta.gouv.fr ». Metabase : "
        "l’adresse de la carte publique, « https://…/api/public/card/<uuid>/query/json ». "
        "Fichier : l’adresse du fichier CSV ou JSON.",
    )
    site_id = models.PositiveIntegerField("identifiant du site Matomo", null=True, blank=True)
    method = models.CharField(
        "méthode Matomo", max_length=100, blank=True, default="VisitsSummary.get"
    )
    value_column = models.CharField(
        "colonne de la valeur",
        max_length=200,
        help_text="Matomo : « nb_visits », « nb_uniq_visitors »… Metabase ou fichier : le nom "
        "de la colonne, tel qu’affiché.",
    )
    month_column = models.CharField(
        "colonne du mois", max_length=200, blank=True, help_text="Metabase ou fichier."
    )
    token_encrypted = models.TextField("jeton chiffré", blank=True, editable=False)
    last_fetched_at = models.DateTimeField("dernière mise à jour", null=True, blank=True)
    last_status = models.CharField(
        "résultat de la dernière mise à jour", max_length=10, choices=FetchStatus, blank=True
    )
    last_error = models.TextField("erreur de la dernière mise à jour", blank=True)
    months_fetched = models.PositiveSmallIntegerField("mois lus", default=0)

    class Meta:
        verbose_name = "source d’un indicateur"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=SourceKind.MATOMO) | Q(site_id__isnull=False),
                name="metric_source_matomo_has_site",
                violation_error_message="Une source Matomo a un identifiant de site.",
            ),
            models.CheckConstraint(
                condition=Q(last_fetched_at__isnull=True, last_status="")
                | Q(last_fetched_at__isnull=False) & ~Q(last_status=""),
                name="metric_source_fetched_has_status",
                violation_error_message="Une mise à jour faite a un résultat.",
            ),
            models.CheckConstraint(
                condition=Q(last_status=FetchStatus.FAILURE) | Q(last_error=""),
                name="metric_source_error_only_on_failure",
                violation_error_message="Seule une mise à jour échouée a une erreur.",
            ),
        ]

    def __str__(self):
        return f"{self.metric.label} ← {self.get_kind_display()}"

    @property
    def has_token(self) -> bool:
        return bool(self.token_encrypted)

    def set_token(self, token: str) -> None:
        self.token_encrypted = secret_encrypt(token) if token else ""

    def token(self) -> str:
        """The token in clear, for the request only (UnreadableSecret if the key changed)."""
        return secret_decrypt(self.token_encrypted) if self.token_encrypted else ""
