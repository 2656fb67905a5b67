"""The portfolio from the public beta.gouv.fr API, through the markdown import's own mapping.

The API's `startups.json` (v2.7) and `organisations.json` (v2.6: v2.7 has none) are printed by
Jekyll from the markdown files that `import_betagouv` reads, by the templates of the same paths
in the betagouv/beta.gouv.fr repository. Each record is turned back into the front matter and
body it came from, then goes through the import's parsers, checks and writing
(`startups/betagouv.py`): everything in one transaction, or nothing. The templates' quirks are
undone where they are met (docs/data.md lists them, with where each was confirmed).

What the API does not carry stays as the import, or a person, left it: the FAST rounds,
MonServiceSécurisé, a false risk analysis (only a true one is printed), the phases' comments,
the line breaks of the events' comments, the incubators' description, address and `hidden`. A
startup that the API no longer lists is flagged (`missing_from_source_since`), never deleted.

Each sync is a `SyncRun`, one at a time: `sync_request` (the staff's button) starts one and
queues the task once committed; the nightly task and `manage.py sync_betagouv` start theirs
and run it; `sync_perform` fetches, writes and closes the run, failed with its reason and
having changed nothing when the API does not answer or answers something unusable.
"""

import contextlib
import datetime
import html
import json
import logging
import re
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.outbox import publish
from comite import http

from .betagouv import (
    ImportRejected,
    Malformed,
    Report,
    parse_incubator,
    parse_organisation,
    parse_startup,
    read_records,
    write_records,
)
from .enums import Origin, SyncStatus
from .models import Phase, Startup, StartupEvent, SyncRun, SyncRunOver
from .tasks import sync_betagouv

logger = logging.getLogger(__name__)

STARTUPS = "v2.7/startups.json"
ORGANISATIONS = "v2.6/organisations.json"
MAX_BYTES = {STARTUPS: 20 * http.MB, ORGANISATIONS: 2 * http.MB}
# The API's attribute names that differ from the front matter's.
FRONT_MATTER_NAMES = {"name": "title", "pitch": "mission", "technos": "techno"}
# Not carried by the API: the fields it has no attribute for, the incubators' it leaves out.
NOT_CARRIED = ("secure_service",)
INCUBATOR_NOT_CARRIED = ("short_description", "address", "hidden")
# A run this old and still running lost its worker: the next one to start fails it.
STALE_AFTER = datetime.timedelta(hours=1)
REASONS_SHOWN = 5


class SyncFailed(Exception):
    """The API answered something that cannot be used; the message is French."""


# Reading the API -------------------------------------------------------------------------------


def fetch(path: str):
    url = f"{settings.BETAGOUV_API_URL.rstrip('/')}/{path}"
    body = http.get(url, max_bytes=MAX_BYTES[path])
    try:
        # Jekyll prints the texts unescaped: a tab or a line break in one stays raw.
        return json.loads(body, strict=False)
    except ValueError as error:
        raise SyncFailed(f"{path} n’est pas du JSON valide : {error}") from None


def rows_of(value, what: str) -> list[dict]:
    if not isinstance(value, list) or not all(
        isinstance(row, dict) and isinstance(row.get("id"), str) and row["id"] for row in value
    ):
        raise SyncFailed(f"{what} : une liste d’objets ayant chacun un « id » était attendue")
    return value


def attributes_of(row: dict) -> dict:
    attributes = row.get("attributes")
    if not isinstance(attributes, dict):
        raise Malformed("« attributes » absent ou illisible")
    return attributes


def organisation_front_matter(row: dict) -> tuple[dict, str]:
    # The template escapes these texts for HTML (`| escape`): "Préfecture de l&#39;Ain".
    return {key: html.unescape(v) if isinstance(v, str) else v for key, v in row.items()}, ""


def incubator_front_matter(row: dict) -> tuple[dict, str]:
    return attributes_of(row), ""


def startup_front_matter(row: dict) -> tuple[dict, str]:
    attributes = attributes_of(row)
    data = {FRONT_MATTER_NAMES.get(key, key): value for key, value in attributes.items()}
    try:
        relationships = row["relationships"]
        data["incubator"] = relationships["incubator"]["data"]["id"]
        # Always given (the single incubator when there is no co-incubation), and it wins.
        data["incubators"] = [link["id"] for link in relationships["incubators"]["data"]]
    except (KeyError, TypeError):
        raise Malformed("relations « incubator » et « incubators » illisibles") from None
    markdown = attributes.get("content_url_encoded_markdown") or ""
    if not isinstance(markdown, str):
        raise Malformed("le champ « content_url_encoded_markdown » doit être un texte")
    # ERB::Util.url_encode: every byte but letters, digits and -._~ as %XX (no "+").
    return data, unquote(markdown).strip()


def sources(rows: list[dict], name: str, front_matter) -> list:
    return [(Path(name, row["id"]), row["id"], partial(front_matter, row)) for row in rows]


def without_what_is_not_carried(startups: dict[str, dict], rows: list[dict]) -> None:
    attributes = {row["id"]: row["attributes"] for row in rows if row["id"] in startups}
    for slug, record in startups.items():
        not_carried = list(NOT_CARRIED)
        if "analyse_risques" not in attributes[slug]:  # printed only when true
            not_carried.append("risk_analysis")
        if "link" not in attributes[slug]:  # impact_url is printed only beside link
            not_carried.append("impact_url")
        for name in not_carried:
            del record["fields"][name]
        del record["fast"]


def flattened(comment: str) -> str:
    """An event's comment as the template prints it (`strip_newlines`)."""
    return re.sub(r"\r?\n", "", comment)


def keep_stored_comments(startups: dict[str, dict]) -> None:
    """A phase keeps the comment stored for it (same name and start): the API has none. An
    event keeps its stored comment when the API's is that comment without its line breaks."""
    source = {"startup__slug__in": startups, "origin": Origin.BETAGOUV}
    phases = {
        (slug, name, start): comment
        for slug, name, start, comment in Phase.objects.filter(**source).values_list(
            "startup__slug", "name", "start", "comment"
        )
    }
    events = {
        (slug, name, date, flattened(comment)): comment
        for slug, name, date, comment in StartupEvent.objects.filter(**source).values_list(
            "startup__slug", "name", "date", "comment"
        )
    }
    for slug, record in startups.items():
        for phase in record["phases"]:
            phase["comment"] = phases.get((slug, phase["name"], phase["start"]), "")
        for event in record["events"]:
            key = (slug, event["name"], event["date"], event["comment"])
            event["comment"] = events.get(key, event["comment"])


def flag_missing(startups: dict[str, dict], report: Report, *, today: datetime.date) -> None:
    missing = Startup.objects.filter(missing_from_source_since=None).exclude(slug__in=startups)
    for slug in missing.values_list("slug", flat=True):
        report.changes[slug] = ["missing_from_source_since"]
    report.counts["startups"]["missing"] = missing.update(missing_from_source_since=today)


def sync_apply(startups_payload, organisations_payload, *, today: datetime.date) -> Report:
    """Check the two payloads and write them, in one transaction, or raise (SyncFailed,
    ImportRejected) having written nothing."""
    if not isinstance(startups_payload, dict):
        raise SyncFailed("startups.json : un objet avec « data » et « included » était attendu")
    rows = rows_of(startups_payload.get("data"), "startups.json, data")
    if not rows:
        raise SyncFailed("startups.json ne liste aucune startup")
    report = Report()
    organisations = read_records(
        sources(
            rows_of(organisations_payload, "organisations.json"),
            "organisations.json",
            organisation_front_matter,
        ),
        parse_organisation,
        report,
        "organisations",
    )
    incubators = read_records(
        sources(
            rows_of(startups_payload.get("included"), "startups.json, included"),
            "startups.json/included",
            incubator_front_matter,
        ),
        partial(parse_incubator, organisations=set(organisations)),
        report,
        "incubators",
    )
    for values in incubators.values():
        for name in INCUBATOR_NOT_CARRIED:
            del values[name]
    startups = read_records(
        sources(rows, "startups.json", startup_front_matter),
        partial(parse_startup, incubators=set(incubators), organisations=set(organisations)),
        report,
        "startups",
    )
    without_what_is_not_carried(startups, rows)
    with transaction.atomic():
        keep_stored_comments(startups)
        write_records(organisations, incubators, startups, report, today=today)
        flag_missing(startups, report, today=today)
    return report


# The runs --------------------------------------------------------------------------------------


def sync_start(*, by=None) -> tuple[SyncRun, bool]:
    """A new running sync, and True; or the one running already, and False. A run left
    running for STALE_AFTER lost its worker: it is failed first."""
    stale = SyncRun.objects.filter(
        status=SyncStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
    )
    for run in stale:
        with contextlib.suppress(SyncRunOver):
            run.fail("Interrompue : le service qui la faisait s’est arrêté.")
    try:
        with transaction.atomic():
            return SyncRun.objects.create(requested_by=by), True
    except IntegrityError:
        return SyncRun.objects.get(status=SyncStatus.RUNNING), False


def sync_request(*, by) -> SyncRun:
    """Start a sync for a worker, queued once committed; the running one if there is one."""
    run, new = sync_start(by=by)
    if new:
        transaction.on_commit(partial(queue, run.pk))
    return run


def queue(run_id: int) -> None:
    if not publish(sync_betagouv, run_id):
        SyncRun.objects.get(pk=run_id).fail(
            "La file des tâches ne répond pas : relancez la synchronisation plus tard."
        )


def rejection(report: Report) -> str:
    reasons = [f"{path} : {reason}" for path, reason in report.errors]
    more = len(reasons) - REASONS_SHOWN
    return (
        f"{len(reasons)} enregistrement(s) rejeté(s), rien n’a été écrit. "
        + " ; ".join(reasons[:REASONS_SHOWN])
        + (f" ; et {more} autre(s)" if more > 0 else "")
    )


def counts_of(report: Report) -> dict:
    return {kind: dict(+counts) for kind, counts in report.counts.items()}  # without the zeros


def sync_perform(run: SyncRun, *, today: datetime.date) -> Report | None:
    """Fetch the API, write it and close the run: done with its counts and changes, or failed
    with its reason, having written nothing. The report, when it is done."""
    try:
        payloads = fetch(STARTUPS), fetch(ORGANISATIONS)
        with transaction.atomic():
            report = sync_apply(*payloads, today=today)
            run.finish(counts=counts_of(report), changes=report.changes)
        return report
    except (http.OutboundError, SyncFailed) as error:
        run.fail(str(error))
    except ImportRejected as rejected:
        run.fail(rejection(rejected.report), counts=counts_of(rejected.report))
    except SyncRunOver:
        logger.warning("%s reprise par une autre : rien n’a été écrit", run)
    except Exception as error:
        logger.exception("%s : erreur inattendue", run)
        run.fail(f"Erreur inattendue ({type(error).__name__}) : {error}")
    return None
