"""The demo data: marked as demo, plausible figures, and a second run creates nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from metrics.analytics import portfolio_analytics, startups_of
from metrics.enums import MeasurementSource
from metrics.management.commands.setup_demo_metrics import STARTUPS
from metrics.models import BudgetLine, Measurement, Metric, Objective
from startups.models import FundingRound, Startup
from tests.factories import MetricFactory, OrganisationFactory, StartupFactory
from tests.utils import TODAY


def run() -> str:
    out = StringIO()
    call_command("setup_demo_metrics", "--today", TODAY.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def real_startups(incubator):
    dinum = OrganisationFactory(slug="dinum", acronym="DINUM")
    return [
        StartupFactory(slug=demo.slug, name=demo.slug, incubator=incubator, sponsors=[dinum])
        for demo in STARTUPS
    ]


def counts():
    return [
        model.objects.count()
        for model in (Metric, Measurement, Objective, BudgetLine, FundingRound)
    ]


def test_demo_data_is_marked_and_a_second_run_creates_nothing(real_startups):
    output = run()
    assert "valeurs inventées" in output
    first = counts()
    assert first[0] == 3 * len(STARTUPS)
    assert set(Measurement.objects.values_list("source", flat=True)) == {MeasurementSource.DEMO}
    assert not BudgetLine.objects.filter(is_demo=False).exists()
    assert all(
        "démonstration" in label for label in FundingRound.objects.values_list("label", flat=True)
    )
    assert "Rien de nouveau" in run()
    assert counts() == first


def test_demarches_simplifiees_lands_near_40_cents_a_dossier(real_startups, incubator):
    output = run()
    assert "0,40 € (unité : dossiers)" in output
    figures = portfolio_analytics(startups_of([incubator]), today=TODAY)
    rows = {f.startup.slug: f for c in figures.comparisons for f in c.rows}
    assert rows["demarches-simplifiees.fr"].cost_per_unit.quantize(Decimal("0.01")) == Decimal(
        "0.40"
    )
    assert rows["demarches-simplifiees.fr"].cost_source == "budget"
    # Every list of the analytics has something to show.
    assert [f.startup.slug for f in figures.worsened] == ["la-bonne-alternance"]
    assert [f.startup.slug for f in figures.stale] == ["jeveuxaider"]
    public = Startup.objects.get(slug="demarches-simplifiees.fr")
    assert public.public_page
    assert public.metrics.filter(is_public=True, is_north_star=True).exists()


def test_a_page_its_team_unpublished_stays_unpublished(real_startups):
    run()
    Startup.objects.filter(slug="demarches-simplifiees.fr").update(public_page=False)
    assert "Rien de nouveau" in run()
    assert not Startup.objects.get(slug="demarches-simplifiees.fr").public_page


def test_a_startup_with_its_own_metrics_is_left_alone(real_startups):
    MetricFactory(startup=real_startups[0], label="Dossiers traités")
    assert "a ses propres indicateurs" in run()
    assert real_startups[0].metrics.count() == 1
    assert not real_startups[0].budget_lines.exists()


def test_startups_missing_from_the_portfolio_are_skipped(db):
    assert "absente du portefeuille" in run()
    assert counts() == [0, 0, 0, 0, 0]
