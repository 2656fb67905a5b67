"""A startup's published budget read back: lines by year, totals by year and by activity, actual
against forecast, and the cost of each semester that the cost per impact uses."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from startups.dates import Semester

from .enums import BudgetActivity, BudgetNature
from .figures import CENT, overlap_days, semester_cost

COST_SOURCES = {
    "budget": "Lignes budgétaires (réalisé)",
    "rounds": "Tours de financement, au prorata des jours",
    "": "Inconnu : ni ligne réalisée ni tour de financement",
}


@dataclass
class Totals:
    actual_committed: Decimal = Decimal(0)
    actual_paid: Decimal = Decimal(0)
    forecast_committed: Decimal = Decimal(0)
    forecast_paid: Decimal = Decimal(0)

    def add(self, line) -> None:
        if line.nature == BudgetNature.ACTUAL:
            self.actual_committed += line.committed
            self.actual_paid += line.paid
        else:
            self.forecast_committed += line.committed
            self.forecast_paid += line.paid


@dataclass
class YearBudget:
    year: int
    lines: list = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


@dataclass(frozen=True)
class SemesterCost:
    semester: Semester
    cost: Decimal | None
    source: str

    @property
    def source_label(self) -> str:
        return COST_SOURCES[self.source]


def budget_by_year(lines: Sequence) -> list[YearBudget]:
    """The lines grouped by year, most recent year first, each with its totals."""
    years: dict[int, YearBudget] = {}
    for line in lines:
        year = years.setdefault(line.year, YearBudget(year=line.year))
        year.lines.append(line)
        year.totals.add(line)
    return sorted(years.values(), key=lambda y: -y.year)


def totals_by_activity(lines: Sequence) -> list[tuple[str, Totals]]:
    """Totals per activity of the standard, in the standard's order, all years together."""
    totals: dict[str, Totals] = defaultdict(Totals)
    for line in lines:
        totals[line.activity].add(line)
    return [(a.label, totals[a]) for a in BudgetActivity if a in totals]


def semester_costs(
    lines: Sequence, rounds: Sequence, *, today: datetime.date
) -> list[SemesterCost]:
    """The cost of each semester from the first one the lines or the rounds speak of to the
    current one (most recent first), with where it comes from (`figures.semester_cost`)."""
    starts = [Semester(line.year, line.half or 1) for line in lines]
    starts += [Semester.of(round_.start) for round_ in rounds]
    current = Semester.of(today)
    if not starts:
        return []
    semester, costs = min(starts), []
    while semester <= current:
        cost, source = semester_cost(semester, lines, rounds)
        costs.append(SemesterCost(semester=semester, cost=cost, source=source))
        semester += 1
    return costs[::-1]


def current_round(rounds: Sequence, today: datetime.date):
    """The round running today, else the last one that started (None without rounds)."""
    started = [r for r in rounds if r.start <= today]
    running = [r for r in started if today <= r.end]
    return max(running or started, key=lambda r: r.start, default=None)


def round_execution(
    round_, lines: Sequence, *, today: datetime.date, contributions: Sequence | None = None
) -> dict:
    """Spent against forecast for one round, per activity of the budget standard, and where
    the round should stand at its end. Each semester the round covers counts pro rata of its
    days (a yearly line counts half in each semester); a semester counts its actual lines when
    it has any, else its forecast ones, so that `expected` is spent so far plus forecast to come
    and `balance` what should be left of the money granted (negative: an overrun).
    `contributions`: who funds the round (default: read, one query)."""
    rows: dict[str, dict] = defaultdict(
        lambda: {"forecast": Decimal(0), "actual": Decimal(0), "expected": Decimal(0)}
    )
    semester = Semester.of(round_.start)
    while semester.start <= round_.end:
        share = Decimal(overlap_days(round_.start, round_.end, semester)) / (
            (semester.end - semester.start).days + 1
        )
        covering = [
            line
            for line in lines
            if line.year == semester.year and line.half in (None, semester.half)
        ]
        has_actual = any(line.nature == BudgetNature.ACTUAL for line in covering)
        for line in covering:
            amount = (line.paid if line.half else line.paid / 2) * share
            kind = "actual" if line.nature == BudgetNature.ACTUAL else "forecast"
            rows[line.activity][kind] += amount
            if (kind == "actual") == has_actual:
                rows[line.activity]["expected"] += amount
        semester += 1
    activities = [
        {"activity": a.label, **{k: v.quantize(CENT) for k, v in rows[a].items()}}
        for a in BudgetActivity
        if a in rows
    ]
    expected = sum((row["expected"] for row in activities), Decimal(0))
    if contributions is None:
        contributions = round_.contributions.select_related("organisation")
    days = (round_.end - round_.start).days + 1
    elapsed_days = min(max((today - round_.start).days + 1, 0), days)
    return {
        "label": round_.label,
        "start": round_.start,
        "end": round_.end,
        "granted": round_.amount_granted,
        "elapsed_percent": 100 * elapsed_days // days,
        "activities": activities,
        "forecast": sum((row["forecast"] for row in activities), Decimal(0)),
        "actual": sum((row["actual"] for row in activities), Decimal(0)),
        "expected": expected,
        "balance": round_.amount_granted - expected,
        "overrun": max(expected - round_.amount_granted, Decimal(0)),
        "shares": [
            {
                "funder": str(c.organisation) if c.organisation_id else c.funder,
                "amount": c.amount,
                "percent": 100 * c.amount / round_.amount_granted
                if round_.amount_granted
                else None,
            }
            for c in contributions
        ],
    }
