"""What Comité recorded survives the beta.gouv.fr import: a decision's phase and committee
event, its round. The source's phases are merged around them; where the source disagrees with a
decision, staff see it until they resolve it or the source comes round."""

import datetime
import shutil
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from startups import services
from startups.betagouv import import_betagouv
from startups.enums import EventKind, FundingSource, Lifecycle, Origin
from startups.models import FundingRound, Phase, SourceDisagreement, Startup, StartupEvent
from tests.committees.test_decisions import add_item, chair, committee, record, session  # noqa: F401
from tests.utils import TODAY

DATA = settings.BETAGOUV_DATA_DIR
DECIDED_ON = TODAY - datetime.timedelta(days=5)
SLUG = "ecobalyse"  # in acceleration since 2025-09-06 in the snapshot

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not found in {DATA}")


@pytest.fixture
def folder(tmp_path):
    for kind in ("_organisations", "_incubators"):
        shutil.copytree(DATA / kind, tmp_path / kind)
    (tmp_path / "_startups").mkdir()
    for slug in ("1000.jours", "chauffage-urbain", SLUG):
        shutil.copy(DATA / "_startups" / f"{slug}.md", tmp_path / "_startups")
    return tmp_path


@pytest.fixture
def decided(db, folder):
    """The snapshot imported, then a committee moved ecobalyse to transfer and granted a round."""
    import_betagouv(folder, today=TODAY)
    startup = Startup.objects.get(slug=SLUG)
    services.phase_change(
        startup=startup,
        lifecycle=Lifecycle.TRANSFER,
        on=DECIDED_ON,
        comment=f"Décision du comité du {DECIDED_ON:%d/%m/%Y}",
        today=TODAY,
    )
    services.committee_event_record(
        startup=startup, on=DECIDED_ON, comment="Refinancer : 240 000 € sur 6 mois", today=TODAY
    )
    services.funding_round_create(
        startup=startup,
        label=f"Décision du {DECIDED_ON:%d/%m/%Y}",
        source=FundingSource.DECISION,
        start=DECIDED_ON,
        end=DECIDED_ON + datetime.timedelta(days=181),
        amount_granted=Decimal("240000"),
        today=TODAY,
    )
    return startup


def history(startup) -> list[tuple]:
    return list(
        Phase.objects.filter(startup=startup).values_list(
            "position", "name", "start", "end", "origin"
        )
    )


def add_to_source(folder, phases: str = "", events: str = "") -> None:
    """Lines added to ecobalyse's file, as the members' space would add them."""
    path = folder / "_startups" / f"{SLUG}.md"
    text = path.read_text()
    if phases:
        text = text.replace("phases:\n", f"phases:\n{phases}", 1)
    if events:
        text = (
            text.replace("\n---", f"\nevents:\n{events}---", 1)
            if "events:" not in text
            else text.replace("events:\n", f"events:\n{events}", 1)
        )
    path.write_text(text)


def test_reimporting_the_same_snapshot_keeps_the_decision_and_changes_nothing(decided, folder):
    before = history(decided)
    report = import_betagouv(folder, today=TODAY)

    assert report.counts["startups"] == Counter(unchanged=3)
    assert history(decided) == before
    assert before[-2:] == [
        (
            2,
            "acceleration",
            datetime.date(2025, 9, 6),
            DECIDED_ON - datetime.timedelta(days=1),
            Origin.BETAGOUV,
        ),
        (3, "transfer", DECIDED_ON, None, Origin.COMITE),
    ]
    decided.refresh_from_db()
    assert (decided.current_phase, decided.last_committee_on) == (Lifecycle.TRANSFER, DECIDED_ON)
    assert StartupEvent.objects.filter(
        startup=decided, kind=EventKind.COMMITTEE, date=DECIDED_ON, origin=Origin.COMITE
    ).exists()
    assert FundingRound.objects.filter(startup=decided, source=FundingSource.DECISION).count() == 1


def test_the_disagreement_is_named_in_the_import_report_once(decided, folder, capsys):
    call_command("import_betagouv", folder)
    call_command("import_betagouv", folder)
    out = capsys.readouterr().out
    text = f"beta.gouv.fr indique accélération ; décision du {DECIDED_ON:%d/%m/%Y} : transfert"
    assert f"_startups/{SLUG} : {text}" in out
    assert "Aucun changement" in out
    assert [d.text for d in SourceDisagreement.objects.all()] == [text]


def test_a_changed_source_is_rewritten_around_the_decision(decided, folder):
    """The source's own events and phases change; Comité's rows stay as they were."""
    comite = list(Phase.objects.filter(startup=decided, origin=Origin.COMITE).values())
    add_to_source(folder, events="  - name: product_launch\n    date: 2025-10-01\n")
    report = import_betagouv(folder, today=TODAY)

    assert report.counts["startups"] == Counter(updated=1, unchanged=2)
    assert list(Phase.objects.filter(startup=decided, origin=Origin.COMITE).values()) == comite
    kinds = Counter(StartupEvent.objects.filter(startup=decided).values_list("kind", "origin"))
    assert kinds[EventKind.PRODUCT_LAUNCH, Origin.BETAGOUV] == 1
    assert kinds[EventKind.COMMITTEE, Origin.COMITE] == 1


def test_a_source_phase_before_the_decision_moves_it_along_without_rewriting_it(decided, folder):
    consolidation = DECIDED_ON - datetime.timedelta(days=10)
    add_to_source(folder, phases=f"  - name: consolidation\n    start: {consolidation}\n")
    import_betagouv(folder, today=TODAY)

    assert history(decided)[-3:] == [
        (2, "acceleration", datetime.date(2025, 9, 6), consolidation, Origin.BETAGOUV),
        (
            3,
            "consolidation",
            consolidation,
            DECIDED_ON - datetime.timedelta(days=1),
            Origin.BETAGOUV,
        ),
        (4, "transfer", DECIDED_ON, None, Origin.COMITE),
    ]
    # Consolidation is a transfer step: the source agrees with the decision now.
    assert not SourceDisagreement.objects.filter(resolved_at=None).exists()


def test_the_source_catching_up_is_the_same_phase_and_settles_the_disagreement(decided, folder):
    import_betagouv(folder, today=TODAY)
    assert SourceDisagreement.objects.filter(resolved_at=None).count() == 1
    caught_up = DECIDED_ON + datetime.timedelta(days=3)
    add_to_source(
        folder,
        phases=f"  - name: consolidation\n    start: {caught_up}\n",
        events=f"  - name: committee\n    date: {DECIDED_ON}\n",
    )
    report = import_betagouv(folder, today=TODAY)

    assert report.counts["startups"] == Counter(unchanged=3)  # nothing to write: no duplicate
    assert history(decided)[-1] == (3, "transfer", DECIDED_ON, None, Origin.COMITE)
    assert (
        StartupEvent.objects.filter(
            startup=decided, kind=EventKind.COMMITTEE, date=DECIDED_ON
        ).count()
        == 1
    )
    assert not SourceDisagreement.objects.filter(resolved_at=None).exists()


def test_a_later_source_phase_closes_the_decisions_phase(decided, folder):
    stopped = TODAY - datetime.timedelta(days=1)
    add_to_source(folder, phases=f"  - name: abandon\n    start: {stopped}\n")
    import_betagouv(folder, today=TODAY)

    assert history(decided)[-2:] == [
        (3, "transfer", DECIDED_ON, stopped, Origin.COMITE),
        (4, "abandon", stopped, None, Origin.BETAGOUV),
    ]
    decided.refresh_from_db()
    assert decided.current_phase == Lifecycle.STOPPED
    assert not SourceDisagreement.objects.filter(resolved_at=None).exists()


def test_staff_see_the_disagreement_and_resolve_it_for_good(decided, folder, client, staff):
    decided.incubator.staff.create(user=staff)
    import_betagouv(folder, today=TODAY)
    page = reverse("startups:detail", args=[SLUG])
    client.force_login(staff)
    response = client.get(page)
    assert "beta.gouv.fr indique accélération" in response.content.decode()

    disagreement = SourceDisagreement.objects.get()
    response = client.post(reverse("startups:resolve", args=[SLUG]))
    assert response.status_code == 302
    disagreement.refresh_from_db()
    assert (disagreement.resolved_by, disagreement.resolved_at is not None) == (staff, True)
    assert "beta.gouv.fr indique" not in client.get(page).content.decode()

    import_betagouv(folder, today=TODAY)  # the same source again: not reopened
    assert not SourceDisagreement.objects.filter(resolved_at=None).exists()


def test_only_the_incubators_staff_see_and_resolve_it(decided, folder, client, sponsor):
    import_betagouv(folder, today=TODAY)
    client.force_login(sponsor)
    page = reverse("startups:detail", args=[SLUG])
    assert "beta.gouv.fr indique" not in client.get(page).content.decode()
    disagreement = SourceDisagreement.objects.get()
    assert client.post(reverse("startups:resolve", args=[SLUG])).status_code == 403
    disagreement.refresh_from_db()
    assert disagreement.resolved_at is None


@pytest.fixture
def startup(db, folder):
    """The startup of the committee fixtures is the imported ecobalyse."""
    import_betagouv(folder, today=TODAY)
    return Startup.objects.get(slug=SLUG)


def test_a_real_decision_survives_the_reimport(session, startup, chair, folder):  # noqa: F811
    review = add_item(session, startup)
    record(review, chair, today=session.date, phase_change=Lifecycle.TRANSFER)
    before = history(startup)
    assert before[-1][-1] == Origin.COMITE

    report = import_betagouv(folder, today=session.date)
    assert report.counts["startups"] == Counter(unchanged=3)
    assert history(startup) == before
    startup.refresh_from_db()
    assert (startup.current_phase, startup.last_committee_on) == (Lifecycle.TRANSFER, session.date)
