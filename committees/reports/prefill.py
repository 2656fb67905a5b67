"""What Comité already knows for a semester report, so that the team does not type it in.

`report_prefill` gathers it from the startup, its metrics, its funding rounds and budget lines
and the previous report. While a report is a draft the figures are computed afresh at every
reading; submitting stores them with the version (`ReportVersion.prefill`), frozen. Both go
through the same JSON round trip, so a draft and a frozen version read the same way: numbers
come back as Decimal, dates as ISO strings.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from metrics.budget import current_round, round_execution, totals_by_activity
from metrics.enums import Aggregation, BudgetNature, Dimension
from metrics.figures import is_stale, objective_status, rounds_spent
from metrics.startup_metrics import startup_efficiency, startup_money, startup_series
from startups.dates import Semester, add_months
from startups.enums import LONG_PHASE, Lifecycle

from ..enums import Compliance, Standard
from ..models import Decision, round_trip

MAIN_INDICATORS = 3
CHART_MONTHS = 12
# Without a decision recorded in Comité, the last committee's targets are those falling due in
# the semester reported on or in the three months after it (they are set for "the next six
# months" at a committee held a few weeks before or after the semester starts).
OBJECTIVES_AFTER_MONTHS = 3


def value_at(monthly: dict, month: datetime.date) -> Decimal | None:
    """The value of `month`, or of the last month before it that has one."""
    known = [m for m in monthly if m <= month]
    return monthly[max(known)] if known else None


def latest(series, today: datetime.date) -> tuple[datetime.date, Decimal] | None:
    months = [m for m in series.monthly if m <= today]
    return (max(months), series.monthly[max(months)]) if months else None


def metric_row(series, today: datetime.date) -> dict:
    last = latest(series, today)
    return {
        "label": series.metric.label,
        "unit": series.metric.unit,
        "north_star": series.metric.is_north_star,
        "month": last[0] if last else None,
        "stale": bool(last) and is_stale(last[0], today),
        "value": last[1] if last else None,
        "year_change": series.year_change,
        "trend_is_good": series.trend_is_good,
    }


def decided_objectives(startup, before: datetime.datetime) -> set[int] | None:
    """The ids of the objectives set by the startup's last decision in force taken in a session
    that started before `before` (a corrected decision gives way to its correction), or None
    when Comité holds no such decision (one query)."""
    rows = (
        Decision.objects.filter(
            review__startup=startup,
            review__session__starts_at__lt=before,
            correction__isnull=True,
        )
        .order_by("-review__session__starts_at", "-id")
        .values_list("pk", "objectives")
    )
    last, found = None, set()
    for pk, objective in rows:
        if last is not None and pk != last:
            break
        last = pk
        if objective is not None:
            found.add(objective)
    return found if last is not None else None


def objectives(
    series_list, semester: Semester, today: datetime.date, decided: set[int] | None
) -> list[dict]:
    """The last committee's targets: target, value six months ago, value today, met or not.
    `decided`: the objectives of the last decision; None (no decision in Comité): those due
    in the semester or the three months after it."""
    window_end = add_months(semester.end, OBJECTIVES_AFTER_MONTHS)
    rows = []
    for series in series_list:
        last = latest(series, today)
        if decided is None:
            set_then = [o for o in series.targets if semester.start <= o.due_on <= window_end]
        else:
            set_then = [o for o in series.metric.objectives.all() if o.pk in decided]
        for objective in set_then:
            rows.append(
                {
                    "pk": objective.pk,
                    "metric": series.metric.label,
                    "unit": series.metric.unit,
                    "target": objective.target,
                    "due_on": objective.due_on,
                    "before": value_at(series.monthly, add_months(last[0], -6)) if last else None,
                    "now": last[1] if last else None,
                    "met": objective_status(
                        target=objective.target,
                        due_on=objective.due_on,
                        direction=series.metric.direction,
                        monthly=series.monthly,
                        today=today,
                    ),
                }
            )
    return sorted(rows, key=lambda row: (row["due_on"], row["metric"]))


def phase(startup, today: datetime.date) -> dict:
    """The current phase, how long it has lasted and the programme's usual length for it."""
    since = startup.current_phase_start
    months = (today.year - since.year) * 12 + today.month - since.month if since else None
    usual = Lifecycle(startup.current_phase).usual_months if startup.current_phase else None
    return {
        "phase": startup.current_phase_label,
        "phase_since": since,
        "phase_months": months,
        "usual_months": usual,
        "phase_is_long": bool(usual and months is not None and months > usual * LONG_PHASE),
    }


def evidence(startup) -> dict[str, list[dict]]:
    """What the beta.gouv.fr data says of each standard, by standard: links ({label, url}) and
    declarations ({label, url: ""})."""
    dashlord = ("Rapport DashLord", startup.dashlord_url)
    links = {
        Standard.STATS: [
            ("Page de statistiques", startup.stats_url),
            ("Page d’impact", startup.impact_url),
        ],
        Standard.OPEN_SOURCE: [("Code source", startup.repository)],
        Standard.BUDGET: [("Page de budget", startup.budget_url)],
        Standard.DSFR: [dashlord],
        Standard.SEO: [dashlord],
        Standard.ACCESSIBILITY: [dashlord],
        Standard.ECODESIGN: [dashlord],
        Standard.SECURITY: [("Analyse de risques", startup.risk_analysis_url)],
    }
    yes_no = {True: "oui", False: "non"}
    declarations = []
    if startup.accessibility_status:
        status = f"Déclarée « {startup.accessibility_status} »"
        declarations += [
            (Standard.ACCESSIBILITY_STATEMENT, status),
            (Standard.ACCESSIBILITY, status),
        ]
    if startup.risk_analysis is not None:
        declarations.append(
            (Standard.SECURITY, f"Analyse de risques faite : {yes_no[startup.risk_analysis]}")
        )
    if startup.secure_service is not None:
        declarations.append(
            (Standard.SECURITY, f"Suivi dans MonServiceSécurisé : {yes_no[startup.secure_service]}")
        )
    found = defaultdict(list)
    for standard, label in declarations:
        found[standard].append({"label": label, "url": ""})
    for standard, pairs in links.items():
        found[standard] += [{"label": label, "url": url} for label, url in pairs if url]
    return {standard.value: items for standard, items in found.items() if items}


def projection(series_list, semester: Semester) -> dict | None:
    """What Comité knows of the impact targeted next semester: the north star's objective
    falling due in it (the latest), and whether it reads as the semester's impact (a level or
    a stock, whose objective is the figure the cost per unit divides by; not a flow, whose
    objective is one month's value)."""
    north_star = next((s for s in series_list if s.metric.is_north_star), None)
    if north_star is None:
        return None
    following = semester + 1
    due = [o for o in north_star.targets if following.start <= o.due_on <= following.end]
    objective = max(due, key=lambda o: o.due_on, default=None)
    is_flow = north_star.metric.aggregation == Aggregation.SUM
    return {
        "unit": north_star.metric.unit,
        "aggregation": north_star.metric.get_aggregation_display(),
        "semester": str(following),
        "objective": {"target": objective.target, "due_on": objective.due_on}
        if objective
        else None,
        "suggested": objective.target if objective and not is_flow else None,
    }


def money(startup, budget_lines, rounds, semester: Semester, today: datetime.date) -> dict:
    actual = [
        line
        for line in budget_lines
        if line.nature == BudgetNature.ACTUAL
        and line.year == semester.year
        and line.half in (None, semester.half)
    ]
    spent, total_spent = rounds_spent(rounds, budget_lines)
    following = semester + 1
    forecast = [
        line
        for line in budget_lines
        if line.nature == BudgetNature.FORECAST
        and line.year == following.year
        and line.half in (None, following.half)
    ]
    return {
        "rounds": [
            {
                "label": r.label,
                "start": r.start,
                "end": r.end,
                "provisional": r.is_provisional,
                "granted": r.amount_granted,
                "spent": spent[r.pk],
            }
            for r in rounds
        ],
        "granted": sum((r.amount_granted for r in rounds), Decimal(0)),
        "spent": total_spent,
        "actual": [
            {"activity": label, "committed": t.actual_committed, "paid": t.actual_paid}
            for label, t in totals_by_activity(actual)
        ],
        "forecast": [
            {"activity": label, "committed": t.forecast_committed, "paid": t.forecast_paid}
            for label, t in totals_by_activity(forecast)
        ],
        "forecast_semester": str(following),
        "execution": round_execution(running, budget_lines, today=today)
        if (running := current_round(rounds, today))
        else None,
    }


def standards_before(previous_sections: dict | None) -> dict:
    """What the previous report said of each standard "today", by standard."""
    section = (previous_sections or {}).get("next_semester", {})
    return {
        standard.value: Compliance(section[f"{standard.value}_now"]).label
        if section.get(f"{standard.value}_now") in Compliance.values
        else None
        for standard in Standard
    }


def team_before(previous_sections: dict | None) -> dict:
    """The team as the previous report described it."""
    section = (previous_sections or {}).get("request", {})
    return {"size": section.get("team_size") or None, "profiles": section.get("team") or ""}


def report_prefill(
    startup,
    *,
    semester: Semester,
    today: datetime.date,
    previous_sections: dict | None = None,
    decided_before: datetime.datetime | None = None,
) -> dict:
    """Everything Comité knows for this report (8 queries: the metrics with their objectives
    and values, the budget lines, the last decision's objectives; the rounds, incubator and
    sponsors come from the caller's prefetch when it has one). `decided_before`: the last
    decision is the last one taken before then (the session the report goes to; default now)."""
    series = startup_series(startup, today=today)
    budget_lines, rounds = startup_money(startup)
    efficiency = startup_efficiency(series, budget_lines=budget_lines, rounds=rounds, today=today)
    north_star = efficiency.north_star
    last = efficiency.last
    data = {
        "computed_on": today,
        "identity": {
            **phase(startup, today),
            "incubator": str(startup.incubator) if startup.incubator_id else "",
            "sponsors": [str(s) for s in startup.sponsors.all()],
            "indicators": [metric_row(s, today) for s in series[:MAIN_INDICATORS]],
        },
        "objectives": objectives(
            series, semester, today, decided_objectives(startup, decided_before or timezone.now())
        ),
        "north_star": {
            "label": north_star.metric.label,
            "unit": north_star.metric.unit,
            "values": [
                (month, value)
                for month, value in north_star.monthly.items()
                if add_months(today, -CHART_MONTHS) < month <= today
            ],
        }
        if north_star
        else None,
        "matrix": [
            {
                "dimension": dimension.label,
                "metrics": [
                    metric_row(s, today) for s in series if s.metric.dimension == dimension
                ],
            }
            for dimension in Dimension
        ],
        "efficiency": {
            "semester": str(last.semester) if last else None,
            "unit": north_star.metric.unit if north_star else None,
            "cost_per_unit": last.cost_per_unit if last else None,
            "change": last.change if last else None,
            "increasing_returns": last.increasing_returns if last else None,
            "cost_per_use": efficiency.cost_per_use,
        },
        "money": money(startup, budget_lines, rounds, semester, today),
        "projection": projection(series, semester),
        "standards_before": standards_before(previous_sections),
        "team_before": team_before(previous_sections),
        "evidence": evidence(startup),
    }
    return round_trip(data)
