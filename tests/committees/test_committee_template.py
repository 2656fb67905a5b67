"""What the programme's committee template asks a dossier for: objectives against results with
the team's explanation, the projected cost per impact, the current round's execution and who
funds it, the standards with their evidence, the support expected from each actor, the team,
the phase's length and the market."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from committees.documents.dossiers import dossier_html
from committees.reports.prefill import evidence, phase, projection, report_prefill
from committees.reports.sections import SECTIONS, LastSemesterForm, projected, reading
from committees.reports.services import report_section_save, report_start, report_submit
from committees.sessions.services import review_update
from metrics.budget import current_round, round_execution
from metrics.enums import Aggregation, BudgetActivity, BudgetNature
from metrics.models import BudgetLine, Objective
from metrics.startup_metrics import startup_series
from startups.dates import Semester
from startups.enums import Lifecycle
from startups.models import Contribution, FundingRound, Organisation, Startup
from tests.committees.reports import COMPLETE
from tests.committees.test_dossiers import pages
from tests.factories import BudgetLineFactory, MetricFactory, add_measurements
from tests.utils import SEMESTER, TODAY, month


@pytest.fixture
def review(session):
    return session.reviews.get()


def text_of(html: str) -> str:
    return " ".join(lxml_html.fromstring(html).text_content().split()).replace("\u202f", " ")


def write(startup, intrapreneur, changes: dict[str, dict]) -> None:
    """The complete report with `changes`, submitted."""
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    for key, data in COMPLETE.items():
        report_section_save(
            report=report, key=key, data={**data, **changes.get(key, {})}, by=intrapreneur
        )
    report_submit(report=report, by=intrapreneur, today=TODAY)


# Objectives against results -------------------------------------------------------------------


def test_each_objective_gets_the_team_s_explanation_beside_its_figures(
    review, startup, intrapreneur
):
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    add_measurements(metric, {month(-7): 800, month(-1): 1600})
    objective = Objective.objects.create(metric=metric, target=Decimal("1500"), due_on=SEMESTER.end)
    prefill = report_prefill(startup, semester=SEMESTER, today=TODAY)
    form = LastSemesterForm(objectives=prefill["objectives"], prefix="last_semester")
    assert f"explanation_{objective.pk}" in form.fields
    label = form.fields[f"explanation_{objective.pk}"].label
    assert label.startswith(f"Objectif « Dossiers déposés » au {SEMESTER.end:%d/%m/%Y}")
    assert list(form.fields)[0] == f"explanation_{objective.pk}"
    write(
        startup,
        intrapreneur,
        {"last_semester": {f"explanation_{objective.pk}": "Dépassé grâce aux départements."}},
    )
    row = next(
        tr
        for tr in lxml_html.fromstring(dossier_html(review)).iter("tr")
        if "Dossiers déposés" in tr.text_content() and "Dépassé" in tr.text_content()
    )
    cells = [" ".join(cell.text_content().split()) for cell in row]
    assert cells[2:4] == ["800", "1 600"]
    assert cells[-1] == "Dépassé grâce aux départements."


def test_explanation_fields_come_only_from_well_formed_names_and_are_capped():
    data = {f"explanation_{n}": "x" for n in range(80)}
    data |= {"explanation_abc": "y", "explanation_1; DROP": "z", "explanation_": "w"}
    form = SECTIONS["last_semester"](data=data)
    names = [name for name in form.fields if name.startswith("explanation_")]
    assert len(names) == 50
    assert all(name.removeprefix("explanation_").isdigit() for name in names)


def test_an_explanation_survives_when_its_objective_is_no_longer_shown():
    """Posted for an objective a later reading does not list: kept, not dropped silently."""
    form = SECTIONS["last_semester"](
        data={"last_semester-explanation_7": "Gardé", **{"last_semester-targets_review": "ok"}},
        prefix="last_semester",
    )
    assert form.is_valid()
    assert form.stored()["explanation_7"] == "Gardé"


# Projected cost per impact ----------------------------------------------------------------------


def test_projected_cost_divides_the_amount_by_the_impact_the_team_targets(
    review, startup, intrapreneur
):
    MetricFactory(startup=startup, label="Dossiers déposés", unit="dossiers")
    write(startup, intrapreneur, {"request": {"amount": "300000", "targeted_impact": "12000"}})
    text = text_of(dossier_html(review))
    assert "Coût par unité d’impact projeté" in text
    assert "25,00 € par dossier : 300 000 € demandés pour 12 000 dossiers visés" in text
    assert "impact visé par l’équipe" in text


def test_projection_falls_back_on_the_objective_for_a_level_not_for_a_flow(startup):
    level = MetricFactory(
        startup=startup,
        label="Utilisateurs actifs",
        unit="utilisateurs",
        aggregation=Aggregation.AVERAGE,
    )
    due = (SEMESTER + 1).end
    Objective.objects.create(metric=level, target=Decimal("4000"), due_on=due)
    known = projection(startup_series(startup, today=TODAY), SEMESTER)
    assert known["suggested"] == Decimal("4000")
    prefill = {"projection": known, "efficiency": {"cost_per_unit": None, "semester": None}}
    result = projected({"amount": "200000"}, prefill)
    assert result["cost_per_unit"] == Decimal(50) and not result["typed"]
    level.aggregation = Aggregation.SUM
    level.save()
    flow = projection(startup_series(startup, today=TODAY), SEMESTER)
    assert flow["objective"]["target"] == Decimal("4000") and flow["suggested"] is None
    assert projected({"amount": "200000"}, {**prefill, "projection": flow})["cost_per_unit"] is None


def test_the_agenda_s_amount_is_the_one_divided(review, startup, intrapreneur):
    """One document, one amount: the header's request is the projection's."""
    MetricFactory(startup=startup, label="Dossiers déposés", unit="dossiers")
    review.requested_amount = Decimal("240000")
    review.save()
    write(startup, intrapreneur, {"request": {"amount": "300000", "targeted_impact": "12000"}})
    assert "20,00 € par dossier : 240 000 € demandés" in text_of(dossier_html(review))


# Budget execution -------------------------------------------------------------------------------


def line(**fields) -> BudgetLine:
    return BudgetLine(
        activity=fields.pop("activity", BudgetActivity.DEVELOPMENT), committed=0, **fields
    )


def test_round_execution_counts_actual_then_forecast_pro_rata_of_the_round():
    """A round over a year: S1 has actual lines (they count in what is expected), S2 only
    forecast ones (its forecast counts)."""
    s1, s2 = Semester(2026, 1), Semester(2026, 2)
    round_ = FundingRound(
        label="Tour 2026", start=s1.start, end=s2.end, amount_granted=Decimal("500000")
    )
    lines = [
        line(year=2026, half=1, nature=BudgetNature.ACTUAL, paid=Decimal(200000)),
        line(year=2026, half=1, nature=BudgetNature.FORECAST, paid=Decimal(180000)),
        line(year=2026, half=2, nature=BudgetNature.FORECAST, paid=Decimal(220000)),
        line(
            year=2026,
            half=None,
            activity=BudgetActivity.HOSTING,
            nature=BudgetNature.FORECAST,
            paid=Decimal(20000),
        ),
    ]
    execution = round_execution(round_, lines, today=datetime.date(2026, 10, 1), contributions=[])
    development, hosting = execution["activities"]
    assert development == {
        "activity": "Développement",
        "forecast": Decimal("400000.00"),
        "actual": Decimal("200000.00"),
        "expected": Decimal("420000.00"),
    }
    # A yearly forecast line: half in each semester; S1 has actual lines, so only S2's half.
    assert hosting["forecast"] == Decimal("20000.00") and hosting["expected"] == Decimal("10000.00")
    assert execution["expected"] == Decimal("430000.00")
    assert execution["balance"] == Decimal("70000.00") and execution["overrun"] == 0
    assert execution["elapsed_percent"] == 75  # 274 days of 365


def test_a_round_expected_to_overrun_says_by_how_much(review, startup, intrapreneur):
    running = startup.funding_rounds.get()
    semester = Semester.of(running.start)
    while semester.start <= running.end:
        BudgetLineFactory(
            startup=startup,
            year=semester.year,
            half=semester.half,
            nature=BudgetNature.FORECAST,
            paid=Decimal("400000"),
        )
        semester += 1
    text = text_of(dossier_html(review))
    assert f"Exécution du tour en cours : {running.label}" in text
    assert "le dépassement attendu est de" in text


def test_who_funds_the_current_round_with_each_share(review, startup, sponsor_organisation):
    running = startup.funding_rounds.get()
    running.contributions.all().delete()
    Contribution.objects.create(
        funding_round=running, organisation=sponsor_organisation, amount=Decimal("187500")
    )
    Contribution.objects.create(funding_round=running, funder="FAST", amount=Decimal("62500"))
    text = text_of(dossier_html(review))
    assert "Qui finance ce tour" in text
    assert "DGFiP 187 500 € 75 %" in text
    assert "FAST 62 500 € 25 %" in text


def test_the_current_round_is_the_running_one_else_the_last_started():
    rounds = [
        FundingRound(label="a", start=datetime.date(2026, 1, 1), end=datetime.date(2026, 6, 30)),
        FundingRound(label="b", start=datetime.date(2026, 7, 1), end=datetime.date(2026, 12, 31)),
        FundingRound(label="c", start=datetime.date(2027, 1, 1), end=datetime.date(2027, 6, 30)),
    ]
    assert current_round(rounds, datetime.date(2026, 8, 1)).label == "b"
    assert current_round(rounds, datetime.date(2027, 9, 1)).label == "c"
    assert current_round(rounds, datetime.date(2025, 9, 1)) is None


# Standards, support, team, phase, market -------------------------------------------------------


def test_standards_by_family_with_what_beta_gouv_fr_shows(review, startup, intrapreneur):
    startup.stats_url = "https://mon-service.beta.gouv.fr/stats"
    startup.repository = "https://github.com/betagouv/mon-service"
    startup.accessibility_status = "partiellement conforme"
    startup.risk_analysis = False
    startup.secure_service = True
    startup.save()
    found = evidence(startup)
    assert found["stats"] == [{"label": "Page de statistiques", "url": startup.stats_url}]
    assert found["accessibility_statement"][0]["label"] == "Déclarée « partiellement conforme »"
    assert [item["label"] for item in found["security"]] == [
        "Analyse de risques faite : non",
        "Suivi dans MonServiceSécurisé : oui",
    ]
    assert "budget" not in found  # no budget page: nothing to show, not an empty link
    write(startup, intrapreneur, {})
    page = lxml_html.fromstring(dossier_html(review))
    table = next(t for t in page.iter("table") if "Standards du programme" in t.text_content())
    families = [
        th.text_content().strip() for th in table.iter("th") if th.get("scope") == "rowgroup"
    ]
    assert families == [
        "Piloté par l’impact",
        "Équipe autonome",
        "Transparence",
        "Pratiques techniques",
    ]
    assert table.xpath(".//a[@href='https://github.com/betagouv/mon-service']")


def test_support_expected_from_each_actor_as_a_table(review, startup, intrapreneur):
    write(
        startup,
        intrapreneur,
        {
            "request": {
                "support_sponsor_needs": "Une instruction aux préfets",
                "support_sponsor_objectives": "80 préfectures",
            }
        },
    )
    page = lxml_html.fromstring(dossier_html(review))
    table = next(t for t in page.iter("table") if "Soutien attendu" in t.text_content())
    rows = [" ".join(tr.text_content().split()) for tr in table.iter("tr")][1:]
    assert rows == ["L’administration porteuse Une instruction aux préfets 80 préfectures"]


def test_an_earlier_free_text_support_field_is_still_shown():
    sections = reading({"request": {"support": "Le relais des maires"}}, {"standards_before": {}})
    request = next(s for s in sections if s["key"] == "request")
    assert ("Soutien attendu de l’administration", "Le relais des maires") in request["fields"]


def test_the_team_six_months_ago_beside_today_s(review, startup, intrapreneur, session):
    previous = report_start(startup=startup, semester=SEMESTER - 1, by=intrapreneur)
    for key, data in COMPLETE.items():
        extra = {"team_size": "4"} if key == "request" else {}
        report_section_save(report=previous, key=key, data={**data, **extra}, by=intrapreneur)
    report_submit(report=previous, by=intrapreneur, today=TODAY)
    write(startup, intrapreneur, {"request": {"team_size": "6.5", "scenarios": "À 75 % : x."}})
    text = text_of(dossier_html(review))
    assert "L’équipe il y a six mois : 4 ETP" in text
    assert "Taille de l’équipe (équivalents temps plein) 6,5" in text
    assert "Scénarios selon le budget À 75 % : x." in text


def test_a_phase_well_beyond_its_usual_length_is_flagged():
    long_construction = Startup(
        current_phase=Lifecycle.CONSTRUCTION,
        current_phase_start=datetime.date(2025, 1, 10),
    )
    assert phase(long_construction, datetime.date(2026, 11, 23)) | {"phase": ""} == {
        "phase": "",
        "phase_since": datetime.date(2025, 1, 10),
        "phase_months": 22,
        "usual_months": 12,
        "phase_is_long": True,
    }
    long_construction.current_phase_start = datetime.date(2026, 1, 10)
    assert not phase(long_construction, datetime.date(2026, 11, 23))["phase_is_long"]


def test_the_market_and_how_it_was_estimated(review, startup, intrapreneur):
    write(
        startup,
        intrapreneur,
        {
            "next_semester": {
                "market_estimate": "Recensement INSEE 2025",
                "changes": "Une loi nouvelle",
            }
        },
    )
    text = text_of(dossier_html(review))
    assert "Taille du marché 35 000 communes" in text
    assert "Comment la taille du marché est estimée Recensement INSEE 2025" in text
    assert "Ce qui a changé en six mois Une loi nouvelle" in text


def test_every_item_reaches_the_rendered_pdf(review, startup, intrapreneur):
    MetricFactory(startup=startup, label="Dossiers déposés", unit="dossiers")
    write(startup, intrapreneur, {"request": {"targeted_impact": "10000"}})
    whole = " ".join(" ".join(pages(dossier_html(review))).split())
    for expected in (
        "Coût par unité d’impact projeté",
        "Exécution du tour en cours",
        "Standards du programme beta.gouv.fr",
        "mois dans cette phase, pour 12 mois d’ordinaire",
    ):
        assert expected in whole


def test_a_demo_organisation_name_is_escaped_not_interpreted(review, startup):
    """A funder's name is text: HTML in it is shown, never run."""
    running = startup.funding_rounds.get()
    hostile = Organisation.objects.create(slug="x", name="<script>alert(1)</script>")
    running.contributions.all().delete()
    Contribution.objects.create(funding_round=running, organisation=hostile, amount=Decimal(1))
    html = dossier_html(review)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_incubator_s_recommended_amount_heads_the_dossier(review, staff):
    review_update(
        review=review,
        duration_minutes=50,
        recommendation="Refinancer : l’usage croît.",
        requested_amount=None,
        requested_months=None,
        recommended_amount=Decimal("280000"),
        by=staff,
    )
    review.refresh_from_db()
    assert review.recommended_amount == Decimal("280000")
    text = text_of(dossier_html(review))
    assert "Recommandation de l’incubateur 280 000 € Refinancer : l’usage croît." in text


def test_the_targeted_impact_starts_from_the_objective_comite_knows(client, startup, intrapreneur):
    level = MetricFactory(
        startup=startup,
        label="Utilisateurs actifs",
        unit="utilisateurs",
        aggregation=Aggregation.AVERAGE,
    )
    Objective.objects.create(metric=level, target=Decimal("4000"), due_on=(SEMESTER + 1).end)
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    client.force_login(intrapreneur)
    page = client.get(reverse("committees:report-edit", args=[startup.slug, report.semester]))
    field = lxml_html.fromstring(page.content).get_element_by_id("id_request-targeted_impact")
    assert field.get("value") == "4000"
    # What the team typed wins.
    report_section_save(
        report=report, key="request", data={"targeted_impact": "5200"}, by=intrapreneur
    )
    page = client.get(reverse("committees:report-edit", args=[startup.slug, report.semester]))
    field = lxml_html.fromstring(page.content).get_element_by_id("id_request-targeted_impact")
    assert field.get("value") == "5200"
