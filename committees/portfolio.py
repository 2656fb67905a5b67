"""A sponsor's portfolio: every startup an organisation funds, with its money, its last
decision, its objectives, its cost per impact, its next committee and why it is at risk.

An organisation funds a startup when it is among the startup's sponsors or contributes to one
of its funding rounds (`startups.access.funded_startups`). `sponsor_portfolio` reads everything
in a fixed number of queries, whatever the number of startups (one per table, the startups' ids
as one array parameter: `comite.lookups.AnyOf`); the figures come from the pure functions of
`metrics` (`figures.round_spent`, `figures.objective_status`, `analytics.gather_facts`).

Speed (500 startups, `docs/benchmark.md`): what the totals, the sort and the filters need is
computed for every startup, once (the totals are fields, not properties summed by the
template); the rest (cost per impact) only for the rows shown. Startups and rounds are read as
plain values (`FundedStartup`, `Round`: not model instances), the organisation's part of each
round by an index subquery, the day of a session in SQL (the local day), and an objective's
last value by one subquery.

Decisions, also said on the page:
- budget year: the calendar year; a round's amount is split across the years it covers pro
  rata of its days;
- the organisation's share of a round: its contributions to it; a round with no contribution
  at all falls on the startup's sponsors in equal parts (as a dossier splits a request);
- still to pay: the amount granted less what the round spent (`figures.round_spent`: its
  typed amount, else the actual budget lines of the semesters it covers), never below zero;
  a round whose spending is unknown is still to pay in full;
- objectives: those of the last decision in force, met / missed / in progress as the dossier
  computes them (`figures.objective_status`);
- cost per impact: the last full semester's, and its change from the one before, as the
  analytics page computes them, for the startups shown (`add_cost_per_impact`);
- at risk: an objective missed; the money of the current round ends within
  `COMMITTEE_BEFORE_MONEY_ENDS_DAYS` with no session scheduled; no report filed (submitted at
  least once) for the last full semester while a round paid for it; an order late.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate
from django.template.defaultfilters import floatformat

from comite.lookups import AnyOf
from metrics.analytics import (
    bar_chart,
    compute_cost_per_impact,
    gather_facts,
    last_full_semester,
)
from metrics.budget import current_round
from metrics.figures import objective_status, round_spent, singular
from metrics.models import BudgetLine, Measurement, Metric
from startups.models import (
    COMMITTEE_BEFORE_MONEY_ENDS_DAYS,
    Contribution,
    FundingRound,
    Organisation,
    Startup,
)
from startups.templatetags.portfolio import euros, short_date

from .enums import Outcome, ReportStatus
from .models import Decision, Review, SemesterReport, Session

ZERO = Decimal(0)
# How the table may be sorted (URL value: label, key of a row).
SORTS = {
    "nom": "Nom (A → Z)",
    "risque": "À risque d’abord",
    "reste": "Reste à payer (décroissant)",
    "comite": "Prochain comité attendu",
}
STATUSES = {
    "actives": "Suivies par le programme",
    "sorties": "Arrêtées ou transférées",
    "toutes": "Toutes",
}


def year_shares(start: datetime.date, end: datetime.date, amount: Decimal) -> dict[int, Decimal]:
    """`amount` split across the calendar years from `start` to `end`, pro rata of the days."""
    days = (end - start).days + 1
    shares = {}
    for year in range(start.year, end.year + 1):
        first = max(start, datetime.date(year, 1, 1))
        last = min(end, datetime.date(year, 12, 31))
        shares[year] = amount * ((last - first).days + 1) / days
    return shares


@dataclass(slots=True)
class FundedStartup:
    """What the page reads of a startup: plain values, as for rounds (a model instance per
    startup cost a fifth of the page's time)."""

    pk: int
    slug: str
    name: str
    current_phase: str
    current_phase_name: str
    is_active: bool
    committee_due_on: datetime.date | None
    incubator_title: str
    sponsor_count: int | None
    sponsored: bool

    get_absolute_url = Startup.get_absolute_url  # the model's, as they stand
    current_phase_label = Startup.current_phase_label
    get_current_phase_display = Startup.get_current_phase_display


@dataclass(slots=True)
class Round:
    """What the page reads of a funding round (a model instance per round costs twice as
    much), with the organisation's contributions to it (`own`) and whether anyone contributes."""

    pk: int
    startup_id: int
    label: str
    source: str
    start: datetime.date
    end: datetime.date
    amount_granted: Decimal
    amount_spent: Decimal | None
    order_sent_on: datetime.date | None
    own: Decimal | None
    contributed: bool

    order_is_late = FundingRound.order_is_late  # the model's rule, as it stands


@dataclass
class RoundLine:
    """One round of a funded startup, with the organisation's part of it."""

    round: Round
    share: Decimal  # what the organisation puts in
    spent: Decimal | None
    to_pay: Decimal  # the organisation's part of what is still to pay
    by_year: dict[int, Decimal]  # the organisation's part, per budget year
    order_late: bool

    @property
    def summary(self) -> str:
        """ "S1 2026 (01/01/2026 – 30/06/2026) : 40 000 € sur 80 000 €": one value for the
        page (five values and four filters a line cost a quarter of its rendering)."""
        round_ = self.round
        return (
            f"{round_.label} ({short_date(round_.start)} – {short_date(round_.end)}) : "
            f"{euros(self.share)} sur {euros(round_.amount_granted)}"
        )


@dataclass
class LastDecision:
    """A startup's last decision in force: what it decided, when, and its objectives."""

    pk: int
    outcome: str
    decided_on: datetime.date
    objectives: list[tuple] = field(default_factory=list)  # see objective_rows

    @property
    def label(self) -> str:
        return Outcome(self.outcome).label


@dataclass
class Row:
    startup: FundedStartup
    rounds: list[RoundLine] = field(default_factory=list)
    decision: LastDecision | None = None
    objectives: list[dict] = field(default_factory=list)
    facts: object = None  # metrics.analytics.StartupFacts: the cost per impact
    budget_lines: list = field(default_factory=list)
    session_on: datetime.date | None = None  # the next session with it on its agenda
    risks: list[str] = field(default_factory=list)
    year_share: Decimal = ZERO  # the organisation's part in the budget year
    to_pay: Decimal = ZERO  # the organisation's part of what is still to pay

    @property
    def committed(self) -> Decimal:
        return sum((line.share for line in self.rounds), ZERO)

    @property
    def granted(self) -> Decimal:
        return sum((line.round.amount_granted for line in self.rounds), ZERO)

    def count(self, met) -> int:
        return sum(1 for objective in self.objectives if objective["met"] is met)

    @property
    def objectives_met(self) -> int:
        return self.count(True)

    @property
    def objectives_missed(self) -> int:
        return self.count(False)

    @property
    def objectives_pending(self) -> int:
        return self.count(None)

    # What the page's cells say, computed here: a value and a filter or two per cell, in
    # every row, were most of the page's rendering.

    @property
    def objectives_summary(self) -> str:
        """ "1 atteint, 2 manqués, 0 en cours"; an en dash without objectives."""
        if not self.objectives:
            return "–"
        met, missed = self.objectives_met, self.objectives_missed
        return (
            f"{met} atteint{plural(met)}, {missed} manqué{plural(missed)}, "
            f"{self.objectives_pending} en cours"
        )

    @property
    def cost_summary(self) -> str:
        """ "1 234,50 € par dossier"; an en dash when unknown."""
        facts = self.facts
        if facts is None or facts.cost_per_unit is None:
            return "–"
        return f"{floatformat(facts.cost_per_unit, '2g')} € par {singular(facts.north_star.unit)}"

    @property
    def change_summary(self) -> str:
        facts = self.facts
        if facts is None or facts.cost_per_unit is None or facts.change_percent is None:
            return ""
        return f"{int(facts.change_percent):+d} % sur un semestre"

    @property
    def next_committee(self) -> str:
        if self.session_on:
            return f"Séance du {short_date(self.session_on)}"
        if self.startup.committee_due_on:
            return f"Attendu le {short_date(self.startup.committee_due_on)}"
        return "–"

    @property
    def at_risk(self) -> bool:
        return bool(self.risks)

    @property
    def outcome_badge(self) -> str:
        return OUTCOME_BADGES.get(self.decision.outcome, "info") if self.decision else ""


@dataclass
class Portfolio:
    organisation: Organisation
    year: int
    rows: list[Row]
    per_year: list[tuple[int, Decimal]]
    years: list[int]
    semester: object  # the last full semester (cost per impact, reports)
    chart: object
    committed_this_year: Decimal  # the totals of `rows`
    to_pay: Decimal
    at_risk: int


def plural(count: int) -> str:
    return "" if count == 1 else "s"  # as the `pluralize` filter


def organisation_share(round_: Round, startup: FundedStartup) -> Decimal:
    """What the organisation puts in a round: its contributions (`own`, annotated); the whole
    round shared equally among the startup's sponsors when no one contributes to it
    (`sponsored` and `sponsor_count`, annotated)."""
    if round_.contributed:
        return round_.own or ZERO
    if startup.sponsored:
        return round_.amount_granted / startup.sponsor_count
    return ZERO


def objective_rows(decision, today: datetime.date) -> list[dict]:
    """Each objective of the decision, met (True), missed (False) or in progress (None), from
    its metric's last value by its due month."""
    return [
        {
            "pk": pk,
            "target": target,
            "due_on": due_on,
            "met": objective_status(
                target=target,
                due_on=due_on,
                direction=direction,
                monthly={} if value is None else {due_on: value},  # its last value by then
                today=today,
            ),
        }
        for pk, target, due_on, direction, value in decision.objectives
    ]


def risks(row: Row, *, today: datetime.date, reported: bool, owes_report: bool, semester):
    """The reasons, in words, why a startup needs attention."""
    found = []
    if row.objectives_missed:
        found.append(f"{row.objectives_missed} objectif(s) manqué(s)")
    running = current_round([line.round for line in row.rounds], today)
    ends_soon = today + datetime.timedelta(days=COMMITTEE_BEFORE_MONEY_ENDS_DAYS)
    if (
        row.startup.is_active
        and running
        and today <= running.end <= ends_soon
        and row.session_on is None
    ):
        found.append(f"financement terminé le {running.end:%d/%m/%Y}, aucune séance prévue")
    if owes_report and not reported:
        found.append(f"aucun bilan déposé pour le {semester}")
    late = [line.round.label for line in row.rounds if line.order_late]
    if late:
        found.append("bon de commande en retard : " + ", ".join(late))
    return found


def sponsor_portfolio(
    organisation: Organisation,
    startups,
    *,
    today: datetime.date,
    year: int | None = None,
    incubator: str = "",
    status: str = "actives",
    at_risk: bool = False,
    sort: str = "nom",
    with_cost_per_impact: bool = True,
) -> Portfolio:
    """The portfolio of `organisation` among `startups` (what the person may see), in a fixed
    number of queries. Without `with_cost_per_impact`, the rows have none yet: the page adds
    it to the rows it shows (`add_cost_per_impact`), the CSV to all."""
    year = year or today.year
    if incubator:
        startups = startups.of_incubator(incubator)
    if status == "actives":
        startups = startups.filter(is_active=True)
    elif status == "sorties":
        startups = startups.filter(is_active=False)
    semester = last_full_semester(today)
    sponsors = Startup.sponsors.through.objects.filter(startup_id=OuterRef("pk")).order_by()
    startup_rows = [
        FundedStartup(*values)
        for values in startups.annotate(
            incubator_title=F("incubator__title"),  # no incubator object per startup
            # How many sponsors share a round no one contributes to, and whether it is one.
            sponsor_count=Subquery(
                sponsors.values("startup_id").annotate(count=Count("pk")).values("count")
            ),
            sponsored=Exists(sponsors.filter(organisation=organisation)),
        )
        .values_list(*(each.name for each in fields(FundedStartup)))
        .order_by("name", "pk")
    ]
    ids = [startup.pk for startup in startup_rows]
    contributions = Contribution.objects.filter(funding_round_id=OuterRef("pk")).order_by()
    rounds = [
        Round(*values)
        for values in FundingRound.objects.filter(AnyOf(F("startup_id"), ids))
        # The organisation's contributions to each round, and whether anyone contributes: one
        # index lookup per round, not a join of every contribution then a GROUP BY.
        .annotate(
            own=Subquery(
                contributions.filter(organisation=organisation)
                .values("funding_round_id")
                .annotate(total=Sum("amount"))
                .values("total")
            ),
            contributed=Exists(contributions),
        )
        .values_list(*(each.name for each in fields(Round)))
        .order_by("start", "pk")
    ]
    lines = list(
        BudgetLine.objects.filter(AnyOf(F("startup_id"), ids))
        .only("startup_id", "year", "half", "nature", "paid")
        .order_by()
    )
    lines_of = defaultdict(list)
    for line in lines:
        lines_of[line.startup_id].append(line)
    decisions = {}
    for pk, outcome, startup_id, decided_on in (
        Decision.objects.filter(AnyOf(F("review__startup_id"), ids), correction__isnull=True)
        .annotate(decided_on=TruncDate("review__session__starts_at"))  # local day
        .values_list("pk", "outcome", "review__startup_id", "decided_on")
        .order_by("review__session__starts_at", "pk")
    ):
        decisions[startup_id] = LastDecision(  # the latest wins
            pk=pk, outcome=outcome, decided_on=decided_on
        )
    latest = {decision.pk: decision for decision in decisions.values()}
    # What `objective_status` reads of a metric: its last value by the objective's due month
    # (a value is never null: none means no value by then).
    known = Measurement.objects.filter(
        metric_id=OuterRef("objective__metric_id"), month__lte=OuterRef("objective__due_on")
    ).order_by("-month")
    for decision_id, *objective in (
        Decision.objectives.through.objects.filter(AnyOf(F("decision_id"), list(latest)))
        .annotate(known_value=Subquery(known.values("value")[:1]))
        .values_list(
            "decision_id",
            "objective_id",
            "objective__target",
            "objective__due_on",
            "objective__metric__direction",
            "known_value",
        )
        .order_by("objective__due_on", "objective_id")
    ):
        latest[decision_id].objectives.append(objective)
    sessions = {}
    for startup_id, session_on in (
        Review.objects.filter(
            AnyOf(F("startup_id"), ids), session__in=Session.objects.upcoming(today=today)
        )
        .annotate(session_on=TruncDate("session__starts_at"))
        .values_list("startup_id", "session_on")
        .order_by("-session__starts_at")
    ):
        sessions[startup_id] = session_on  # the earliest wins
    reported = set(
        SemesterReport.objects.filter(AnyOf(F("startup_id"), ids), semester=semester.key)
        .exclude(status=ReportStatus.DRAFT)
        .values_list("startup_id", flat=True)
        .order_by()
    )

    rows = {startup.pk: Row(startup=startup) for startup in startup_rows}
    per_year: dict[int, Decimal] = defaultdict(Decimal)
    for round_ in rounds:
        row = rows[round_.startup_id]
        share = organisation_share(round_, row.startup)
        spent = round_spent(round_, lines_of[round_.startup_id])
        left = max(round_.amount_granted - (spent or ZERO), ZERO)
        by_year = year_shares(round_.start, round_.end, share)
        for each, amount in by_year.items():
            per_year[each] += amount
        row.year_share += by_year.get(year, ZERO)
        to_pay = left * share / round_.amount_granted if round_.amount_granted else ZERO
        row.to_pay += to_pay
        row.rounds.append(
            RoundLine(
                round=round_,
                share=share,
                spent=spent,
                to_pay=to_pay,
                by_year=by_year,
                order_late=round_.order_is_late(today),
            )
        )
    for row in rows.values():
        startup_id = row.startup.pk
        row.decision = decisions.get(startup_id)
        if row.decision:
            row.objectives = objective_rows(row.decision, today)
        row.session_on = sessions.get(startup_id)
        row.risks = risks(
            row,
            today=today,
            reported=startup_id in reported,
            owes_report=row.startup.is_active
            and any(
                line.round.start <= semester.end and line.round.end >= semester.start
                for line in row.rounds
            ),
            semester=semester,
        )
    for line in lines:
        rows[line.startup_id].budget_lines.append(line)
    shown = [row for row in rows.values() if row.at_risk or not at_risk]
    shown.sort(key=SORT_KEYS.get(sort, SORT_KEYS["nom"]))
    if with_cost_per_impact:
        add_cost_per_impact(shown, semester)
    money = sorted(per_year.items())
    return Portfolio(
        organisation=organisation,
        year=year,
        rows=shown,
        per_year=money,
        years=[each for each, _ in money] or [today.year],
        semester=semester,
        committed_this_year=sum((row.year_share for row in shown), ZERO),
        to_pay=sum((row.to_pay for row in shown), ZERO),
        at_risk=sum(1 for row in shown if row.risks),
        chart=bar_chart(
            "chart-years",
            "Argent engagé par année budgétaire",
            f"Part de {organisation} dans les tours de financement, répartie au prorata des "
            "jours de chaque année civile. Les valeurs sont dans le tableau qui suit.",
            [(str(each), amount, euros(amount)) for each, amount in money],
        ),
    )


def add_cost_per_impact(rows: list[Row], semester) -> None:
    """The cost per impact unit of the last full semester, and its change, for these rows'
    startups, as the analytics page computes them (`analytics.gather_facts`): two queries."""
    startups = [row.startup for row in rows]
    followed = Metric.objects.filter(
        AnyOf(F("startup_id"), [row.startup.pk for row in rows]), is_north_star=True
    )
    facts = gather_facts(
        startups,
        metrics=followed.only(
            "startup_id", "unit", "aggregation", "is_north_star", "counts_active_users", "label"
        ).order_by("startup_id", "position", "pk"),
        measurements=Measurement.objects.filter(
            metric__in=followed.values("pk"),
            month__gte=(semester - 1).start,
            month__lte=semester.end,
        )
        .values_list("metric_id", "month", "value")
        .order_by(),
        last_months=[],
        with_objective=[],
        budget_lines=[line for row in rows for line in row.budget_lines],
        rounds=[line.round for row in rows for line in row.rounds],
    )
    for row in rows:
        row.facts = facts[row.startup.pk]
        compute_cost_per_impact(row.facts, semester)


def _name(row: Row):
    return (row.startup.name.lower(), row.startup.pk)


SORT_KEYS = {
    "nom": _name,
    "risque": lambda row: (-len(row.risks), *_name(row)),
    "reste": lambda row: (-row.to_pay, *_name(row)),
    "comite": lambda row: (
        row.startup.committee_due_on is None,
        row.startup.committee_due_on or datetime.date.min,
        *_name(row),
    ),
}

OUTCOME_BADGES = {
    Outcome.REFINANCE: "success",
    Outcome.ADJUST: "warning",
    Outcome.STOP: "error",
}
