"""Portfolio analytics for incubator staff: money granted, phase funnel, comparable cost per
impact, and the programme's lists.

`portfolio_analytics` reads everything in a fixed number of queries, whatever the number of
startups (one per table, the scope as a subquery); the figures come from pure functions below,
each tested on worked examples.

Decisions, also said on the page:
- money granted per semester: each round's amount split pro rata of the days it covers in each
  semester (the rule `figures.semester_cost` applies to a startup's cost);
- per sponsor: the rounds' contributions, by organisation or by named funder (Fonds FAST…); the
  part of a round that no contribution accounts for goes to "financeur non précisé";
- funnel: a startup reached a phase when one of its recorded phases has that lifecycle; the
  median time counts finished stays only (a stay still running would shorten it);
- comparable startups: same north-star unit (case and spaces ignored), last full semester;
  a semester whose impact was measured in part has no cost per impact and no change is
  computed from it (`figures.trajectory`), so a metric started in December is never "worsened"
  or "improved" by it;
- ready for acceleration: only what can be computed is computed (see `AccelerationCheck`).
"""

import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils.formats import number_format

from startups.dates import Semester, add_months
from startups.enums import Lifecycle
from startups.models import Contribution, FundingRound, Incubator, Phase, Startup

from .figures import aggregate, overlap_days, trajectory
from .models import BudgetLine, Measurement, Metric, Objective

DAYS_PER_MONTH = Decimal("30.44")
UNKNOWN_FUNDER = "Financeur non précisé"
STALE_AFTER_MONTHS = 2


# Who sees what -----------------------------------------------------------------------------


def staffed_incubators(user) -> list[Incubator] | None:
    """The incubators whose portfolio this person runs; None for a superuser (all of them)."""
    if user.is_superuser:
        return None
    return list(Incubator.objects.filter(staff__user=user).only("slug", "title"))


def startups_of(incubators: list[Incubator] | None):
    if incubators is None:
        return Startup.objects.all()
    return Startup.objects.filter(
        Q(incubator__in=incubators) | Q(co_incubators__in=incubators)
    ).distinct()


# Money -------------------------------------------------------------------------------------


def semesters_between(start: datetime.date, end: datetime.date) -> list[Semester]:
    first, last = Semester.of(start), Semester.of(end)
    semesters = [first]
    while semesters[-1] < last:
        semesters.append(semesters[-1] + 1)
    return semesters


def money_per_semester(rounds: Iterable) -> dict[Semester, Decimal]:
    """Each round's amount split pro rata of the days it covers in each semester."""
    money: dict[Semester, Decimal] = defaultdict(Decimal)
    for round_ in rounds:
        days = (round_.end - round_.start).days + 1
        for semester in semesters_between(round_.start, round_.end):
            share = overlap_days(round_.start, round_.end, semester)
            if share:
                money[semester] += round_.amount_granted * share / days
    return dict(sorted(money.items()))


def funder_name(contribution) -> str:
    organisation = contribution.organisation
    if organisation is not None:
        return organisation.acronym or organisation.name
    return contribution.funder


def money_per_funder(rounds: Iterable, contributions: Iterable) -> list[tuple[str, Decimal]]:
    """Money granted by each funder, largest first; what no contribution accounts for in a
    round is shown as coming from an unknown funder rather than dropped."""
    money: dict[str, Decimal] = defaultdict(Decimal)
    covered: dict[int, Decimal] = defaultdict(Decimal)
    for contribution in contributions:
        money[funder_name(contribution)] += contribution.amount
        covered[contribution.funding_round_id] += contribution.amount
    for round_ in rounds:
        rest = round_.amount_granted - covered[round_.pk]
        if rest > 0:
            money[UNKNOWN_FUNDER] += rest
    return sorted(money.items(), key=lambda item: (-item[1], item[0]))


# Phase funnel ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    phase: Lifecycle
    reached: int
    finished: int  # startups whose stay in the phase is over, the median's base
    median_months: Decimal | None


def phase_funnel(phases: Iterable) -> list[FunnelStep]:
    """How many startups reached each phase, and the median months of a finished stay there
    (a startup's phases of one lifecycle add up: consolidation then opéré is one transfer)."""
    stays: dict[tuple[int, str], list] = defaultdict(list)
    for phase in phases:
        stays[phase.startup_id, phase.lifecycle].append(phase)
    reached: dict[str, int] = defaultdict(int)
    durations: dict[str, list[int]] = defaultdict(list)
    for (_, lifecycle), stay in stays.items():
        reached[lifecycle] += 1
        if all(phase.end is not None for phase in stay):
            durations[lifecycle].append(sum((p.end - p.start).days for p in stay))
    return [
        FunnelStep(
            phase=lifecycle,
            reached=reached[lifecycle],
            finished=len(durations[lifecycle]),
            median_months=(
                (Decimal(statistics.median(durations[lifecycle])) / DAYS_PER_MONTH).quantize(
                    Decimal("0.1")
                )
                if durations[lifecycle]
                else None
            ),
        )
        for lifecycle in Lifecycle
    ]


# Charts ------------------------------------------------------------------------------------

CHART_WIDTH = 720
LABEL_WIDTH = 200
VALUE_WIDTH = 110
BAR_HEIGHT = 18
ROW_HEIGHT = 28


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: float

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 4

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart drawn by `metrics/analytics_bars.html` (hand-written SVG)."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 8

    @property
    def label_x(self) -> int:
        return self.label_width - 8


def bar_chart(id: str, title: str, description: str, rows: Sequence[tuple[str, Decimal, str]]):
    """Rows of (label, value, value as text); bars proportional to the largest value."""
    largest = max((value for _, value, _ in rows), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(
            label=label if len(label) <= 28 else label[:27] + "…",
            text=text,
            y=4 + index * ROW_HEIGHT,
            width=round(float(value) * span / float(largest), 1),
        )
        for index, (label, value, text) in enumerate(rows)
    ]
    return BarChart(id=id, title=title, description=description, bars=bars)


def euros(amount: Decimal) -> str:
    return f"{number_format(round(amount), force_grouping=True)} €"


# Per startup: north star, cost per impact, the lists -------------------------------------


@dataclass
class StartupFacts:
    """What the analytics know about one startup, gathered from the fixed queries."""

    startup: Startup
    north_star: Metric | None = None
    active_users: Metric | None = None
    monthly: dict[datetime.date, Decimal] = field(default_factory=dict)
    active_users_monthly: dict[datetime.date, Decimal] = field(default_factory=dict)
    last_month: datetime.date | None = None
    has_objective: bool = False
    budget_lines: list = field(default_factory=list)
    rounds: list = field(default_factory=list)
    previous_cost_per_unit: Decimal | None = None
    cost_per_unit: Decimal | None = None
    change: Decimal | None = None
    cost: Decimal | None = None
    cost_source: str = ""
    impact: Decimal | None = None

    @property
    def unit_key(self) -> str:
        return " ".join(self.north_star.unit.lower().split()) if self.north_star else ""

    @property
    def change_percent(self) -> Decimal | None:
        return None if self.change is None else (self.change * 100).quantize(Decimal("1"))

    @property
    def worsened(self) -> bool:
        return self.change is not None and self.change > 0


@dataclass(frozen=True)
class AccelerationCheck:
    """The programme's three criteria to enter acceleration (DESIGN §1), as far as data goes.

    1. product/market fit, 1–5 % of the reachable market as recurring users: the monthly active
       users are known when a metric counts them, but Comité holds no market size, so the share
       is unknown (never invented);
    2. one real impact metric followed with a growth target: a north-star metric with an
       objective still to come;
    3. a team organised for growth: not in the data, to check in committee.
    """

    facts: StartupFacts
    active_users: Decimal | None

    @property
    def has_target(self) -> bool:
        return self.facts.has_objective

    @property
    def is_candidate(self) -> bool:
        return self.active_users is not None and self.has_target


@dataclass
class Comparison:
    unit: str
    rows: list[StartupFacts]


@dataclass
class PortfolioAnalytics:
    semester: Semester  # the last full semester
    startups: list[Startup]
    money_per_semester: list[tuple[Semester, Decimal]]
    money_per_funder: list[tuple[str, Decimal]]
    money_total: Decimal
    funnel: list[FunnelStep]
    comparisons: list[Comparison]
    without_north_star: list[Startup]
    stale: list[StartupFacts]
    stale_since: datetime.date
    worsened: list[StartupFacts]
    acceleration: list[AccelerationCheck]
    in_construction: int
    charts: dict[str, BarChart]


def last_full_semester(today: datetime.date) -> Semester:
    return Semester.of(today) - 1


def gather_facts(
    startups, *, metrics, measurements, last_months, with_objective, budget_lines, rounds
) -> dict[int, StartupFacts]:
    facts = {startup.pk: StartupFacts(startup=startup) for startup in startups}
    series: dict[int, list[dict]] = defaultdict(list)  # metric → the series it feeds
    for metric in metrics:
        fact = facts[metric.startup_id]
        if metric.is_north_star:
            fact.north_star = metric
            series[metric.pk].append(fact.monthly)
        if metric.counts_active_users and fact.active_users is None:
            fact.active_users = metric
            series[metric.pk].append(fact.active_users_monthly)
    for metric_id, month, value in measurements:
        for monthly in series.get(metric_id, ()):
            monthly[month] = value
    for startup_id, month in last_months:
        facts[startup_id].last_month = month
    for startup_id in with_objective:
        facts[startup_id].has_objective = True
    for line in budget_lines:
        facts[line.startup_id].budget_lines.append(line)
    for round_ in rounds:
        facts[round_.startup_id].rounds.append(round_)
    return facts


def compute_cost_per_impact(fact: StartupFacts, semester: Semester) -> None:
    if fact.north_star is None:
        return
    before, last = trajectory(
        semesters=[semester - 1, semester],
        monthly=fact.monthly,
        aggregation=fact.north_star.aggregation,
        budget_lines=fact.budget_lines,
        rounds=fact.rounds,
    )
    fact.previous_cost_per_unit, fact.cost_per_unit, fact.change = (
        before.cost_per_unit,
        last.cost_per_unit,
        last.change,
    )
    fact.cost, fact.cost_source, fact.impact = last.cost, last.cost_source, last.impact


def comparisons(facts: Iterable[StartupFacts]) -> list[Comparison]:
    """Startups with a cost per impact, grouped by north-star unit, cheapest first; groups
    with more startups first (they are what can be compared)."""
    groups: dict[str, list[StartupFacts]] = defaultdict(list)
    for fact in facts:
        if fact.cost_per_unit is not None:
            groups[fact.unit_key].append(fact)
    return sorted(
        (
            Comparison(unit=unit, rows=sorted(rows, key=lambda f: f.cost_per_unit))
            for unit, rows in groups.items()
        ),
        key=lambda c: (-len(c.rows), c.unit),
    )


def acceleration_check(fact: StartupFacts, semester: Semester) -> AccelerationCheck:
    users = None
    if fact.active_users is not None:
        users = aggregate(
            [
                fact.active_users_monthly[m]
                for m in semester.months
                if m in fact.active_users_monthly
            ],
            fact.active_users.aggregation,
        )
    return AccelerationCheck(facts=fact, active_users=users)


def portfolio_analytics(startups, *, today: datetime.date) -> PortfolioAnalytics:
    """Every figure of the analytics page for these startups, in ten queries."""
    scope = startups.values("pk")
    semester = last_full_semester(today)
    window = [semester - 1, semester]
    rows = list(
        startups.order_by(Lower("name"), "pk").only(
            "slug", "name", "current_phase", "current_phase_name", "is_active"
        )
    )
    rounds = list(
        FundingRound.objects.filter(startup__in=scope).only(
            "startup_id", "start", "end", "amount_granted"
        )
    )
    contributions = list(
        Contribution.objects.filter(funding_round__startup__in=scope)
        .select_related("organisation")
        .only("funding_round_id", "amount", "funder", "organisation__name", "organisation__acronym")
    )
    phases = list(
        Phase.objects.filter(startup__in=scope).only("startup_id", "lifecycle", "start", "end")
    )
    followed = Metric.objects.filter(startup__in=scope).filter(
        Q(is_north_star=True) | Q(counts_active_users=True)
    )
    metrics = list(followed.order_by("startup", "-is_north_star", "position", "pk"))
    measurements = Measurement.objects.filter(
        metric__in=followed.values("pk"),
        month__gte=window[0].start,
        month__lte=window[-1].end,
    ).values_list("metric_id", "month", "value")
    last_months = (
        Measurement.objects.filter(metric__startup__in=scope)
        .values("metric__startup")
        .annotate(last=Max("month"))
        .values_list("metric__startup", "last")
    )
    with_objective = (
        Objective.objects.filter(
            metric__startup__in=scope, metric__is_north_star=True, due_on__gte=today
        )
        .values_list("metric__startup", flat=True)
        .distinct()
    )
    budget_lines = BudgetLine.objects.filter(
        startup__in=scope, year__in={s.year for s in window}
    ).only("startup_id", "year", "half", "nature", "paid")
    facts = gather_facts(
        rows,
        metrics=metrics,
        measurements=measurements,
        last_months=last_months,
        with_objective=with_objective,
        budget_lines=budget_lines,
        rounds=rounds,
    )
    for fact in facts.values():
        compute_cost_per_impact(fact, semester)
    active = [facts[s.pk] for s in rows if s.is_active]
    stale_since = add_months(today.replace(day=1), -STALE_AFTER_MONTHS)
    construction = [f for f in active if f.startup.current_phase == Lifecycle.CONSTRUCTION]
    checks = [acceleration_check(f, semester) for f in construction]
    per_semester = list(money_per_semester(rounds).items())
    per_funder = money_per_funder(rounds, contributions)
    funnel = phase_funnel(phases)
    return PortfolioAnalytics(
        semester=semester,
        startups=rows,
        money_per_semester=per_semester,
        money_per_funder=per_funder,
        money_total=sum((r.amount_granted for r in rounds), Decimal(0)),
        funnel=funnel,
        comparisons=comparisons(active),
        without_north_star=[f.startup for f in active if f.north_star is None],
        stale=[f for f in active if f.last_month is None or f.last_month < stale_since],
        stale_since=stale_since,
        worsened=[f for f in active if f.worsened],
        acceleration=[check for check in checks if check.is_candidate],
        in_construction=len(construction),
        charts={
            "semesters": bar_chart(
                "chart-semesters",
                "Argent accordé par semestre",
                "Montants des tours de financement, répartis au prorata des jours couverts "
                "dans chaque semestre. Les valeurs sont dans le tableau qui suit.",
                [(str(s), amount, euros(amount)) for s, amount in per_semester],
            ),
            "funders": bar_chart(
                "chart-funders",
                "Argent accordé par financeur",
                "Total des contributions de chaque financeur aux tours de financement. "
                "Les valeurs sont dans le tableau qui suit.",
                [(name, amount, euros(amount)) for name, amount in per_funder],
            ),
            "funnel": bar_chart(
                "chart-funnel",
                "Startups ayant atteint chaque phase",
                "Nombre de startups dont l’historique contient chaque phase. "
                "Les valeurs et les durées médianes sont dans le tableau qui suit.",
                [(step.phase.label, Decimal(step.reached), str(step.reached)) for step in funnel],
            ),
        },
    )
