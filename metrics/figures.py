"""Derived figures, computed from measurements, budget lines and funding rounds, never typed in.

Pure functions on plain values, so each rule is unit-tested on worked examples; `startup_figures`
reads what they need for one startup in a fixed number of queries.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from startups.dates import Semester, add_months

from .enums import Aggregation, BudgetNature, Direction

CENT = Decimal("0.01")


def aggregate(values: Sequence[Decimal], aggregation: str) -> Decimal | None:
    """A semester's value from its months' values (in month order)."""
    if not values:
        return None
    if aggregation == Aggregation.SUM:
        return sum(values, Decimal(0))
    if aggregation == Aggregation.AVERAGE:
        return sum(values, Decimal(0)) / len(values)
    return values[-1]


def overlap_days(start: datetime.date, end: datetime.date, semester: Semester) -> int:
    return max((min(end, semester.end) - max(start, semester.start)).days + 1, 0)


def semester_paid(semester: Semester, budget_lines: Iterable) -> Decimal | None:
    """What the actual budget lines paid in a semester (a yearly line counts half), or None
    when no line covers it."""
    actual = [
        line
        for line in budget_lines
        if line.nature == BudgetNature.ACTUAL
        and line.year == semester.year
        and line.half in (None, semester.half)
    ]
    if not actual:
        return None
    return sum((line.paid if line.half else line.paid / 2 for line in actual), Decimal(0))


def round_spent(round_, budget_lines: Iterable) -> Decimal | None:
    """What a round spent: its `amount_spent` when someone typed it, else what the actual
    budget lines paid in the semesters it covers, pro rata of the days it covers in each (None
    when no line covers any of them)."""
    if round_.amount_spent is not None:
        return round_.amount_spent
    budget_lines = list(budget_lines)
    spent, semester = None, Semester.of(round_.start)
    while semester.start <= round_.end:
        paid = semester_paid(semester, budget_lines)
        if paid is not None:
            days = (semester.end - semester.start).days + 1
            share = paid * overlap_days(round_.start, round_.end, semester) / days
            spent = (spent or Decimal(0)) + share
        semester += 1
    return spent


def rounds_spent(rounds, budget_lines) -> tuple[dict[int, Decimal | None], Decimal | None]:
    """Each round's spending by id (`round_spent`), and their total (None when none is known)."""
    budget_lines = list(budget_lines)
    spent = {round_.pk: round_spent(round_, budget_lines) for round_ in rounds}
    known = [amount for amount in spent.values() if amount is not None]
    return spent, (sum(known, Decimal(0)) if known else None)


def semester_cost(
    semester: Semester, budget_lines: Iterable, rounds: Iterable
) -> tuple[Decimal | None, str]:
    """The cost of a semester: what the actual budget lines paid (a yearly line counts half),
    else the funding rounds' money, pro rata of the days they cover in the semester."""
    paid = semester_paid(semester, budget_lines)
    if paid is not None:
        return paid, "budget"
    covered = [
        round_.amount_granted
        * overlap_days(round_.start, round_.end, semester)
        / ((round_.end - round_.start).days + 1)
        for round_ in rounds
        if overlap_days(round_.start, round_.end, semester)
    ]
    if covered:
        return sum(covered, Decimal(0)), "rounds"
    return None, ""


def ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


# A latest value older than this many months is flagged as such, not shown as current.
STALE_AFTER_MONTHS = 2


def is_percentage(unit: str) -> bool:
    """A percentage changes in points: 78.2 % → 85.1 % is +6.9 points, not +8.8 %."""
    return unit.strip() == "%"


def singular(unit: str) -> str:
    """A unit after "par": "€ par dossier déposé", never "par dossiers déposés" (French plurals
    in -s and -aux)."""

    def one(word: str) -> str:
        if len(word) > 3 and word.endswith("aux"):
            return word[:-3] + "al"
        if len(word) > 2 and word.endswith("s") and not word.endswith(("ss", "ès", "us")):
            return word[:-1]
        return word

    return " ".join(one(word) for word in unit.split(" "))


def is_stale(month: datetime.date, today: datetime.date) -> bool:
    """Whether a value of `month` is more than two months old on `today`."""
    return month < add_months(today.replace(day=1), -STALE_AFTER_MONTHS)


def change(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Relative change: -0.60 for 1.00 → 0.40."""
    if current is None or not previous:
        return None
    return current / previous - 1


@dataclass(frozen=True)
class SemesterFigures:
    semester: Semester
    cost: Decimal | None
    cost_source: str
    impact: Decimal | None
    cost_per_unit: Decimal | None
    change: Decimal | None
    increasing_returns: bool | None
    months_measured: int = 6

    @property
    def complete(self) -> bool:
        """Whether the impact was measured on the six months that the cost pays for."""
        return self.months_measured == 6

    @property
    def measured_in_part(self) -> str:
        """Why a semester has no cost per unit, as the note under the table and the chart's
        description say it ("" when its impact was measured on all six months)."""
        if self.complete:
            return ""
        if not self.months_measured:
            return "aucun mois mesuré"
        return f"impact mesuré sur {self.months_measured} mois seulement"


def increasing_returns(
    previous: "SemesterFigures", cost: Decimal | None, impact: Decimal | None
) -> bool | None:
    """The programme's test: cost growing slower than impact."""
    cost_growth, impact_growth = ratio(cost, previous.cost), ratio(impact, previous.impact)
    if cost_growth is None or impact_growth is None:
        return None
    return cost_growth < impact_growth


def trajectory(
    *,
    semesters: Sequence[Semester],
    monthly: dict[datetime.date, Decimal],
    aggregation: str,
    budget_lines,
    rounds,
) -> list[SemesterFigures]:
    """Cost, impact units and cost per impact unit, semester after semester (oldest first).

    A semester counts only when its impact was measured on all six months: a metric started
    in December would otherwise set a whole semester's cost against one month of impact, and
    the next semester would show a fall that never happened. Such a semester keeps its cost
    and impact but has no cost per unit, and nothing is compared with it: the next semester
    has no change and no increasing-returns verdict (the one after it is compared again)."""
    figures: list[SemesterFigures] = []
    for semester in semesters:
        cost, source = semester_cost(semester, budget_lines, rounds)
        values = [monthly[m] for m in semester.months if m in monthly]
        impact = aggregate(values, aggregation)
        complete = len(values) == len(semester.months)
        per_unit = ratio(cost, impact) if complete else None
        previous = figures[-1] if figures and figures[-1].complete else None
        figures.append(
            SemesterFigures(
                semester=semester,
                cost=cost,
                cost_source=source,
                impact=impact,
                cost_per_unit=per_unit,
                change=change(per_unit, previous.cost_per_unit) if previous else None,
                increasing_returns=increasing_returns(previous, cost, impact)
                if previous and complete
                else None,
                months_measured=len(values),
            )
        )
    return figures


def cost_per_use(
    yearly_cost: Decimal | None, monthly_active_users: Decimal | None
) -> Decimal | None:
    """Yearly cost ÷ monthly active users."""
    return ratio(yearly_cost, monthly_active_users)


def objective_status(
    *, target: Decimal, due_on: datetime.date, direction: str, monthly: dict, today: datetime.date
):
    """Whether an objective was met: the value of its due month (or the last before) against
    the target. None while it is not due yet and not already reached."""
    known = sorted(m for m in monthly if m <= due_on)
    if not known:
        return None if today <= due_on else False
    value = monthly[known[-1]]
    met = value >= target if direction == Direction.HIGHER else value <= target
    return True if met else (None if today <= due_on else False)
