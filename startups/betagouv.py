"""Import of a beta.gouv.fr content folder (`_organisations`, `_incubators`, `_startups`).

Every file is read and checked first; if any is malformed, the import stops with the list of
files and reasons and writes nothing. Otherwise everything is written in one transaction, and a
second run on the same folder changes nothing. What Comité itself recorded (the phases and
committee events of its decisions, the rounds they granted) is never removed or rewritten: the
source's phases are merged around it, and where the source disagrees with a decision the
difference is kept for staff (`SourceDisagreement`). The quirks of the real data are listed in
`../shared/data/betagouv/README.md`; each is handled below where it is met.

The sync from the public API (`startups/sync.py`) turns its records back into front matter and
comes through the same parsing and writing. What a source does not carry is left out of its
records, and stays as stored: a field missing from `fields`, a record without `fast` (its FAST
round is neither rebuilt nor removed).
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from .dates import round_end
from .enums import PHASE_NAMES, RECORD_KINDS, EventKind, FundingSource, Lifecycle, Origin
from .models import (
    DERIVED_FIELDS,
    Contribution,
    FundingRound,
    Incubator,
    Organisation,
    Phase,
    SourceDisagreement,
    Startup,
    StartupEvent,
)

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)^---\s*$(.*)", re.DOTALL | re.MULTILINE)
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KINDS = tuple(RECORD_KINDS)
FAST_FUNDER = "Fonds FAST"
FAST_ROUND_MONTHS = 6


class Malformed(Exception):
    """A file that cannot be imported, with the reason in French."""


@dataclass
class Report:
    counts: dict[str, Counter] = field(default_factory=lambda: {kind: Counter() for kind in KINDS})
    errors: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    # The startups changed: slug → what changed (field names, or sponsors, phases, events...).
    changes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.changes) or any(c["created"] or c["updated"] for c in self.counts.values())


class ImportRejected(Exception):
    def __init__(self, report: Report):
        super().__init__(f"{len(report.errors)} fichier(s) rejeté(s)")
        self.report = report


# Reading files ----------------------------------------------------------------------------------


def read_front_matter(path: Path) -> tuple[dict, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise Malformed(f"fichier illisible en UTF-8 ({error.reason})") from error
    match = FRONT_MATTER.match(text)
    if not match:
        raise Malformed("en-tête YAML absent (le fichier doit commencer par « --- »)")
    try:
        data = yaml.load(match.group(1), Loader=YamlLoader)
    except yaml.YAMLError as error:
        raise Malformed(f"YAML invalide : {error}".replace("\n", " ")) from error
    except ValueError as error:  # a date-like value that is no date (2024-13-45)
        raise Malformed(f"date invalide dans l’en-tête YAML : {error}") from error
    if not isinstance(data, dict):
        raise Malformed("l’en-tête YAML n’est pas un dictionnaire de champs")
    return data, match.group(2).strip()


def record_id(path: Path) -> str:
    # Ids are file names without `.md`; they may contain dots (`1000.jours`), and one
    # organisation file has no extension at all (`_organisations/Préfecture`).
    return path.name.removesuffix(".md")


def record_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.is_file() and not p.name.startswith((".", "_"))
    )


def text(data: dict, key: str, *, max_length: int = 300) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise Malformed(f"le champ « {key} » doit être un texte")
    value = str(value).strip()
    if len(value) > max_length:
        raise Malformed(f"le champ « {key} » dépasse {max_length} caractères")
    return value


def url(data: dict, key: str) -> str:
    value = text(data, key, max_length=500)
    if value.startswith("/"):  # a path without a host is no link
        return ""
    if value and not value.startswith(("http://", "https://")):
        value = f"https://{value}"
    return value


def flag(data: dict, key: str) -> bool | None:
    """A yes/no of the front matter: None when absent or neither."""
    value = data.get(key)
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(str(value).strip().lower())


def a_date(value, what: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Malformed(f"{what} : date invalide « {value} » (attendu AAAA-MM-JJ)") from None


def reference(value, prefix: str) -> str:
    # `sponsors` values look like `/organisations/<id>`; bare ids are accepted too.
    if not isinstance(value, str) or not value.strip():
        raise Malformed(f"référence invalide « {value} »")
    return value.strip().removeprefix(f"/{prefix}/").strip("/")


def rows(data: dict, key: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise Malformed(f"le champ « {key} » doit être une liste")
    return value


# Parsing records ---------------------------------------------------------------------------------


def parse_organisation(slug: str, data: dict, body: str, warn) -> dict:
    return {
        "name": text(data, "name") or slug,
        "acronym": text(data, "acronym", max_length=200),
        "kind": text(data, "type", max_length=100),
        "ministerial_domain": text(data, "domaine_ministeriel", max_length=100),
    }


def parse_incubator(slug: str, data: dict, body: str, warn, *, organisations: set[str]) -> dict:
    owner = reference(data["owner"], "organisations") if data.get("owner") else None
    if owner and owner not in organisations:
        # A reference to an organisation the folder does not hold (real: `menj`).
        warn(f"organisation « {owner} » absente du dossier : incubateur importé sans organisation")
        owner = None
    return {
        "title": text(data, "title") or slug,
        "owner": owner,
        "short_description": text(data, "short_description", max_length=5000),
        "contact": text(data, "contact"),
        "website": url(data, "website"),
        "github": url(data, "github"),
        "address": text(data, "address", max_length=500),
        "hidden": bool(data.get("hidden")),
    }


def parse_phases(data: dict) -> list[dict]:
    phases = []
    for index, row in enumerate(rows(data, "phases"), start=1):
        if not isinstance(row, dict) or not row.get("name"):
            raise Malformed(f"phase n° {index} sans nom")
        name = str(row["name"]).strip()
        if name not in PHASE_NAMES:
            known = ", ".join(PHASE_NAMES)
            raise Malformed(f"phase n° {index} : nom inconnu « {name} » (connus : {known})")
        if not row.get("start"):
            raise Malformed(f"phase n° {index} ({name}) sans date de début")
        start = a_date(row["start"], f"phase n° {index} ({name})")
        end = a_date(row["end"], f"phase n° {index} ({name})") if row.get("end") else None
        if end and end < start:
            raise Malformed(f"phase n° {index} ({name}) : la fin précède le début")
        phases.append(
            {
                "name": name,
                "lifecycle": PHASE_NAMES[name].lifecycle,
                "start": start,
                "end": end,
                "end_is_declared": end is not None,
                "comment": text(row, "comment", max_length=5000),
            }
        )
    # Several phases can share a start date: the lifecycle orders them then.
    phases.sort(key=lambda p: (p["start"], p["lifecycle"].rank))
    for position, (phase, following) in enumerate(zip(phases, [*phases[1:], None], strict=False)):
        phase["position"] = position
        if phase["end"] is None and following:
            # A phase ends when the next one starts.
            phase["end"] = following["start"]
    return phases


def parse_events(data: dict) -> list[dict]:
    events = []
    for index, row in enumerate(rows(data, "events"), start=1):
        if not isinstance(row, dict) or not row.get("name") or not row.get("date"):
            raise Malformed(f"événement n° {index} sans nom ou sans date")
        name = str(row["name"]).strip()
        events.append(
            {
                "kind": name if name in EventKind.values else EventKind.OTHER,
                "name": name,
                "date": a_date(row["date"], f"événement n° {index} ({name})"),
                "comment": text(row, "comment", max_length=5000),
            }
        )
    events.sort(key=lambda e: (e["date"], e["name"], e["comment"]))
    return events


def parse_fast(data: dict) -> dict | None:
    fast = data.get("fast")
    if not fast:
        return None
    if not isinstance(fast, dict) or "montant" not in fast:
        raise Malformed("le champ « fast » doit contenir « promotion » et « montant »")
    try:
        amount = Decimal(str(fast["montant"]))
    except InvalidOperation:
        raise Malformed(f"montant FAST invalide « {fast['montant']} »") from None
    if amount < 0:
        raise Malformed("montant FAST négatif")
    return {"promotion": str(fast.get("promotion") or "").strip(), "amount": amount}


def parse_startup(
    slug: str, data: dict, body: str, warn, *, incubators: set, organisations: set
) -> dict:
    # `incubator` is one id; `incubators` (co-incubation), when present, wins.
    incubator_ids = [reference(i, "incubators") for i in rows(data, "incubators")]
    if not incubator_ids and data.get("incubator"):
        incubator_ids = [reference(data["incubator"], "incubators")]
    if not incubator_ids:
        raise Malformed("aucun incubateur (champ incubator)")
    for incubator in incubator_ids:
        if incubator not in incubators:
            raise Malformed(f"incubateur inconnu « {incubator} »")
    sponsors = sorted({reference(s, "organisations") for s in rows(data, "sponsors")})
    for sponsor in [s for s in sponsors if s not in organisations]:
        warn(f"sponsor « {sponsor} » absent du dossier _organisations : ignoré")
        sponsors.remove(sponsor)
    website = url(data, "link")
    # beta.gouv.fr's own rule: `stats: true` without `stats_url` is a stats page at `<link>/stats`.
    stats_page = f"{website}/stats" if website and flag(data, "stats") else ""
    return {
        "fields": {
            "name": text(data, "title") or slug,
            "pitch": text(data, "mission", max_length=2000),
            "description": body,
            "contact": text(data, "contact"),
            "website": website,
            "repository": url(data, "repository"),
            "stats_url": url(data, "stats_url") or stats_page,
            "budget_url": url(data, "budget_url"),
            "impact_url": url(data, "impact_url"),
            "dashlord_url": url(data, "dashlord_url"),
            "accessibility_status": text(data, "accessibility_status", max_length=100),
            "risk_analysis": flag(data, "analyse_risques"),
            "risk_analysis_url": url(data, "analyse_risques_url"),
            "secure_service": flag(data, "mon_service_securise"),
        },
        "incubator": incubator_ids[0],
        "co_incubators": sorted(set(incubator_ids[1:])),
        "sponsors": sponsors,
        "phases": parse_phases(data),
        "events": parse_events(data),
        "fast": parse_fast(data),
    }


def read_records(sources, parse, report: Report, kind: str) -> dict[str, dict]:
    """Parse each of `sources`, `(path, id, read)` where `read()` gives the front matter and
    the body; a record that is malformed is counted as rejected, with its reason."""
    records = {}
    for path, slug, read in sources:
        try:
            if slug in records:
                raise Malformed("identifiant en double")
            data, body = read()
            records[slug] = parse(
                slug, data, body, lambda reason, path=path: report.warnings.append((path, reason))
            )
        except Malformed as error:
            report.errors.append((path, str(error)))
            report.counts[kind]["rejected"] += 1
    return records


def read_kind(directory: Path, parse, report: Report, kind: str) -> dict[str, dict]:
    sources = [(p, record_id(p), partial(read_front_matter, p)) for p in record_files(directory)]
    return read_records(sources, parse, report, kind)


# Writing -----------------------------------------------------------------------------------------


def assign(obj, values: dict) -> list[str]:
    """Set on `obj` the values that differ; their names."""
    differing = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in differing:
        setattr(obj, name, values[name])
    return differing


def save_counted(model, *, new: list, changed: list, values: dict[str, dict], counts: Counter):
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, sorted({name for v in values.values() for name in v}))
    counts.update(
        created=len(new), updated=len(changed), unchanged=len(values) - len(new) - len(changed)
    )


def upsert(model, records: dict[str, dict], counts: Counter) -> dict:
    """Create or update rows by slug, counting; returns every row by slug."""
    existing = {obj.slug: obj for obj in model.objects.filter(slug__in=records)}
    new = [model(slug=slug, **values) for slug, values in records.items() if slug not in existing]
    changed = [obj for slug, obj in existing.items() if assign(obj, records[slug])]
    save_counted(model, new=new, changed=changed, values=records, counts=counts)
    return {obj.slug: obj for obj in model.objects.filter(slug__in=records)}


def fast_round(record: dict, promotion_dates: dict[str, datetime.date]) -> FundingRound | None:
    """The FAST co-funding as a round: it starts at the startup's own `fast` event, else at
    the date most startups of the same promotion give."""
    fast = record["fast"]
    own = [e["date"] for e in record["events"] if e["name"] == EventKind.FAST]
    start = max(own) if own else promotion_dates.get(fast["promotion"])
    if start is None:
        return None
    return FundingRound(
        label=f"Cofinancement FAST, promotion {fast['promotion']}".removesuffix(", promotion "),
        source=FundingSource.FAST,
        start=start,
        end=round_end(start, FAST_ROUND_MONTHS),
        amount_granted=fast["amount"],
    )


def promotion_start_dates(startups: dict[str, dict]) -> dict[str, datetime.date]:
    dates: dict[str, Counter] = {}
    for record in startups.values():
        if record.get("fast"):
            for event in record["events"]:
                if event["name"] == EventKind.FAST:
                    dates.setdefault(record["fast"]["promotion"], Counter())[event["date"]] += 1
    return {promotion: counter.most_common(1)[0][0] for promotion, counter in dates.items()}


PHASE_KEYS = ("position", "name", "lifecycle", "start", "end", "end_is_declared", "comment")
MERGED_PHASE_KEYS = (*PHASE_KEYS, "origin")
EVENT_KEYS = ("kind", "name", "date", "comment")
ROUND_KEYS = ("label", "start", "end", "amount_granted")


def as_rows(items, keys) -> list[tuple]:
    return [
        tuple(item[k] if isinstance(item, dict) else getattr(item, k) for k in keys)
        for item in items
    ]


def merged_phases(source: list[dict], comite: list[Phase]) -> list[dict]:
    """A startup's phases: the source's, and the ones Comité's decisions opened, which hold
    from their start. A source phase that repeats the Comité phase just before it is the source
    catching up with the decision: the same phase, not another. The ends that were not
    declared, and the positions, follow from the order (a phase ends when the next starts, the
    day before when the next is Comité's, as `phase_change` closes it)."""
    phases = sorted(
        [{**phase, "origin": Origin.BETAGOUV} for phase in source]
        + [
            {**as_dict(phase, PHASE_KEYS), "origin": Origin.COMITE, "pk": phase.pk}
            for phase in comite
        ],
        key=lambda p: (p["start"], p["origin"] == Origin.COMITE, Lifecycle(p["lifecycle"]).rank),
    )
    merged = []
    for phase in phases:
        previous = merged[-1] if merged else None
        if (
            previous
            and previous["origin"] == Origin.COMITE
            and phase["origin"] == Origin.BETAGOUV
            and phase["lifecycle"] == previous["lifecycle"]
        ):
            continue
        merged.append(phase)
    for position, (phase, following) in enumerate(zip(merged, [*merged[1:], None], strict=False)):
        phase["position"] = position
        if not phase["end_is_declared"]:
            phase["end"] = following and max(
                following["start"] - datetime.timedelta(days=following["origin"] == Origin.COMITE),
                phase["start"],
            )
    return merged


def as_dict(obj, keys) -> dict:
    return {key: getattr(obj, key) for key in keys}


def grouped(queryset, key: str) -> dict[int, list]:
    groups: dict[int, list] = {}
    for obj in queryset:
        groups.setdefault(getattr(obj, key), []).append(obj)
    return groups


def write_startups(
    records: dict[str, dict], incubators: dict, organisations: dict, report: Report, *, today=None
):
    counts = report.counts["startups"]
    promotion_dates = promotion_start_dates(records)
    fast_carried = [slug for slug, record in records.items() if "fast" in record]
    rounds = {}
    for slug, record in records.items():
        if record.get("fast"):
            rounds[slug] = fast_round(record, promotion_dates)
            if rounds[slug] is None:
                report.warnings.append(
                    (Path("_startups", slug), "cofinancement FAST sans date connue : tour non créé")
                )
    field_values = {
        slug: {
            **record["fields"],
            "incubator_id": incubators[record["incubator"]].pk,
            "missing_from_source_since": None,
        }
        for slug, record in records.items()
    }
    existing = {s.slug: s for s in Startup.objects.filter(slug__in=records)}
    ids = [s.pk for s in existing.values()]
    through_sponsors = Startup.sponsors.through.objects.filter(startup_id__in=ids)
    through_co = Startup.co_incubators.through.objects.filter(startup_id__in=ids)
    old_sponsors = grouped(through_sponsors.select_related("organisation"), "startup_id")
    old_co = grouped(through_co.select_related("incubator"), "startup_id")
    old_phases = grouped(
        Phase.objects.filter(startup_id__in=ids).order_by("position"), "startup_id"
    )
    old_events = grouped(StartupEvent.objects.filter(startup_id__in=ids), "startup_id")
    all_rounds = FundingRound.objects.filter(startup_id__in=ids).order_by("start")
    old_rounds = grouped(all_rounds, "startup_id")

    phases, events = {}, {}  # per slug: the merged phases, the source's events to keep
    new, changed, rebuilt = [], [], []
    for slug, values in field_values.items():
        startup = existing.get(slug)
        record = records[slug]
        pk = startup.pk if startup else None
        kept = [p for p in old_phases.get(pk, []) if p.origin == Origin.COMITE]
        phases[slug] = merged_phases(record["phases"], kept)
        comite_events = {
            (e.kind, e.date) for e in old_events.get(pk, []) if e.origin == Origin.COMITE
        }
        # A committee the source records too, once the members' space has caught up.
        events[slug] = [e for e in record["events"] if (e["kind"], e["date"]) not in comite_events]
        if startup is None:
            startup = Startup(slug=slug, **values)
            new.append(startup)
            rebuilt.append(startup)
            continue
        source_events = [e for e in old_events.get(pk, []) if e.origin == Origin.BETAGOUV]
        fast = [r for r in old_rounds.get(pk, []) if r.source == FundingSource.FAST]
        differs = {
            "sponsors": sorted(t.organisation.slug for t in old_sponsors.get(pk, []))
            != record["sponsors"],
            "co_incubators": sorted(t.incubator.slug for t in old_co.get(pk, []))
            != record["co_incubators"],
            "phases": as_rows(old_phases.get(pk, []), MERGED_PHASE_KEYS)
            != as_rows(phases[slug], MERGED_PHASE_KEYS),
            "events": sorted(as_rows(source_events, EVENT_KEYS))
            != sorted(as_rows(events[slug], EVENT_KEYS)),
            "fast": "fast" in record
            and as_rows(fast, ROUND_KEYS) != as_rows(filter(None, [rounds.get(slug)]), ROUND_KEYS),
        }
        children = [name for name, differ in differs.items() if differ]
        if differing := [name.removesuffix("_id") for name in assign(startup, values)] + children:
            changed.append(startup)
            report.changes[slug] = differing
        if children:
            rebuilt.append(startup)

    save_counted(Startup, new=new, changed=changed, values=field_values, counts=counts)

    rebuilt_ids = [s.pk for s in rebuilt]
    through_sponsors.model.objects.filter(startup_id__in=rebuilt_ids).delete()
    through_co.model.objects.filter(startup_id__in=rebuilt_ids).delete()
    Phase.objects.filter(startup_id__in=rebuilt_ids, origin=Origin.BETAGOUV).delete()
    StartupEvent.objects.filter(startup_id__in=rebuilt_ids, origin=Origin.BETAGOUV).delete()
    FundingRound.objects.filter(
        startup_id__in=rebuilt_ids, startup__slug__in=fast_carried, source=FundingSource.FAST
    ).delete()
    move_comite_phases([phase for s in rebuilt for phase in phases[s.slug] if "pk" in phase])
    sponsor_rows, co_rows, new_phases, new_events, new_rounds, contributions = (
        [],
        [],
        [],
        [],
        [],
        [],
    )
    for startup in rebuilt:
        record = records[startup.slug]
        sponsor_rows += [
            through_sponsors.model(startup=startup, organisation=organisations[o])
            for o in record["sponsors"]
        ]
        co_rows += [
            through_co.model(startup=startup, incubator=incubators[i])
            for i in record["co_incubators"]
        ]
        new_phases += [
            Phase(startup=startup, **phase) for phase in phases[startup.slug] if "pk" not in phase
        ]
        new_events += [StartupEvent(startup=startup, **event) for event in events[startup.slug]]
        if funding_round := rounds.get(startup.slug):
            funding_round.startup = startup
            new_rounds.append(funding_round)
            contributions.append(
                Contribution(
                    funding_round=funding_round,
                    funder=FAST_FUNDER,
                    amount=funding_round.amount_granted,
                )
            )
    through_sponsors.model.objects.bulk_create(sponsor_rows)
    through_co.model.objects.bulk_create(co_rows)
    Phase.objects.bulk_create(new_phases)
    StartupEvent.objects.bulk_create(new_events)
    FundingRound.objects.bulk_create(new_rounds)
    Contribution.objects.bulk_create(contributions)

    # Derived figures, from what was just read plus the rounds that Comité itself recorded (and
    # the FAST rounds the source does not carry).
    other_rounds = grouped(
        FundingRound.objects.filter(startup__slug__in=records)
        .exclude(source=FundingSource.FAST, startup__slug__in=fast_carried)
        .order_by("start"),
        "startup_id",
    )
    stale = []
    for startup in [*existing.values(), *new]:
        candidates = [*other_rounds.get(startup.pk, []), rounds.get(startup.slug)]
        before = [getattr(startup, name) for name in DERIVED_FIELDS]
        startup.set_derived(
            phases=[Phase(**phase) for phase in phases[startup.slug]],
            committee_dates=[
                e.date
                for e in old_events.get(startup.pk, [])
                if e.origin == Origin.COMITE and e.kind == EventKind.COMMITTEE
            ]
            + [e["date"] for e in events[startup.slug] if e["kind"] == EventKind.COMMITTEE],
            last_round=max(filter(None, candidates), key=lambda r: r.start, default=None),
            today=today,
        )
        if [getattr(startup, name) for name in DERIVED_FIELDS] != before:
            stale.append(startup)
    Startup.objects.bulk_update(stale, DERIVED_FIELDS)
    note_disagreements(records, phases, existing, report, today=today)


def move_comite_phases(merged: list[dict]) -> None:
    """Comité's phases keep what they say; only their place in the merged history and, for
    an open one that a later source phase follows, their end change. In two steps, as two of
    them may swap positions and a position is unique per startup."""
    existing = Phase.objects.in_bulk([phase["pk"] for phase in merged])
    moved = [
        existing[phase["pk"]]
        for phase in merged
        if assign(existing[phase["pk"]], {"position": phase["position"], "end": phase["end"]})
    ]
    if not moved:
        return
    final = [phase.position for phase in moved]
    for phase in moved:
        phase.position += 10_000
    Phase.objects.bulk_update(moved, ["position"])
    for phase, position in zip(moved, final, strict=True):
        phase.position = position
    Phase.objects.bulk_update(moved, ["position", "end"])


def note_disagreements(records, phases, existing, report: Report, *, today) -> None:
    """Where a startup's current phase is a decision's and the source's last phase says
    otherwise, a disagreement for staff (once per phase and source phase); the ones the source
    has come round to, or moved past, resolve themselves."""
    found, settled = [], []
    noticed_on = today or timezone.localdate()
    for slug, startup in existing.items():
        source, current = records[slug]["phases"], phases[slug][-1] if phases[slug] else None
        if (
            current
            and current["origin"] == Origin.COMITE
            and source
            and source[-1]["lifecycle"] != current["lifecycle"]
        ):
            found.append(
                SourceDisagreement(
                    phase_id=current["pk"], source_name=source[-1]["name"], noticed_on=noticed_on
                )
            )
        else:
            settled.append(startup.pk)
    SourceDisagreement.objects.bulk_create(found, ignore_conflicts=True)
    SourceDisagreement.objects.open().filter(phase__startup_id__in=settled).update(
        resolved_at=timezone.now()
    )
    for disagreement in (
        SourceDisagreement.objects.open()
        .filter(phase__startup__slug__in=records)
        .select_related("phase__startup")
    ):
        report.warnings.append(
            (Path("_startups", disagreement.phase.startup.slug), disagreement.text)
        )


def import_betagouv(directory: Path, *, today: datetime.date | None = None) -> Report:
    """Read and check every file, then write everything in one transaction, or nothing.

    `today` dates the derived figures (current phase, next committee due).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"Dossier introuvable : {directory}")
    report = Report()
    organisations = read_kind(
        directory / "_organisations", parse_organisation, report, "organisations"
    )
    parse = partial(parse_incubator, organisations=set(organisations))
    incubators = read_kind(directory / "_incubators", parse, report, "incubators")
    parse = partial(parse_startup, incubators=set(incubators), organisations=set(organisations))
    startups = read_kind(directory / "_startups", parse, report, "startups")
    return write_records(organisations, incubators, startups, report, today=today)


def write_records(organisations, incubators, startups, report: Report, *, today) -> Report:
    """Nothing if any record was rejected (ImportRejected); else everything, in one
    transaction."""
    if report.errors:
        raise ImportRejected(report)
    with transaction.atomic():
        organisation_rows = upsert(Organisation, organisations, report.counts["organisations"])
        for values in incubators.values():
            owner = values.pop("owner")
            values["owner_id"] = organisation_rows[owner].pk if owner else None
        incubator_rows = upsert(Incubator, incubators, report.counts["incubators"])
        write_startups(startups, incubator_rows, organisation_rows, report, today=today)
    return report
