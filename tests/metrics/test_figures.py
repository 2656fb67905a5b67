"""Derived figures on worked examples, the programme's own first."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from metrics.enums import Aggregation, BudgetNature, Direction
from metrics.figures import (
    aggregate,
    cost_per_use,
    objective_status,
    round_spent,
    semester_cost,
    singular,
    trajectory,
)
from startups.dates import Semester

S1_2021 = Semester(2021, 1)


def line(year, half, paid, nature=BudgetNature.ACTUAL):
    return SimpleNamespace(year=year, half=half, paid=Decimal(paid), nature=nature)


def funding(start, end, amount):
    return SimpleNamespace(start=start, end=end, amount_granted=Decimal(amount))


def month_values(semester, values):
    return dict(zip(semester.months, map(Decimal, values), strict=True))


def test_demarches_simplifiees_cost_40_cents_per_filed_dossier():
    """2021: 0.40 € a dossier, against more than 1 € in 2020 (DESIGN §1)."""
    semesters = [Semester(2020, 2), S1_2021]
    monthly = month_values(semesters[0], [50_000] * 6) | month_values(S1_2021, [100_000] * 6)
    budget = [line(2020, 2, 330_000), line(2021, 1, 240_000)]
    before, after = trajectory(
        semesters=semesters,
        monthly=monthly,
        aggregation=Aggregation.SUM,
        budget_lines=budget,
        rounds=[],
    )
    assert before.cost_per_unit == Decimal("1.10")
    assert after.cost_per_unit == Decimal("0.40")
    assert after.change.quantize(Decimal("0.0001")) == Decimal("-0.6364")
    assert after.increasing_returns is True  # cost ×0.73, impact ×2


def test_cost_from_budget_lines_a_yearly_line_counts_half():
    budget = [
        line(2021, None, 200_000),
        line(2021, 1, 50_000),
        line(2021, 2, 999),
        line(2021, 1, 7, BudgetNature.FORECAST),
    ]
    assert semester_cost(S1_2021, budget, rounds=[]) == (Decimal(150_000), "budget")


def test_cost_from_funding_rounds_when_no_budget_line_says_better():
    rounds = [funding(datetime.date(2021, 4, 1), datetime.date(2021, 9, 30), 183_000)]
    cost, source = semester_cost(S1_2021, [], rounds)
    assert source == "rounds"
    assert cost == Decimal(183_000) * 91 / 183  # April to June: 91 of the round's 183 days
    assert semester_cost(Semester(2022, 1), [], rounds) == (None, "")


def test_aggregations():
    values = [Decimal(10), Decimal(20), Decimal(60)]
    assert aggregate(values, Aggregation.SUM) == 90
    assert aggregate(values, Aggregation.AVERAGE) == 30
    assert aggregate(values, Aggregation.LAST) == 60
    assert aggregate([], Aggregation.SUM) is None


def test_decreasing_returns_when_cost_grows_faster_than_impact():
    semesters = [Semester(2024, 1), Semester(2024, 2)]
    monthly = month_values(semesters[0], [100] * 6) | month_values(semesters[1], [110] * 6)
    budget = [line(2024, 1, 100_000), line(2024, 2, 150_000)]
    _, second = trajectory(
        semesters=semesters,
        monthly=monthly,
        aggregation=Aggregation.SUM,
        budget_lines=budget,
        rounds=[],
    )
    assert second.increasing_returns is False
    assert second.change > 0


def test_a_semester_measured_in_part_has_no_cost_per_unit_and_nothing_is_compared_with_it():
    """A metric started in December: one month of impact against a whole semester's cost
    would read 6 € a dossier, then "−84 %" and increasing returns the semester after."""
    first, second = Semester(2025, 2), Semester(2026, 1)
    monthly = {first.months[-1]: Decimal(10_000)} | month_values(second, [10_000] * 6)
    budget = [line(2025, 2, 60_000), line(2026, 1, 60_000)]
    before, after = trajectory(
        semesters=[first, second],
        monthly=monthly,
        aggregation=Aggregation.SUM,
        budget_lines=budget,
        rounds=[],
    )
    assert (before.cost, before.impact, before.months_measured) == (60_000, 10_000, 1)
    assert not before.complete
    assert before.cost_per_unit is None
    assert after.complete and after.cost_per_unit == 1
    assert after.change is None
    assert after.increasing_returns is None


def test_a_month_missing_mid_series_leaves_its_semester_out_and_the_next_is_compared_again():
    """A semester with one month missing has no cost per unit and nothing is compared with
    it; the semester after it is compared with nothing, the one after that with it again."""
    s1, s2, s3, s4 = (Semester(2024, 2) + n for n in range(4))
    monthly = (
        month_values(s1, [100] * 6)
        | dict(list(month_values(s2, [100] * 6).items())[1:])  # July missing
        | month_values(s3, [200] * 6)
        | month_values(s4, [400] * 6)
    )
    budget = [line(s.year, s.half, 60_000) for s in (s1, s2, s3, s4)]
    figures = trajectory(
        semesters=[s1, s2, s3, s4],
        monthly=monthly,
        aggregation=Aggregation.SUM,
        budget_lines=budget,
        rounds=[],
    )
    assert [f.months_measured for f in figures] == [6, 5, 6, 6]
    assert [f.cost_per_unit for f in figures] == [100, None, 50, 25]
    assert [f.change for f in figures] == [None, None, None, Decimal("-0.5")]
    assert [f.increasing_returns for f in figures] == [None, None, None, True]


def test_no_cost_per_unit_without_impact_or_cost():
    [figures] = trajectory(
        semesters=[S1_2021], monthly={}, aggregation=Aggregation.SUM, budget_lines=[], rounds=[]
    )
    assert (figures.cost, figures.impact, figures.cost_per_unit, figures.change) == (
        None,
        None,
        None,
        None,
    )


def test_cost_per_use():
    assert cost_per_use(Decimal(480_000), Decimal(40_000)) == 12
    assert cost_per_use(Decimal(480_000), None) is None


def test_objective_met_missed_or_pending():
    monthly = {datetime.date(2026, 5, 1): Decimal(900), datetime.date(2026, 6, 1): Decimal(1200)}
    due = datetime.date(2026, 6, 30)
    after, before = datetime.date(2026, 7, 15), datetime.date(2026, 6, 10)
    assert objective_status(
        target=Decimal(1000), due_on=due, direction=Direction.HIGHER, monthly=monthly, today=after
    )
    assert (
        objective_status(
            target=Decimal(1500),
            due_on=due,
            direction=Direction.HIGHER,
            monthly=monthly,
            today=after,
        )
        is False
    )
    assert (
        objective_status(
            target=Decimal(1500),
            due_on=due,
            direction=Direction.HIGHER,
            monthly=monthly,
            today=before,
        )
        is None
    )
    assert (
        objective_status(
            target=Decimal(1000),
            due_on=due,
            direction=Direction.LOWER,
            monthly=monthly,
            today=after,
        )
        is False
    )
    assert (
        objective_status(
            target=Decimal(5), due_on=due, direction=Direction.LOWER, monthly={}, today=after
        )
        is False
    )


@pytest.mark.parametrize(
    ("unit", "after_par"),
    [
        ("dossiers", "dossier"),
        ("dossiers déposés", "dossier déposé"),
        ("utilisateurs", "utilisateur"),
        ("signalements traités", "signalement traité"),
        ("journaux", "journal"),
        ("accès", "accès"),
        ("bus", "bus"),
        ("%", "%"),
        ("process", "process"),
    ],
)
def test_a_unit_after_par_is_singular(unit, after_par):
    assert singular(unit) == after_par


def test_a_round_spends_what_the_budget_lines_paid_pro_rata_of_its_days():
    """A round from 1 April to 30 September 2021: half of S1's 91 days, most of S2's."""
    round_ = SimpleNamespace(
        start=datetime.date(2021, 4, 1), end=datetime.date(2021, 9, 30), amount_spent=None
    )
    budget = [line(2021, 1, 181_000), line(2021, None, 184_000)]  # S2: half the year's line
    s1 = Decimal(181_000) + Decimal(92_000)  # the semester line and half the yearly one
    expected = s1 * 91 / 181 + Decimal(92_000) * 92 / 184
    assert round_spent(round_, budget) == expected
    assert round_spent(round_, []) is None
    typed = SimpleNamespace(start=round_.start, end=round_.end, amount_spent=Decimal(5))
    assert round_spent(typed, budget) == Decimal(5)  # what someone typed wins
