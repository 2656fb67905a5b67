"""What each person's home page says (the page layer: it reads every app).

- A sponsor's representative: the startups the organisation funds, grouped by what needs
  attention: the reports to read before a session, the sessions to come, the startups at risk
  (with the reasons, as the sponsor's portfolio gives them), the others, and apart the stopped
  and transferred ones.
- Incubator staff: the startups due for a committee now, and apart the stale records ("à
  régulariser": due more than six months ago, years-old backlog for most), each with why it is
  listed.
"""

import datetime
from dataclasses import dataclass, field

from committees.enums import ReportStatus
from committees.models import Review, SemesterReport, Session
from committees.portfolio import Row, sponsor_portfolio
from startups.access import funded_startups

READABLE = [ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]


@dataclass
class ToRead:
    report: SemesterReport
    session: Session


@dataclass
class SponsorHome:
    organisation: object
    to_read: list[ToRead] = field(default_factory=list)
    upcoming: list[Row] = field(default_factory=list)
    at_risk: list[Row] = field(default_factory=list)
    others: list[Row] = field(default_factory=list)
    gone: list[Row] = field(default_factory=list)


def sponsor_home(organisation, *, today: datetime.date) -> SponsorHome:
    """Each funded startup once, in the first group that fits it."""
    startups = funded_startups(organisation)
    portfolio = sponsor_portfolio(
        organisation, startups, today=today, status="toutes", with_cost_per_impact=False
    )
    home = SponsorHome(organisation)
    reviews = list(
        Review.objects.filter(
            startup__in=startups, session__in=Session.objects.upcoming(today=today)
        )
        .select_related("session__committee", "startup")
        .order_by("session__starts_at", "position")
    )
    reports = SemesterReport.objects.for_reviews(reviews)
    for review in reviews:
        report = reports.get((review.startup_id, review.semester.key))
        if report and report.status in READABLE:
            report.startup = review.startup
            home.to_read.append(ToRead(report, review.session))
    for row in portfolio.rows:
        if not row.startup.is_active:
            home.gone.append(row)
        elif row.session_on:
            home.upcoming.append(row)
        elif row.risks:
            home.at_risk.append(row)
        else:
            home.others.append(row)
    home.upcoming.sort(key=lambda row: row.session_on)
    return home
