"""Demo metrics and budgets for a few real startups of the imported portfolio.

Every value is invented (plausible, not real): measurements carry the source `demo`, budget
lines `is_demo=True`, funding rounds and objectives say "démonstration" in their label or
comment. Idempotent: a second run creates nothing; a startup whose team already defined its own
metrics is left alone.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from metrics.enums import (
    Aggregation,
    BudgetActivity,
    BudgetNature,
    Dimension,
    Direction,
    MeasurementSource,
    ResourceType,
)
from metrics.figures import aggregate
from metrics.models import BudgetLine, Measurement, Metric, MetricDefinition, Objective
from metrics.services import MeasurementDiff, measurements_apply, measurements_diff
from startups.dates import Semester, add_months
from startups.enums import FundingSource
from startups.models import Contribution, FundingRound, Startup

MONTHS = 24
DEMO = "(démonstration)"
# How a semester's cost splits between the activities of the budget standard.
SHARES = [
    (BudgetActivity.DEVELOPMENT, ResourceType.CONTRACTORS, Decimal("0.45"), "Développeurs"),
    (
        BudgetActivity.PRODUCT,
        ResourceType.CONTRACTORS,
        Decimal("0.20"),
        "Coach et chargé·e produit",
    ),
    (BudgetActivity.DESIGN, ResourceType.CONTRACTORS, Decimal("0.10"), "Designer"),
    (
        BudgetActivity.DEPLOYMENT,
        ResourceType.STAFF,
        Decimal("0.17"),
        "Intrapreneur·e et déploiement",
    ),
    (BudgetActivity.HOSTING, ResourceType.SOFTWARE, Decimal("0.08"), "Hébergement et outils"),
]


@dataclass(frozen=True)
class Series:
    label: str
    unit: str
    dimension: str
    definition: str
    first: float  # the value of the first month, then a steady trend…
    last: float  # …to the last month
    aggregation: str = Aggregation.SUM
    direction: str = Direction.HIGHER
    is_north_star: bool = False
    counts_active_users: bool = False
    decimals: int = 0
    august: float = 0.8  # the summer dip of most public services


@dataclass(frozen=True)
class DemoStartup:
    slug: str
    series: tuple[Series, ...]
    # The cost per north-star unit the budget is built from, for the last three full semesters:
    # the story each startup tells on the analytics page.
    cost_per_unit: tuple[str, str, str]
    public: bool = False
    stops_months_ago: int = 0  # measurements stop: a startup the "no recent measurement" list shows


def north_star(label, unit, definition, first, last, **kwargs):
    return Series(
        label, unit, Dimension.IMPACTFUL, definition, first, last, is_north_star=True, **kwargs
    )


def active_users(label, definition, first, last):
    return Series(
        label,
        "utilisateurs",
        Dimension.USED,
        definition,
        first,
        last,
        aggregation=Aggregation.AVERAGE,
        counts_active_users=True,
    )


def rate(label, dimension, definition, first, last, direction=Direction.HIGHER):
    return Series(
        label,
        "%",
        dimension,
        definition,
        first,
        last,
        aggregation=Aggregation.AVERAGE,
        direction=direction,
        decimals=1,
        august=1,
    )


STARTUPS = [
    DemoStartup(
        "demarches-simplifiees.fr",
        (
            north_star(
                "Dossiers déposés",
                "dossiers",
                "Dossiers déposés par les usagers dans le mois, toutes démarches confondues.",
                430_000,
                560_000,
            ),
            active_users(
                "Usagers actifs mensuels",
                "Personnes ayant déposé ou complété au moins un dossier dans le mois.",
                1_450_000,
                1_900_000,
            ),
            rate(
                "Taux de contact du support",
                Dimension.USABLE,
                "Demandes d’aide reçues pour 100 dossiers déposés.",
                2.9,
                2.1,
                direction=Direction.LOWER,
            ),
        ),
        # More than 1 € a dossier in 2020, 0.40 € in 2021 (DESIGN §1): kept near 0.40.
        cost_per_unit=("0.46", "0.43", "0.40"),
        public=True,
    ),
    DemoStartup(
        "gestion.subventions.locales",
        (
            north_star(
                "Demandes de subvention déposées",
                "dossiers",
                "Demandes de subvention (DETR, DSIL…) déposées par les collectivités dans le mois.",
                1_200,
                6_500,
            ),
            active_users(
                "Agents instructeurs actifs mensuels",
                "Agents de préfecture ayant instruit au moins une demande dans le mois.",
                180,
                1_150,
            ),
            rate(
                "Satisfaction des collectivités",
                Dimension.USEFUL,
                "Part des répondants satisfaits ou très satisfaits au questionnaire de fin de dépôt.",
                71,
                83,
            ),
        ),
        cost_per_unit=("41.00", "24.00", "13.50"),
    ),
    DemoStartup(
        "la-bonne-alternance",
        (
            north_star(
                "Candidatures envoyées",
                "candidatures",
                "Candidatures envoyées à une entreprise ou un organisme de formation dans le mois.",
                52_000,
                47_000,
            ),
            active_users(
                "Candidats actifs mensuels",
                "Personnes ayant consulté au moins une offre ou envoyé une candidature.",
                310_000,
                290_000,
            ),
            rate(
                "Taux de réponse des recruteurs",
                Dimension.USEFUL,
                "Candidatures ayant reçu une réponse de l’entreprise sous 30 jours.",
                38,
                34,
            ),
        ),
        cost_per_unit=("1.05", "1.12", "1.31"),  # the cost per impact worsens
    ),
    DemoStartup(
        "jeveuxaider",
        (
            north_star(
                "Candidatures de bénévoles",
                "candidatures",
                "Candidatures de bénévoles à une mission publiée sur la plateforme dans le mois.",
                24_000,
                31_000,
            ),
            active_users(
                "Bénévoles actifs mensuels",
                "Bénévoles ayant candidaté ou participé à une mission dans le mois.",
                41_000,
                52_000,
            ),
            rate(
                "Missions pourvues",
                Dimension.USEFUL,
                "Part des missions publiées ayant trouvé au moins un bénévole.",
                61,
                66,
            ),
        ),
        cost_per_unit=("2.60", "2.45", "2.30"),
        stops_months_ago=4,
    ),
    DemoStartup(
        "envirogend",
        (
            north_star(
                "Procédures rédigées",
                "procédures",
                "Procédures administratives contre un dépôt sauvage rédigées par une commune "
                "dans l’outil au cours du mois.",
                8,
                31,
            ),
            active_users(
                "Agents communaux actifs mensuels",
                "Maires et agents ayant ouvert ou complété au moins une procédure dans le mois.",
                20,
                85,
            ),
            rate(
                "Procédures abouties",
                Dimension.IMPACTFUL,
                "Part des procédures closes par une sanction ou une réparation par l’auteur.",
                22,
                27,
            ),
        ),
        cost_per_unit=("3900", "3400", "3050"),  # a young service whose cost per unit falls
    ),
    DemoStartup(
        "sante-psy-etudiant",
        (
            north_star(
                "Séances réalisées",
                "séances",
                "Séances avec un psychologue partenaire déclarées dans le mois.",
                38_000,
                61_000,
            ),
            active_users(
                "Étudiants suivis dans le mois",
                "Étudiants ayant eu au moins une séance dans le mois.",
                17_000,
                26_000,
            ),
            rate(
                "Satisfaction des étudiants",
                Dimension.USEFUL,
                "Part des étudiants se déclarant aidés, au questionnaire après la dernière séance.",
                84,
                88,
            ),
        ),
        cost_per_unit=("1.70", "1.48", "1.31"),
    ),
]


def monthly_values(slug: str, series: Series, months: list[datetime.date]) -> list[Decimal]:
    """A steady trend from `first` to `last`, a summer dip and a little noise (seeded: the same
    values at every run)."""
    noise = random.Random(f"{slug}/{series.label}")
    ratio = series.last / series.first
    values = []
    for index, month in enumerate(months):
        value = series.first * ratio ** (index / max(len(months) - 1, 1))
        if month.month == 8:
            value *= series.august
        value *= 1 + noise.uniform(-0.03, 0.03)
        values.append(Decimal(str(round(value, series.decimals))))
    return values


class Command(BaseCommand):
    help = (
        "Ajoute des indicateurs, des mesures, des objectifs, des tours et des lignes budgétaires "
        "de démonstration à quelques startups réelles (valeurs inventées, marquées comme telles)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)

    def handle(self, *, today=None, **options):
        today = today or timezone.localdate()
        self.created = {"indicateurs": 0, "mesures": 0, "objectifs": 0, "lignes": 0, "tours": 0}
        self.stdout.write(
            "Données de démonstration (valeurs inventées, marquées « démonstration ») :"
        )
        for demo in STARTUPS:
            startup = Startup.objects.filter(slug=demo.slug).first()
            if startup is None:
                self.stdout.write(f"  {demo.slug} : absente du portefeuille, ignorée")
                continue
            own = startup.metrics.exclude(label__in=[s.label for s in demo.series])
            if own.exists():
                self.stdout.write(
                    f"  {startup.name} : a ses propres indicateurs, laissée telle quelle"
                )
                continue
            with transaction.atomic():
                cost_per_unit = self.add_startup(startup, demo, today)
            self.stdout.write(f"  {startup.name} : {cost_per_unit}")
        if any(self.created.values()):
            created = ", ".join(f"{n} {what}" for what, n in self.created.items())
            self.stdout.write(self.style.SUCCESS(f"Créé·es : {created}."))
        else:
            self.stdout.write("Rien de nouveau : les données de démonstration sont déjà là.")

    def add_startup(self, startup: Startup, demo: DemoStartup, today: datetime.date) -> str:
        last = add_months(today.replace(day=1), -1)  # the last complete month
        months = [add_months(last, n - MONTHS + 1) for n in range(MONTHS)]
        measured = months[: len(months) - demo.stops_months_ago]
        first_run = not startup.metrics.exists()
        values = {}
        metrics = []
        for position, series in enumerate(demo.series):
            metric = self.metric(startup, series, position, months[0], public=demo.public)
            metrics.append(metric)
            for month, value in zip(months, monthly_values(demo.slug, series, months), strict=True):
                if month in measured:
                    values[metric, month] = value
        diff = measurements_diff(values)
        # Only the missing months: a value someone changed stays as it is.
        measurements_apply(MeasurementDiff(new=diff.new), source=MeasurementSource.DEMO)
        self.created["mesures"] += len(diff.new)
        star, star_series = metrics[0], demo.series[0]
        self.objectives(star, star_series, demo.slug, months, today)
        semester = Semester.of(today) - 1  # the last full semester
        full = [semester - 2, semester - 1, semester]
        monthly = dict(Measurement.objects.filter(metric=star).values_list("month", "value"))
        costs = {}
        for past, per_unit in zip(full, demo.cost_per_unit, strict=True):
            impact = aggregate([monthly[m] for m in past.months if m in monthly], Aggregation.SUM)
            costs[past] = (impact * Decimal(per_unit)).quantize(Decimal("1000")) if impact else None
        base = costs[semester] or Decimal(300_000)
        forecasts = {semester + 1: base * Decimal("1.04"), semester + 2: base * Decimal("1.08")}
        for past, cost in costs.items():
            if cost:
                self.budget(startup, past, cost, BudgetNature.ACTUAL)
        for future, cost in forecasts.items():
            self.budget(startup, future, cost.quantize(Decimal("1000")), BudgetNature.FORECAST)
        # Rounds: the semester before the budget lines (its cost comes from the round) and on.
        for granted in [semester - 3, *full, semester + 1]:
            amount = costs.get(granted) or base
            self.funding_round(startup, granted, amount)
        # Published by the demo's first run only: a team that unpublished its page stays so.
        if demo.public and first_run and not startup.public_page:
            startup.public_page = True
            startup.save(update_fields=["public_page"])
        startup.refresh_derived(today=today)
        actual = costs[semester]
        impact = aggregate([monthly[m] for m in semester.months if m in monthly], Aggregation.SUM)
        return (
            f"{len(demo.series)} indicateurs ; coût par impact en {semester} : "
            f"{actual / impact:.2f} € (unité : {star.unit})".replace(".", ",")
            if actual and impact
            else "coût par unité inconnu"
        )

    def metric(self, startup, series: Series, position, first_month, *, public) -> Metric:
        metric, created = Metric.objects.get_or_create(
            startup=startup,
            label=series.label,
            defaults={
                "unit": series.unit,
                "dimension": series.dimension,
                "is_north_star": series.is_north_star,
                "direction": series.direction,
                "aggregation": series.aggregation,
                "counts_active_users": series.counts_active_users,
                "is_public": public and series.dimension != Dimension.USABLE,
                "position": position,
            },
        )
        if created:
            self.created["indicateurs"] += 1
            MetricDefinition.objects.create(
                metric=metric, valid_from=first_month, text=f"{series.definition} {DEMO}"
            )
        return metric

    def objectives(self, metric, series, slug, months, today):
        """A target met six months ago (or missed, when the trend goes down), one for the end
        of this semester (which the last committee set and the report explains) and the next
        one, set for the end of the next semester: a north star followed with a growth
        target."""
        values = monthly_values(slug, series, months)
        past_due = Semester.of(today) - 1
        index = months.index(past_due.months[-1])
        targets = [
            (past_due.end, values[index - 6] * Decimal("1.08")),
            (Semester.of(today).end, values[-1] * Decimal("1.05")),
            ((Semester.of(today) + 1).end, values[-1] * Decimal("1.15")),
        ]
        for due_on, target in targets:
            _, created = Objective.objects.get_or_create(
                metric=metric,
                due_on=due_on,
                defaults={
                    "target": target.quantize(Decimal("1")),
                    "comment": f"Objectif fixé en comité {DEMO}",
                },
            )
            self.created["objectifs"] += created

    def budget(self, startup, semester: Semester, cost: Decimal, nature: str) -> None:
        for activity, resource, share, label in SHARES:
            paid = (cost * share).quantize(Decimal("1"))
            committed = (
                paid
                if nature == BudgetNature.FORECAST
                else (paid * Decimal("1.04")).quantize(Decimal("1"))
            )
            _, created = BudgetLine.objects.get_or_create(
                startup=startup,
                year=semester.year,
                half=semester.half,
                activity=activity,
                resource_type=resource,
                nature=nature,
                is_demo=True,
                defaults={"label": label, "committed": committed, "paid": paid},
            )
            self.created["lignes"] += created

    def funding_round(self, startup, semester: Semester, amount: Decimal) -> None:
        funding_round, created = FundingRound.objects.get_or_create(
            startup=startup,
            label=f"Tour {semester} {DEMO}",
            defaults={
                "source": FundingSource.MANUAL,
                "start": semester.start,
                "end": semester.end,
                "amount_granted": amount,
            },
        )
        if not created:
            return
        self.created["tours"] += 1
        sponsors = list(startup.sponsors.all()) or [None]
        share = (amount / len(sponsors)).quantize(Decimal("1"))
        Contribution.objects.bulk_create(
            Contribution(
                funding_round=funding_round,
                organisation=sponsor,
                funder="" if sponsor else "Sponsor non renseigné",
                amount=share if index else amount - share * (len(sponsors) - 1),
            )
            for index, sponsor in enumerate(sponsors)
        )
