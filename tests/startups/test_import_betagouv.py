"""The importer on the real beta.gouv.fr snapshot in ../shared, and on broken copies of it."""

import datetime
import shutil
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from startups.betagouv import ImportRejected, import_betagouv
from startups.enums import EventKind, FundingSource, Lifecycle
from startups.models import FundingRound, Incubator, Organisation, Phase, Startup, StartupEvent

DATA = settings.BETAGOUV_DATA_DIR
# The snapshot is of late 2026: the imports run on a day of their own, passed as `today` (the
# current phases and the committees due are computed on it), whatever the tests' clock says.
IMPORT_DAY = datetime.date(2026, 11, 23)

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not found in {DATA}")


@pytest.fixture
def imported(db):
    return import_betagouv(DATA, today=IMPORT_DAY)


@pytest.fixture
def folder(tmp_path):
    """A copy of the real folder with a handful of startups, to break."""
    for kind in ("_organisations", "_incubators"):
        shutil.copytree(DATA / kind, tmp_path / kind)
    (tmp_path / "_startups").mkdir()
    for slug in ("1000.jours", "avril", "chauffage-urbain", "ecobalyse"):
        shutil.copy(DATA / "_startups" / f"{slug}.md", tmp_path / "_startups")
    return tmp_path


def test_imports_every_record_of_the_real_snapshot(imported):
    assert imported.counts["organisations"] == Counter(created=145)
    assert imported.counts["incubators"] == Counter(created=23)
    assert imported.counts["startups"] == Counter(created=414)
    assert not imported.errors
    assert (Organisation.objects.count(), Incubator.objects.count(), Startup.objects.count()) == (
        145,
        23,
        414,
    )


def test_keeps_every_phase_under_its_original_name_mapped_onto_the_lifecycle(imported):
    names = Counter(Phase.objects.values_list("name", flat=True))
    assert names == {
        "investigation": 365,
        "construction": 271,
        "abandon-investigation": 123,
        "acceleration": 102,
        "abandon": 80,
        "transfere": 52,
        "consolidation": 44,
        "opere": 9,
    }
    lifecycles = Counter(Phase.objects.values_list("lifecycle", flat=True))
    assert lifecycles[Lifecycle.TRANSFER] == 52 + 44 + 9
    assert lifecycles[Lifecycle.STOPPED] == 123 + 80


def test_current_phases_of_the_portfolio(imported):
    counts = Counter(Startup.objects.values_list("current_phase", flat=True))
    assert counts == {
        Lifecycle.INVESTIGATION: 15,
        Lifecycle.CONSTRUCTION: 83,
        Lifecycle.ACCELERATION: 45,
        Lifecycle.TRANSFER: 69,
        Lifecycle.STOPPED: 202,
    }
    # Consolidation and "opéré" startups are still followed; "transféré" ones have left.
    assert Startup.objects.filter(current_phase_name="consolidation", is_active=False).count() == 0
    assert Startup.objects.filter(current_phase_name="transfere", is_active=True).count() == 0


def test_real_committee_passages_are_kept_as_history(imported):
    committees = StartupEvent.objects.filter(kind=EventKind.COMMITTEE)
    assert committees.count() == 130
    assert committees.filter(comment__contains="budget alloué pour  6 mois").exists()
    assert Counter(StartupEvent.objects.values_list("kind", flat=True))[EventKind.FAST] == 25


def test_second_run_changes_nothing_and_says_so(imported, capsys):
    again = import_betagouv(DATA, today=IMPORT_DAY)
    assert not again.changed
    for kind, total in (("organisations", 145), ("incubators", 23), ("startups", 414)):
        assert again.counts[kind] == Counter(unchanged=total)
    call_command("import_betagouv", DATA)
    assert "Aucun changement" in capsys.readouterr().out


def test_ids_may_contain_dots_and_files_may_lack_the_extension(imported):
    assert Startup.objects.filter(slug="1000.jours").exists()
    assert Organisation.objects.get(slug="Préfecture").name == "Préfecture de l'Ain"


def test_incubator_quirks(imported):
    menj = Incubator.objects.get(slug="menj")
    assert menj.owner is None  # its owner is not in _organisations
    assert not menj.startups.exists()
    assert any(path.name == "menj.md" for path, _ in imported.warnings)
    sgmas = Incubator.objects.get(slug="sgmas")
    assert sgmas.hidden and sgmas.startups.exists()


def test_co_incubation_wins_over_the_single_incubator(imported):
    ecobalyse = Startup.objects.get(slug="ecobalyse")
    assert ecobalyse.incubator.slug == "ademe"
    assert [i.slug for i in ecobalyse.co_incubators.all()] == ["mtes"]
    assert Startup.objects.of_incubator("mtes").filter(slug="ecobalyse").exists()


def test_sponsors_references_none_to_many(imported):
    assert Startup.objects.get(slug="mon.espace.collectivite").sponsors.count() == 5
    assert not Startup.objects.get(slug="accidents-de-la-route").sponsors.exists()


def test_phases_end_when_the_next_starts_and_same_day_phases_follow_the_lifecycle(imported):
    phases = list(Startup.objects.get(slug="avril").phases.all())
    assert [p.name for p in phases] == [
        "investigation",
        "construction",
        "consolidation",
        "transfere",
        "abandon",
    ]
    assert phases[0].end == phases[1].start == datetime.date(2017, 5, 1)
    assert phases[2].end == datetime.date(2022, 11, 29) and not phases[2].end_is_declared
    assert phases[-1].end is None


def test_fast_co_funding_becomes_a_round(imported):
    funding_round = FundingRound.objects.get(startup__slug="chauffage-urbain")
    assert funding_round.source == FundingSource.FAST
    assert funding_round.start == datetime.date(2024, 1, 1)
    assert funding_round.amount_granted == Decimal("121000")
    assert funding_round.contributions.get().funder == "Fonds FAST"


def test_declarations_that_evidence_the_standards_are_kept(imported):
    benefriches = Startup.objects.get(slug="benefriches")
    assert benefriches.accessibility_status == "non conforme"
    assert benefriches.risk_analysis is True
    assert benefriches.risk_analysis_url == (
        "https://github.com/incubateur-ademe/benefriches/blob/main/SECURITY.md"
    )
    assert benefriches.secure_service is True
    assert benefriches.dashlord_url == "https://dashlord.incubateur.ademe.fr/startup/benefriches"
    declared = Startup.objects.exclude(accessibility_status="").count()
    assert declared == 163  # every file that declares one (grep -c in the snapshot)
    assert Startup.objects.filter(risk_analysis=False).count() == 76


def test_empty_strings_are_empty_values(imported):
    startup = Startup.objects.get(slug="1000.jours")
    assert all(url.startswith("https://") for _, url in startup.links)


def test_legacy_phase_vocabulary_is_accepted(db, folder):
    path = folder / "_startups" / "avril.md"
    path.write_text(
        path.read_text()
        .replace("name: transfere", "name: success")
        .replace("name: consolidation", "name: alumni")
    )
    import_betagouv(folder, today=IMPORT_DAY)
    phases = Startup.objects.get(slug="avril").phases.all()
    assert {p.name: p.lifecycle for p in phases}["success"] == Lifecycle.TRANSFER
    assert {p.name: p.lifecycle for p in phases}["alumni"] == Lifecycle.TRANSFER


def test_a_changed_file_is_counted_as_updated(db, folder):
    import_betagouv(folder, today=IMPORT_DAY)
    path = folder / "_startups" / "avril.md"
    path.write_text(path.read_text().replace("title: ", "title: Nouveau nom ", 1))
    report = import_betagouv(folder, today=IMPORT_DAY)
    assert report.counts["startups"] == Counter(updated=1, unchanged=3)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("title: Sans en-tête\n", "en-tête YAML absent"),
        ("---\ntitle: [non fermé\n---\n", "YAML invalide"),
        (
            "---\ntitle: X\nincubator: nulle-part\nphases: []\n---\n",
            "incubateur inconnu « nulle-part »",
        ),
        (
            "---\ntitle: X\nincubator: dinum\nphases:\n  - name: hibernation\n    start: 2024-01-01\n---\n",
            "nom inconnu « hibernation »",
        ),
        (
            "---\ntitle: X\nincubator: dinum\nphases:\n  - name: construction\n    start: 2024-13-45\n---\n",
            "date invalide",
        ),
        (
            "---\ntitle: X\nincubator: dinum\nphases:\n  - name: construction\n    start: 2024-06-01\n    end: 2024-01-01\n---\n",
            "la fin précède le début",
        ),
        (
            "---\ntitle: X\nincubator: dinum\nfast:\n  promotion: 3\n  montant: beaucoup\n---\n",
            "montant FAST invalide",
        ),
    ],
)
def test_a_malformed_file_is_named_with_its_reason_and_nothing_is_written(
    db, folder, content, reason
):
    broken = folder / "_startups" / "casse.md"
    broken.write_text(content)
    with pytest.raises(ImportRejected) as rejected:
        import_betagouv(folder, today=IMPORT_DAY)
    [(path, message)] = rejected.value.report.errors
    assert path == broken and reason in message
    assert not Organisation.objects.exists() and not Startup.objects.exists()


def test_the_command_reports_rejections_and_fails(db, folder, capsys):
    (folder / "_startups" / "casse.md").write_text("pas de YAML")
    with pytest.raises(CommandError, match="rien n’a été importé"):
        call_command("import_betagouv", folder)
    captured = capsys.readouterr()
    assert "casse.md : en-tête YAML absent" in captured.err
    assert "rejetés" in captured.out


def test_an_import_clears_the_flag_of_a_startup_it_lists(imported):
    Startup.objects.filter(slug="avril").update(missing_from_source_since=IMPORT_DAY)
    report = import_betagouv(DATA, today=IMPORT_DAY)
    assert report.changes == {"avril": ["missing_from_source_since"]}
    assert Startup.objects.get(slug="avril").missing_from_source_since is None
