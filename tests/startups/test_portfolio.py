"""A sponsor's portfolio (committees/portfolio.py): its figures on a hand-built case, its
filters, its CSV, who may open it, and its number of queries."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from committees.enums import Outcome, ReviewStatus
from committees.models import Decision
from committees.portfolio import sponsor_portfolio, year_shares
from metrics.analytics import StartupFacts, last_full_semester, portfolio_analytics
from metrics.models import Metric, Objective
from startups.access import portfolio_startups
from startups.enums import FundingSource
from startups.models import Contribution, FundingRound, Startup
from tests.committees.reports import submitted_report
from tests.factories import (
    IncubatorFactory,
    MetricFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
    add_measurements,
    paris_time,
    persona_user,
)
from tests.utils import TODAY, assert_queries, month, month_start

YEAR = TODAY.year
DAY = datetime.timedelta(days=1)


def days(n: int) -> datetime.date:
    return TODAY + n * DAY


def funding_round(startup, label, start, end, amount, *, source=FundingSource.MANUAL, **fields):
    return FundingRound.objects.create(
        startup=startup,
        label=label,
        source=source,
        start=start,
        end=end,
        amount_granted=Decimal(amount),
        **fields,
    )


def decide(startup, outcome, *, days_ago, objectives=()):
    """A decision in force, taken in a session held `days_ago` days ago."""
    session = SessionFactory(
        committee__incubator=startup.incubator, closed=True, starts_at=paris_time(days(-days_ago))
    )
    review = ReviewFactory(
        session=session, startup=startup, voted=True, status=ReviewStatus.DECIDED
    )
    decision = Decision.objects.create(
        review=review,
        outcome=outcome,
        amount=Decimal(0) if outcome == Outcome.STOP else Decimal(100_000),
        months=None if outcome == Outcome.STOP else 6,
    )
    decision.objectives.set(objectives)
    return decision


@pytest.fixture
def case(db):
    return build_case()


def build_case():
    """The DGA funds three startups: Alpha (sponsor with the DINUM: a round split 60/40 across
    the new year, a committee-granted round without order, an objective met, one missed),
    Beta (it contributes alone to a round that ends in 20 days, no report filed) and Gamma
    (stopped). Delta is the DINUM's only."""
    dga = OrganisationFactory(slug="dga", acronym="DGA", name="Direction générale de l’armement")
    dinum = OrganisationFactory(slug="dinum", acronym="DINUM")
    north, south = IncubatorFactory(slug="nord"), IncubatorFactory(slug="sud")
    alpha = StartupFactory(name="Alpha", incubator=north, sponsors=[dga, dinum])
    across = funding_round(
        alpha,
        "Tour d’hiver",
        datetime.date(YEAR - 1, 12, 22),
        datetime.date(YEAR, 1, 10),
        100_000,
        amount_spent=Decimal(100_000),
    )
    Contribution.objects.create(funding_round=across, organisation=dga, amount=60_000)
    Contribution.objects.create(funding_round=across, organisation=dinum, amount=40_000)
    funding_round(alpha, "Tour du comité", days(-30), days(150), 180_000, source="decision")
    metric = MetricFactory(startup=alpha, label="Dossiers déposés")
    add_measurements(metric, {month(-4): 150, month(-3): 200})
    met = Objective.objects.create(metric=metric, target=100, due_on=month_start(-4))
    missed = Objective.objects.create(metric=metric, target=500, due_on=month_start(-3))
    decide(alpha, Outcome.REFINANCE, days_ago=400)
    decide(alpha, Outcome.ADJUST, days_ago=60, objectives=[met, missed])
    team = persona_user("team", startup=alpha)
    submitted_report(alpha, team, last_full_semester(TODAY))
    beta = StartupFactory(name="Beta", incubator=south, sponsors=[dinum])
    ending = funding_round(beta, "Tour qui finit", days(-160), days(20), 50_000)
    Contribution.objects.create(funding_round=ending, organisation=dga, amount=50_000)
    gamma = StartupFactory(name="Gamma", incubator=north, sponsors=[dga], stopped=True)
    funding_round(gamma, "Ancien tour", days(-700), days(-500), 30_000)
    delta = StartupFactory(name="Delta", incubator=north, sponsors=[dinum])
    funding_round(delta, "Tour DINUM", days(-10), days(170), 70_000)
    return dga, {s.name: s for s in (alpha, beta, gamma, delta)}


def portfolio(dga, **filters):
    return sponsor_portfolio(
        dga, portfolio_startups(UserFactory(is_superuser=True), dga), today=TODAY, **filters
    )


def in_year(start, end, year):
    first, last = max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31))
    return max((last - first).days + 1, 0) / ((end - start).days + 1)


def test_a_round_is_split_across_budget_years_pro_rata_of_its_days():
    shares = year_shares(datetime.date(2026, 12, 22), datetime.date(2027, 1, 10), Decimal(100))
    assert shares == {2026: Decimal(50), 2027: Decimal(50)}


def test_the_figures_of_each_startup(case):
    dga, startups = case
    result = portfolio(dga)
    rows = {row.startup.name: row for row in result.rows}
    assert list(rows) == ["Alpha", "Beta"]  # Gamma stopped, Delta not the DGA's

    alpha = rows["Alpha"]
    lines = {line.round.label: line for line in alpha.rounds}
    across, granted = lines["Tour d’hiver"], lines["Tour du comité"]
    assert (across.share, across.to_pay) == (Decimal(60_000), Decimal(0))
    assert across.by_year == {YEAR - 1: Decimal(30_000), YEAR: Decimal(30_000)}
    # No contribution: the two sponsors share the round; nothing spent is known.
    assert (granted.share, granted.spent, granted.to_pay) == (Decimal(90_000), None, 90_000)
    assert granted.order_late and not across.order_late
    expected_year = 30_000 + 90_000 * in_year(days(-30), days(150), YEAR)
    assert float(alpha.year_share) == pytest.approx(expected_year)
    assert alpha.committed == Decimal(150_000) and alpha.to_pay == Decimal(90_000)
    assert alpha.decision.outcome == Outcome.ADJUST
    assert (alpha.objectives_met, alpha.objectives_missed, alpha.objectives_pending) == (1, 1, 0)
    assert alpha.risks == [
        "1 objectif(s) manqué(s)",
        "bon de commande en retard : Tour du comité",
    ]
    # The cost per impact is the analytics page's.
    analytics = portfolio_analytics(Startup.objects.filter(name="Alpha"), today=TODAY)
    facts = [f for c in analytics.comparisons for f in c.rows]
    assert [alpha.facts.cost_per_unit] == [f.cost_per_unit for f in facts] or (
        alpha.facts.cost_per_unit is None and not facts
    )

    beta = rows["Beta"]
    assert beta.committed == Decimal(50_000) and beta.to_pay == Decimal(50_000)
    assert beta.decision is None and beta.session_on is None
    assert beta.risks == [
        f"financement terminé le {days(20):%d/%m/%Y}, aucune séance prévue",
        f"aucun bilan déposé pour le {result.semester}",
    ]

    assert result.at_risk == 2
    assert result.to_pay == Decimal(140_000)
    assert float(result.committed_this_year) == pytest.approx(
        expected_year + 50_000 * in_year(days(-160), days(20), YEAR)
    )
    assert sum(amount for _, amount in result.per_year) == Decimal(200_000)


def test_a_session_on_the_agenda_clears_the_money_ending_risk(case):
    dga, startups = case
    ReviewFactory(
        startup=startups["Beta"], session__committee__incubator=startups["Beta"].incubator
    )
    beta = next(row for row in portfolio(dga).rows if row.startup.name == "Beta")
    assert beta.session_on is not None
    assert beta.risks == [f"aucun bilan déposé pour le {portfolio(dga).semester}"]


def test_a_corrected_decision_gives_way_to_its_correction(case):
    dga, startups = case
    last = Decision.objects.get(review__startup=startups["Alpha"], outcome=Outcome.ADJUST)
    Decision.objects.create(review=last.review, corrects=last, outcome=Outcome.STOP, amount=0)
    alpha = next(row for row in portfolio(dga).rows if row.startup.name == "Alpha")
    assert alpha.decision.outcome == Outcome.STOP and alpha.objectives == []


def test_filters(case):
    dga, _ = case
    names = lambda **f: [row.startup.name for row in portfolio(dga, **f).rows]  # noqa: E731
    assert names(status="sorties") == ["Gamma"]
    assert names(status="toutes") == ["Alpha", "Beta", "Gamma"]
    assert names(incubator="sud") == ["Beta"]
    assert names(sort="reste") == ["Alpha", "Beta"]
    assert names(sort="risque", status="toutes") == ["Alpha", "Beta", "Gamma"]
    assert [row.year_share for row in portfolio(dga, year=YEAR - 5).rows] == [0, 0]
    gamma = portfolio(dga, status="sorties").rows[0]
    assert gamma.risks == [] and gamma.startup.is_active is False


def url(slug="dga", **params):
    return reverse("committees:sponsor-portfolio", args=[slug]), params


def test_the_page_for_a_representative_with_filters_in_the_url(client, case):
    dga, _ = case
    client.force_login(persona_user("sponsor", organisation=dga))
    page = client.get(*url(risque="on", incubateur="sud"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Beta" in text and "Alpha" not in text
    assert "aucune séance prévue" in text
    assert 'href="/portefeuille/sponsors/dga/portefeuille.csv?risque=on&amp;incubateur=sud"' in text
    # A wrong value: the defaults, and the person is told.
    page = client.get(*url(annee="1900", statut="n’importe"))
    assert page.status_code == 200 and "Certains filtres ne sont pas valides" in page.text


def test_the_year_selected_is_the_year_of_the_totals(client, case):
    dga, _ = case
    client.force_login(persona_user("sponsor", organisation=dga))
    for params, year in (({}, TODAY.year), ({"annee": TODAY.year + 1}, TODAY.year + 1)):
        page = client.get(*url(**params)).text
        assert f'<option value="{year}" selected>{year}</option>' in page
        assert f"En {year}</h2>" in page


def test_the_page_shows_the_totals_and_the_objectives_in_words(client, case):
    dga, _ = case
    client.force_login(persona_user("sponsor", organisation=dga))
    page = client.get(*url())
    assert page.context["portfolio"].at_risk == 2
    assert "2 / 2" in page.text and "startups à risque" in page.text
    assert "1 atteint, 1 manqué, 0 en cours" in page.text  # Alpha
    assert "140\xa0000 €" in page.text  # still to pay


def test_the_csv_has_the_rows_of_the_page_with_its_filters(client, case):
    dga, _ = case
    client.force_login(persona_user("sponsor", organisation=dga))
    response = client.get(
        reverse("committees:sponsor-portfolio-csv", args=["dga"]), {"statut": "toutes"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="portefeuille-dga-{YEAR}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Startup", "Incubateur", "Phase", "Suivie par le programme"]
    assert [row[0] for row in rows[1:]] == ["Alpha", "Beta", "Gamma"]
    alpha = dict(zip(rows[0], rows[1], strict=True))
    assert alpha["Part de l’organisation (€)"] == "150000.00"
    assert alpha["Reste à payer (€)"] == "90000.00"
    assert alpha["Dernière décision"] == "Ajuster"
    assert (alpha["Objectifs atteints"], alpha["Objectifs manqués"]) == ("1", "1")
    assert "bon de commande en retard" in alpha["À risque"]
    beta = client.get(
        reverse("committees:sponsor-portfolio-csv", args=["dga"]), {"incubateur": "sud"}
    )
    assert [row[0] for row in csv.reader(io.StringIO(beta.content.decode()))][1:] == ["Beta"]


def test_a_cell_that_reads_as_a_formula_is_neutralised(client, case):
    dga, startups = case
    Startup.objects.filter(pk=startups["Beta"].pk).update(name="=HYPERLINK(1)")
    client.force_login(persona_user("sponsor", organisation=dga))
    response = client.get(reverse("committees:sponsor-portfolio-csv", args=["dga"]))
    assert "'=HYPERLINK(1)" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status", "shown"),
    [
        ("representative", 200, {"Alpha", "Beta"}),
        ("staff_north", 200, {"Alpha"}),
        ("staff_elsewhere", 403, None),
        ("other_representative", 403, None),
        ("team", 403, None),
        ("outsider", 403, None),
        ("superuser", 200, {"Alpha", "Beta"}),
    ],
)
def test_who_sees_what(client, case, who, status, shown):
    dga, startups = case
    users = {
        "representative": lambda: persona_user("sponsor", organisation=dga),
        "staff_north": lambda: persona_user("staff", incubator=startups["Alpha"].incubator),
        "staff_elsewhere": lambda: persona_user("staff", incubator=IncubatorFactory()),
        "other_representative": lambda: persona_user(
            "sponsor", organisation=startups["Delta"].sponsors.get()
        ),
        "team": lambda: persona_user("team", startup=startups["Alpha"]),
        "outsider": lambda: persona_user("outsider"),
        "superuser": lambda: persona_user("superuser"),
    }
    client.force_login(users[who]())
    for name in ("committees:sponsor-portfolio", "committees:sponsor-portfolio-csv"):
        response = client.get(reverse(name, args=["dga"]))
        assert response.status_code == status
    if shown is not None:
        page = client.get(reverse("committees:sponsor-portfolio", args=["dga"]))
        assert {row.startup.name for row in page.context["portfolio"].rows} == shown


def test_an_unknown_organisation_is_not_found(client, case):
    client.force_login(persona_user("superuser"))
    assert client.get(reverse("committees:sponsor-portfolio", args=["nope"])).status_code == 404


def test_co_incubated_startups_count_for_the_staff(client, case):
    dga, startups = case
    elsewhere = IncubatorFactory()
    startups["Beta"].co_incubators.add(elsewhere)
    client.force_login(persona_user("staff", incubator=elsewhere))
    page = client.get(reverse("committees:sponsor-portfolio", args=["dga"]))
    assert [row.startup.name for row in page.context["portfolio"].rows] == ["Beta"]


def test_the_sponsor_page_links_to_the_portfolio_for_those_who_may_see_it(client, case):
    dga, startups = case
    link = reverse("committees:sponsor-portfolio", args=["dga"])
    client.force_login(persona_user("sponsor", organisation=dga))
    assert link in client.get(dga.get_absolute_url()).content.decode()
    assert link in client.get(reverse("home")).content.decode()
    client.force_login(persona_user("outsider"))
    assert link not in client.get(dga.get_absolute_url()).content.decode()


def add_funded(dga, n: int):
    """n more startups funded by the DGA, each with a round, a decision with an objective, a
    north star with measurements, and an agenda item."""
    for index in range(n):
        startup = StartupFactory(name=f"Extra {index}", sponsors=[dga])
        funding_round(startup, "Tour", days(-30), days(150), 100_000, source="decision")
        metric = MetricFactory(startup=startup)
        add_measurements(metric, {month(-3): 10})
        objective = Objective.objects.create(metric=metric, target=5, due_on=month_start(-3))
        decide(startup, Outcome.REFINANCE, days_ago=50, objectives=[objective])
        ReviewFactory(startup=startup, session__committee__incubator=startup.incubator)


# The session and user (2), the request's savepoint (2), the organisation and whether the
# person represents it (2), the incubators of the filter (1), then one query per table:
# startups with their sponsors counted, rounds with the organisation's contributions, budget
# lines, decisions, their objectives with their metrics' last values, agenda items, reports
# (7); the north stars of the startups shown and their measurements (2); the menu's roles (1).
# Nothing from the template: the page's figures are all computed before it renders.
PAGE_QUERIES = 17


@pytest.mark.parametrize("more", [0, 8])
def test_the_page_runs_a_fixed_number_of_queries(client, case, more, django_assert_num_queries):
    dga, _ = case
    add_funded(dga, more)
    client.force_login(persona_user("sponsor", organisation=dga))
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(reverse("committees:sponsor-portfolio", args=["dga"]))
    assert len(response.context["portfolio"].rows) == 2 + more
    with assert_queries(PAGE_QUERIES - 1):  # no menu
        client.get(reverse("committees:sponsor-portfolio-csv", args=["dga"]))


def test_a_filter_never_widens_what_one_may_see(client, case):
    """The staff of the north asking for the south's incubator get their own startups only."""
    dga, startups = case
    client.force_login(persona_user("staff", incubator=startups["Alpha"].incubator))
    page = client.get(*url(incubateur="sud", statut="toutes"))
    assert [row.startup.name for row in page.context["portfolio"].rows] == ["Alpha", "Gamma"]
    assert "Certains filtres ne sont pas valides" in page.text
    response = client.get(
        reverse("committees:sponsor-portfolio-csv", args=["dga"]), {"incubateur": "sud"}
    )
    assert "Beta" not in response.content.decode()


def test_the_table_shows_fifty_startups_a_page_and_keeps_the_filters(client, case):
    dga, _ = case
    for index in range(50):
        StartupFactory(name=f"Zèbre {index:02}", sponsors=[dga])
    client.force_login(persona_user("sponsor", organisation=dga))
    first = client.get(*url(tri="nom"))
    assert first.context["page_obj"].paginator.num_pages == 2
    assert "tri=nom&amp;page=2" in first.text
    second = client.get(*url(tri="nom", page="2"))
    assert [row.startup.name for row in second.context["page_obj"]] == ["Zèbre 48", "Zèbre 49"]


def test_each_cell_of_a_row_says_its_figure_in_words(case):
    dga, _ = case
    rows = {row.startup.name: row for row in portfolio(dga, status="toutes").rows}
    alpha, gamma = rows["Alpha"], rows["Gamma"]
    assert gamma.objectives_summary == "–" and gamma.cost_summary == "–"
    assert gamma.change_summary == ""
    alpha.facts = StartupFacts(startup=alpha.startup, north_star=Metric(unit="dossier"))
    alpha.facts.cost_per_unit, alpha.facts.change = Decimal("1234.5"), Decimal("-0.126")
    assert alpha.cost_summary == "1\xa0234,50 € par dossier"
    assert alpha.change_summary == "-13 % sur un semestre"
    alpha.session_on, gamma.startup.committee_due_on = days(16), None
    assert alpha.next_committee == f"Séance du {days(16):%d/%m/%Y}"
    assert gamma.next_committee == "–"
    alpha.session_on = None
    assert alpha.next_committee == f"Attendu le {alpha.startup.committee_due_on:%d/%m/%Y}"
