"""A startup's published budget read back: lines by year, totals by year and by activity, actual
against forecast, and the cost of each semester that the cost per impact uses."""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from startups.dates import Semester

from .enums import BudgetActivity, BudgetNature
from .figures import semester_cost

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
