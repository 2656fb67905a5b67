"""A startup's metrics as its pages show them, and saving a metric with its dated definition.

Reading takes a fixed number of queries whatever the number of metrics and months (the metrics,
their definitions and objectives, then every measurement as plain tuples); everything else is
computed in Python with metrics/figures.py and drawn with metrics/charts.py.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import transaction

from startups.dates import Semester, add_months

from . import charts
from .enums import Direction
from .figures import (
    SemesterFigures,
    change,
    cost_per_use,
    is_percentage,
    is_stale,
    objective_status,
    semester_cost,
    trajectory,
)
from .models import BudgetLine, Measurement, Metric, MetricDefinition, MetricSource, Objective

# A new metric's first definition covers the values entered for the months before it.
FIRST_DEFINITION_MONTH = datetime.date(2000, 1, 1)
TABLE_MONTHS = 12


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_months(today: datetime.date, n: int = TABLE_MONTHS) -> list[datetime.date]:
    """The last `n` months, the current one first."""
    return [add_months(month_of(today), -i) for i in range(n)]


@dataclass
class MetricSeries:
    """One metric with its monthly values (in month order), definitions and objectives."""

    metric: Metric
    monthly: dict[datetime.date, Decimal] = field(default_factory=dict)
    today: datetime.date = field(default_factory=datetime.date.today)

    @property
    def definitions(self) -> list[MetricDefinition]:
        return list(self.metric.definitions.all())

    @property
    def feed(self) -> MetricSource | None:
        """The metric's source, if it has one (loaded with the metric: no query)."""
        try:
            return self.metric.feed
        except MetricSource.DoesNotExist:
            return None

    @cached_property
    def definition(self) -> MetricDefinition | None:
        """The definition in force this month."""
        return self.metric.definition_at(month_of(self.today))

    @property
    def definition_changed_on(self) -> datetime.date | None:
        """The month the current definition replaced an older one (None if it never changed)."""
        current = self.definition
        older = [d for d in self.definitions if current and d.valid_from < current.valid_from]
        return current.valid_from if older else None

    @property
    def definition_changes(self) -> list[tuple[MetricDefinition, MetricDefinition]]:
        """(the definition replaced, the one replacing it) for each change after the first
        month the chart shows (a value or an objective) and up to this month."""
        months = [*self.monthly, *(objective.due_on for objective in self.targets)]
        if not months:
            return []
        first, now = month_of(min(months)), month_of(self.today)
        definitions = self.definitions
        return [
            (old, new)
            for old, new in zip(definitions, definitions[1:], strict=False)
            if first < new.valid_from <= now
        ]

    @property
    def latest(self) -> tuple[datetime.date, Decimal] | None:
        return next(reversed(self.monthly.items()), None)

    @property
    def year_change(self) -> Decimal | None:
        """The latest value against the same month a year before: a relative change, or a
        difference in points for a percentage."""
        if not self.latest:
            return None
        month, value = self.latest
        previous = self.monthly.get(add_months(month, -12))
        if is_percentage(self.metric.unit):
            return None if previous is None else value - previous
        return change(value, previous)

    @property
    def is_stale(self) -> bool:
        return bool(self.latest) and is_stale(self.latest[0], self.today)

    @property
    def trend_is_good(self) -> bool | None:
        if not self.year_change:
            return None
        return (self.year_change > 0) == (self.metric.direction == Direction.HIGHER)

    @property
    def last_year(self) -> list[tuple[datetime.date, Decimal | None]]:
        """The last twelve months' values (None where none was recorded), the latest first."""
        return [(month, self.monthly.get(month)) for month in last_months(self.today)]

    @cached_property
    def targets(self) -> list[Objective]:
        """The metric's objectives in force, by due date: a later objective for the same date
        (a new decision's) replaces the one it supersedes, which stays in its decision's record."""
        latest: dict = {}
        for objective in sorted(self.metric.objectives.all(), key=lambda o: o.pk):
            latest[objective.due_on] = objective
        return sorted(latest.values(), key=lambda o: o.due_on)

    @property
    def objectives(self) -> list[tuple[Objective, bool | None]]:
        """Each objective in force with whether it was met (None: not due yet and not
        reached)."""
        return [
            (
                objective,
                objective_status(
                    target=objective.target,
                    due_on=objective.due_on,
                    direction=self.metric.direction,
                    monthly=self.monthly,
                    today=self.today,
                ),
            )
            for objective in self.targets
        ]

    @property
    def chart_id(self) -> str:
        return f"chart-{self.metric.pk}"

    @cached_property
    def chart(self) -> charts.LineChart:
        return charts.line_chart(
            label=self.metric.label,
            unit=self.metric.unit,
            values=list(self.monthly.items()),
            targets=[(o.due_on, o.target) for o in self.targets],
            changes=[d.valid_from for d in self.definitions[1:]],
        )


def startup_series(
    startup, *, today: datetime.date, public_only: bool = False, details: bool = True
) -> list[MetricSeries]:
    """The startup's metrics (north star first) with their values: 2 queries, 4 with `details`
    (definitions and objectives)."""
    metrics = (
        Metric.objects.filter(startup=startup)
        .select_related("feed")
        .order_by("-is_north_star", "position", "id")
    )
    rows = Measurement.objects.filter(metric__startup=startup).order_by("month")
    if public_only:
        metrics, rows = metrics.filter(is_public=True), rows.filter(metric__is_public=True)
    if details:
        metrics = metrics.prefetch_related("definitions", "objectives")
    series = {metric.pk: MetricSeries(metric, today=today) for metric in metrics}
    for metric_id, month, value in rows.values_list("metric_id", "month", "value"):
        series[metric_id].monthly[month] = value
    return list(series.values())


@dataclass
class Efficiency:
    """Cost per impact unit semester after semester for the north star, and cost per use."""

    north_star: MetricSeries | None
    semesters: list[SemesterFigures]
    active_users: MetricSeries | None = None
    yearly_cost: Decimal | None = None
    average_users: Decimal | None = None
    year: tuple[Semester, Semester] | None = None

    @property
    def last(self) -> SemesterFigures | None:
        return self.semesters[-1] if self.semesters else None

    @property
    def partial(self) -> list[SemesterFigures]:
        """The semesters whose impact was not measured on all six months: no cost per unit,
        no point on the chart, and nothing compared with them (`figures.trajectory`)."""
        return [figures for figures in self.semesters if not figures.complete]

    @property
    def cost_per_use(self) -> Decimal | None:
        return cost_per_use(self.yearly_cost, self.average_users)

    @cached_property
    def chart(self) -> charts.TrajectoryChart:
        unit = self.north_star.metric.unit if self.north_star else "unités"
        return charts.trajectory_chart(self.semesters, unit=unit)


def startup_efficiency(
    series: list[MetricSeries], *, budget_lines, rounds, today: datetime.date
) -> Efficiency:
    """Full semesters only, from the north star's first value to the last one that ended: a
    semester under way would set a whole semester's cost against a few months of impact."""
    north_star = next((s for s in series if s.metric.is_north_star), None)
    last_full = Semester.of(today) - 1
    semesters = []
    if north_star and north_star.monthly:
        semester = Semester.of(next(iter(north_star.monthly)))
        while semester <= last_full:
            semesters.append(semester)
            semester += 1
    figures = (
        trajectory(
            semesters=semesters,
            monthly=north_star.monthly,
            aggregation=north_star.metric.aggregation,
            budget_lines=budget_lines,
            rounds=rounds,
        )
        if north_star
        else []
    )
    efficiency = Efficiency(north_star=north_star, semesters=figures)
    active = next((s for s in series if s.metric.counts_active_users), None)
    if active:
        year = (last_full - 1, last_full)
        costs = [semester_cost(s, budget_lines, rounds)[0] for s in year]
        users = [active.monthly[m] for s in year for m in s.months if m in active.monthly]
        efficiency.active_users, efficiency.year = active, year
        if None not in costs:
            efficiency.yearly_cost = sum(costs, Decimal(0))
        if users:
            efficiency.average_users = sum(users, Decimal(0)) / len(users)
    return efficiency


def startup_money(startup) -> tuple[list[BudgetLine], list]:
    """Budget lines and funding rounds (the rounds from the prefetch cache when there is one)."""
    return list(BudgetLine.objects.filter(startup=startup)), list(startup.funding_rounds.all())


@transaction.atomic
def metric_save(
    *, metric: Metric, definition: str, source_url: str, by, today: datetime.date
) -> Metric:
    """Save a metric; a changed definition becomes a new one from the current month on (the
    past keeps the definitions it was measured under: only this month's is ever rewritten)."""
    is_new = metric.pk is None
    metric.save()
    current = None if is_new else metric.definition_at(month_of(today))
    if current and (current.text, current.source_url) == (definition, source_url):
        return metric
    MetricDefinition.objects.update_or_create(
        metric=metric,
        valid_from=FIRST_DEFINITION_MONTH if is_new else month_of(today),
        defaults={"text": definition, "source_url": source_url, "created_by": by},
    )
    return metric
