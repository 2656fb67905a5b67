"""The sync from the beta.gouv.fr API, against a real HTTP server on 127.0.0.1 that serves the
API's payloads rendered from the real markdown snapshot as its Jekyll templates render them
(tests/startups/betagouv_api.py)."""

import copy
import datetime
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from celery.schedules import crontab
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from comite import http
from startups.api_mirror import organisations_json, startups_json
from startups.betagouv import import_betagouv
from startups.enums import FundingSource, SyncStatus
from startups.models import (
    FundingRound,
    Incubator,
    Organisation,
    Phase,
    Startup,
    StartupEvent,
    SyncRun,
)
from startups.sync import sync_perform, sync_start
from startups.tasks import sync_betagouv
from tests.local_server import LocalServer
from tests.startups.test_import_betagouv import DATA, IMPORT_DAY
from tests.startups.test_pages import htmx_swap, same_regions
from tests.utils import get_page

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not found in {DATA}")

STARTUPS = "/api/v2.7/startups.json"
ORGANISATIONS = "/api/v2.6/organisations.json"
UNCHANGED = {
    "organisations": {"unchanged": 145},
    "incubators": {"unchanged": 23},
    "startups": {"unchanged": 414},
}


@pytest.fixture(scope="module")
def snapshot():
    return startups_json(DATA), organisations_json(DATA)


class Api:
    """The API's payloads, to change, then `publish()` on the server."""

    def __init__(self, server: LocalServer, snapshot):
        self.server = server
        self.startups, self.organisations = copy.deepcopy(snapshot)
        self.publish()

    def publish(self) -> None:
        self.server.route(STARTUPS, json.dumps(self.startups).encode())
        self.server.route(ORGANISATIONS, json.dumps(self.organisations).encode())

    def startup(self, slug: str) -> dict:
        return next(row for row in self.startups["data"] if row["id"] == slug)

    def url(self, path: str = STARTUPS) -> str:
        return self.server.url(path)


@pytest.fixture
def api(db, settings, snapshot, monkeypatch):
    monkeypatch.setattr(http, "BACKOFF_SECONDS", 0)
    with LocalServer() as server:
        settings.BETAGOUV_API_URL = server.url("/api/")
        settings.OUTBOUND_ALLOWED_HOSTS = [*settings.OUTBOUND_ALLOWED_HOSTS, "127.0.0.1"]
        yield Api(server, snapshot)


def sync(today: datetime.date = IMPORT_DAY) -> SyncRun:
    run, new = sync_start()
    assert new
    sync_perform(run, today=today)
    return run


def portfolio() -> dict:
    """Every row of the portfolio's tables (startups app, but the runs)."""
    models = apps.get_app_config("startups").get_models(include_auto_created=True)
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in models
        if model is not SyncRun
    }


# The two paths agree ---------------------------------------------------------------------------


def test_a_sync_of_the_snapshot_after_its_import_changes_nothing(api):
    """Every field, phase, event, sponsor, incubator and FAST round the import wrote from the
    markdown, the sync finds the same in the API; what the API does not carry is kept."""
    import_betagouv(DATA, today=IMPORT_DAY)
    before = portfolio()
    run = sync()
    assert (run.status, run.reason) == (SyncStatus.DONE, "")
    assert run.counts == UNCHANGED
    assert run.changes == {}
    assert portfolio() == before


def view() -> dict:
    """The portfolio by slug (ids differ from one database to the other)."""
    startup_fields = [
        f.name for f in Startup._meta.concrete_fields if f.name not in ("id", "incubator")
    ]
    return {
        "organisations": list(
            Organisation.objects.order_by("slug").values(
                *(f.name for f in Organisation._meta.concrete_fields if f.name != "id")
            )
        ),
        "incubators": list(
            Incubator.objects.order_by("slug").values(
                "slug",
                "title",
                "owner__slug",
                "short_description",
                "contact",
                "website",
                "github",
                "address",
                "hidden",
            )
        ),
        "startups": list(
            Startup.objects.order_by("slug").values(*startup_fields, "incubator__slug")
        ),
        "co_incubators": sorted(
            Startup.co_incubators.through.objects.values_list("startup__slug", "incubator__slug")
        ),
        "sponsors": sorted(
            Startup.sponsors.through.objects.values_list("startup__slug", "organisation__slug")
        ),
        "phases": sorted(
            Phase.objects.values_list(
                "startup__slug",
                "position",
                "name",
                "lifecycle",
                "start",
                "end",
                "end_is_declared",
                "comment",
            )
        ),
        "events": sorted(
            StartupEvent.objects.values_list("startup__slug", "kind", "name", "date", "comment")
        ),
        "rounds": sorted(
            FundingRound.objects.values_list(
                "startup__slug", "label", "source", "start", "end", "amount_granted"
            )
        ),
    }


def written_by(write) -> dict:
    with transaction.atomic():
        write()
        found = view()
        transaction.set_rollback(True)
    return found


def carried(portfolio: dict, *, fast: set[str]) -> dict:
    """What the API carries of a portfolio: not FAST (nor the next committee due that a FAST
    round moves), MonServiceSécurisé, a false risk analysis, phases' comments, events' line
    breaks, incubators' description, address and `hidden`."""
    portfolio = copy.deepcopy(portfolio)
    del portfolio["rounds"]
    for incubator in portfolio["incubators"]:
        del incubator["short_description"], incubator["address"], incubator["hidden"]
    for startup in portfolio["startups"]:
        del startup["secure_service"]
        startup["risk_analysis"] = startup["risk_analysis"] or None
        if startup["slug"] in fast:
            del startup["committee_due_on"]
    portfolio["phases"] = [phase[:-1] for phase in portfolio["phases"]]
    portfolio["events"] = [(*e[:-1], re.sub(r"\n", "", e[-1])) for e in portfolio["events"]]
    return portfolio


def test_a_first_sync_writes_what_the_import_writes_but_what_the_api_does_not_carry(api):
    imported = written_by(lambda: import_betagouv(DATA, today=IMPORT_DAY))
    synced = written_by(sync)
    fast = {row[0] for row in imported["rounds"]}
    assert len(fast) == 28
    assert carried(synced, fast=fast) == carried(imported, fast=fast)
    assert synced["rounds"] == []
    assert {s["secure_service"] for s in synced["startups"]} == {None}
    assert {s["risk_analysis"] for s in synced["startups"]} == {True, None}
    assert {s["missing_from_source_since"] for s in synced["startups"]} == {None}


def test_a_second_sync_of_the_same_payload_updates_nothing(api):
    first = sync()
    assert first.counts["startups"] == {"created": 414}
    second = sync()
    assert second.counts == UNCHANGED
    assert second.changes == {}


# What the API does not carry, and what it no longer lists --------------------------------------


def test_fast_rounds_and_declarations_the_api_lacks_survive_a_sync_that_rewrites_a_startup(api):
    import_betagouv(DATA, today=IMPORT_DAY)
    fast = list(FundingRound.objects.filter(source=FundingSource.FAST).values_list())
    api.startup("chauffage-urbain")["attributes"]["events"].append(
        {"name": "committee", "date": "2026-10-01", "comment": "Poursuite"}
    )
    api.startup("benefriches")["attributes"].pop("analyse_risques")
    api.publish()
    run = sync()
    assert run.changes == {"chauffage-urbain": ["events"]}
    assert list(FundingRound.objects.filter(source=FundingSource.FAST).values_list()) == fast
    chauffage = Startup.objects.get(slug="chauffage-urbain")
    assert chauffage.funding_rounds.get().amount_granted == 121000
    assert chauffage.events.filter(date=datetime.date(2026, 10, 1)).exists()
    benefriches = Startup.objects.get(slug="benefriches")
    assert (benefriches.risk_analysis, benefriches.secure_service) == (True, True)
    assert Startup.objects.filter(risk_analysis=False).count() == 76


def test_a_changed_record_is_written_and_its_changes_named(api):
    import_betagouv(DATA, today=IMPORT_DAY)
    avril = api.startup("avril")["attributes"]
    avril["pitch"] = "Un nouveau pitch"
    avril["sponsors"].append("dinum")
    api.publish()
    run = sync()
    assert run.changes == {"avril": ["pitch", "sponsors"]}
    assert run.counts["startups"] == {"updated": 1, "unchanged": 413}
    assert run.change_rows == [("avril", "pitch, sponsors")]
    assert Startup.objects.get(slug="avril").sponsors.filter(slug="dinum").exists()


def test_a_startup_the_api_no_longer_lists_is_flagged_never_deleted(api, client, superuser):
    import_betagouv(DATA, today=IMPORT_DAY)
    avril = api.startup("avril")
    api.startups["data"].remove(avril)
    api.publish()
    run = sync()
    assert run.changes == {"avril": ["missing_from_source_since"]}
    assert run.counts["startups"] == {"unchanged": 413, "missing": 1}
    startup = Startup.objects.get(slug="avril")
    assert startup.missing_from_source_since == IMPORT_DAY
    assert startup.phases.count() == 5
    client.force_login(superuser)
    page = client.get(startup.get_absolute_url()).content.decode()
    assert "Absente de beta.gouv.fr depuis le 23 novembre 2026" in page

    later = sync(today=IMPORT_DAY + datetime.timedelta(days=1))
    assert later.changes == {}
    assert later.counts["startups"] == {"unchanged": 413}
    startup.refresh_from_db()
    assert startup.missing_from_source_since == IMPORT_DAY

    api.startups["data"].append(avril)
    api.publish()
    back = sync()
    assert back.changes == {"avril": ["missing_from_source_since"]}
    startup.refresh_from_db()
    assert startup.missing_from_source_since is None


# Failures change nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{pas du JSON", "v2.7/startups.json n’est pas du JSON valide"),
        (b"[]", "startups.json : un objet avec « data » et « included » était attendu"),
        (b'{"data": "rien"}', "startups.json, data : une liste d’objets"),
        (b'{"data": [], "included": []}', "startups.json ne liste aucune startup"),
        (b'{"data": [{"id": "x"}], "included": {}}', "startups.json, included : une liste"),
    ],
)
def test_a_malformed_payload_fails_the_run_and_changes_nothing(api, body, reason):
    import_betagouv(DATA, today=IMPORT_DAY)
    before = portfolio()
    api.server.route(STARTUPS, body)
    run = sync()
    assert run.status == SyncStatus.FAILED
    assert reason in run.reason
    assert portfolio() == before


def test_texts_printed_unescaped_by_the_template_are_read(api):
    api.startup("avril")["attributes"]["pitch"] = "Avant\tAprès"
    body = json.dumps(api.startups).replace("\\t", "\t")  # the raw tab Jekyll prints
    api.server.route(STARTUPS, body.encode())
    run = sync()
    assert run.status == SyncStatus.DONE
    assert Startup.objects.get(slug="avril").pitch == "Avant\tAprès"


def test_a_record_the_parsers_reject_fails_the_run_with_its_reason_and_changes_nothing(api):
    import_betagouv(DATA, today=IMPORT_DAY)
    before = portfolio()
    api.startup("avril")["attributes"]["phases"][0]["name"] = "hibernation"
    api.startup("ecobalyse")["attributes"]["pitch"] = "Un changement valable, non écrit non plus"
    del api.startup("cassiopee")["relationships"]
    api.publish()
    run = sync()
    assert run.status == SyncStatus.FAILED
    assert run.reason.startswith("2 enregistrement(s) rejeté(s), rien n’a été écrit.")
    assert "startups.json/avril : phase n° 1 : nom inconnu « hibernation »" in run.reason
    assert "startups.json/cassiopee : relations « incubator » et « incubators »" in run.reason
    assert run.counts["startups"] == {"rejected": 2}
    assert portfolio() == before


def test_an_http_error_fails_the_run_after_its_retries(api):
    api.server.route(STARTUPS, b"panne", statuses=[500])
    run = sync()
    assert run.reason == f"Réponse HTTP 500 de {api.url()}"
    assert [path for path, _ in api.server.requests] == [STARTUPS] * 3
    assert not Startup.objects.exists()


def test_a_server_slower_than_the_timeout_fails_the_run(api, settings):
    settings.OUTBOUND_TIMEOUT = 0.2
    api.server.route(STARTUPS, b"{}", delay=1)
    run = sync()
    assert run.reason == f"Délai dépassé en lisant {api.url()} (0,2 s)"


def test_a_payload_larger_than_its_limit_fails_the_run(api):
    api.server.route(STARTUPS, b" " * (20 * http.MB + 1))
    run = sync()
    assert run.reason == f"Réponse trop volumineuse (plus de 20 Mo) : {api.url()}"


@pytest.mark.parametrize("url", ["http://10.0.0.1/api/", "https://beta.gouv.fr.example.org/api/"])
def test_a_host_not_allowed_is_refused(api, settings, url):
    settings.BETAGOUV_API_URL = url
    run = sync()
    assert run.reason == f"Hôte non autorisé : {urlsplit(url).hostname}"


def test_the_local_server_is_refused_once_it_is_not_allowed(api, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["beta.gouv.fr"]
    run = sync()
    assert run.reason == "Hôte non autorisé : 127.0.0.1"
    assert api.server.requests == []


# The runs ----------------------------------------------------------------------------------


def test_a_run_left_running_by_a_dead_worker_is_failed_by_the_next(db):
    stale = SyncRun.objects.create(started_at=timezone.now() - datetime.timedelta(hours=2))
    run, new = sync_start()
    assert new and run.running
    stale.refresh_from_db()
    assert stale.status == SyncStatus.FAILED
    assert stale.reason.startswith("Interrompue")


def test_only_one_run_at_a_time(db):
    first, new = sync_start()
    again, second_new = sync_start()
    assert (again, new, second_new) == (first, True, False)


def test_the_nightly_task_is_scheduled_at_half_past_two_and_runs_a_sync(api, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["betagouv-sync"]
    assert entry == {"task": "startups.tasks.sync_betagouv", "schedule": crontab(hour=2, minute=30)}
    sync_betagouv.delay()
    run = SyncRun.objects.get()
    assert run.status == SyncStatus.DONE and run.requested_by is None
    assert Startup.objects.count() == 414


def test_the_command_syncs_and_prints_its_summary(api, capsys):
    call_command("sync_betagouv")
    out = capsys.readouterr().out
    assert re.search(r"Startups\s+414\s+0\s+0\s+0", out)
    assert "Synchronisation terminée." in out
    api.startup("avril")["attributes"]["pitch"] = "Un nouveau pitch"
    api.publish()
    call_command("sync_betagouv")
    out = capsys.readouterr().out
    assert re.search(r"Startups\s+0\s+1\s+413\s+0", out)
    assert "avril : pitch" in out
    call_command("sync_betagouv")
    assert "Aucun changement" in capsys.readouterr().out


def test_the_command_fails_with_the_reason(api):
    api.server.route(STARTUPS, b"{oups")
    with pytest.raises(CommandError, match="rien n’a été écrit : v2.7/startups.json n’est pas"):
        call_command("sync_betagouv")


def test_the_command_waits_for_the_run_under_way(db):
    SyncRun.objects.create()
    with pytest.raises(CommandError, match="déjà en cours"):
        call_command("sync_betagouv")


# The staff's page --------------------------------------------------------------------------

PAGE = reverse("startups:sync")
START = reverse("startups:sync-start")
HTMX = {"HX-Request": "true"}


def finished_runs(n: int, by=None) -> None:
    for _ in range(n):
        SyncRun.objects.create(
            requested_by=by,
            status=SyncStatus.DONE,
            finished_at=timezone.now(),
            counts={"startups": {"created": 2, "unchanged": 412}},
            changes={"avril": ["pitch", "phases"]},
        )


def test_the_page_lists_the_runs_with_their_counts_changes_and_reasons(client, staff):
    finished_runs(1, by=staff)
    SyncRun.objects.create(
        status=SyncStatus.FAILED, finished_at=timezone.now(), reason="Réponse HTTP 500 de …"
    )
    client.force_login(staff)
    page = client.get(PAGE).content.decode()
    assert "Synchroniser maintenant" in page
    assert "Échec de la synchronisation" in page and "Réponse HTTP 500 de …" in page
    assert "Startups : 2 créés, 412 inchangés" in page
    assert "avril</a> : pitch, phases" in page
    assert "planifiée" in page and f"par {staff.get_full_name()}" in page


def test_the_page_query_count_is_pinned_and_does_not_grow_with_the_runs(client, staff):
    client.force_login(staff)
    finished_runs(1)
    # session and user, the request's savepoint, the staff check, the runs, the header's menu
    get_page(client, PAGE, queries=7)
    finished_runs(49, by=staff)
    get_page(client, PAGE, queries=7)


def test_the_button_queues_a_sync_and_the_page_follows_it(
    api, client, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, headers=HTMX)
    # Answered before the worker's turn: the run is under way, and polled.
    assert "En cours…" in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()
    run = SyncRun.objects.get()
    assert (run.status, run.requested_by) == (SyncStatus.DONE, staff)
    polled = client.get(PAGE, headers=HTMX)
    assert polled.status_code == 286  # done: polling stops
    assert "Synchronisation terminée le" in polled.content.decode()
    assert "<html" not in polled.content.decode()


def test_a_second_click_while_a_sync_runs_gets_that_run(
    client, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks() as queued:
        client.post(START, headers=HTMX)
        second = client.post(START, headers=HTMX)
    assert SyncRun.objects.count() == 1 and len(queued) == 1
    assert "En cours…" in second.content.decode()
    assert client.get(PAGE, headers=HTMX).status_code == 200  # still polling


def test_without_javascript_the_button_posts_and_comes_back(
    client, staff, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks():
        response = client.post(START, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "Synchronisation lancée" in response.content.decode()


def test_a_sync_the_broker_cannot_take_fails_at_once(
    client, staff, broker, django_capture_on_commit_callbacks
):
    broker.down()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(START, headers=HTMX)
    run = SyncRun.objects.get()
    assert run.status == SyncStatus.FAILED
    assert run.reason.startswith("La file des tâches ne répond pas")


def test_the_polled_fragment_swapped_in_gives_the_same_page_as_a_full_get(client, staff):
    client.force_login(staff)
    run, _ = sync_start(by=staff)
    page = lxml_html.fromstring(client.get(PAGE).content)
    run.finish(counts={"startups": {"updated": 1, "unchanged": 413}}, changes={"avril": ["pitch"]})
    fragment = client.get(PAGE, headers=HTMX)
    htmx_swap(page, fragment.content)
    same_regions(page, lxml_html.fromstring(client.get(PAGE).content), "#sync-runs")


def test_the_local_mirror_serves_what_the_sync_reads(db, settings, capsys):
    """`serve_betagouv_api` on the real snapshot, a process of its own: the sync reads it."""
    mirror = subprocess.Popen(
        [sys.executable, "manage.py", "serve_betagouv_api", str(DATA), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = mirror.stdout.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+/api/)", line)[1]
        settings.BETAGOUV_API_URL = base
        settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
        call_command("sync_betagouv")
    finally:
        mirror.terminate()
        mirror.wait(timeout=10)
        mirror.stdout.close()
    assert re.search(r"Startups\s+414\s+0\s+0\s+0", capsys.readouterr().out)
