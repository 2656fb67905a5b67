"""The PDF documents: one review dossier in process, and a session pack of 20 dossiers
rendered by real Celery workers on Redis.

Run by bench/run.py on a database it has just recreated. Redis: BENCH_REDIS_URL, by default
DEFAULT_REDIS, purged first and given to this process and the workers as REDIS_URL (the enqueue
goes to Redis, never eager). Builds the data from the real
beta.gouv.fr portfolio: one committee, a session with 20 startups on its agenda, each with
6 metrics over 24 months, funding rounds and budget lines (as setup_demo_metrics makes them) and
a submitted semester report (the texts of setup_demo_reports). Then:

- `dossier_10p_s`: median over RUNS runs, after a warm-up, of `document_render` on a fresh
  `Document` (claim, HTML from the database, WeasyPrint, store) for the dossier closest to
  10 pages; `dossier_weasyprint_only_s`: WeasyPrint alone on the same HTML, with the same URL
  fetcher and base URL; their ratio is the overhead of our code;
- `pack_20_workers1_s`, `pack_20_workers2_s`: 1, then 2 fresh Celery workers (solo pool, each
  warmed up with one dossier sent to a queue of its own), the pack asked for with
  `document_request`, timed until its row is done (polled every 50 ms); the pack's pages are
  checked against its dossiers';
- `worker_peak_mb`: the largest VmHWM (peak resident memory) of the workers, read from /proc
  before they stop.

Prints one JSON object on stdout.
"""

import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
AGENDA = 20
PAGES = 10  # the dossier timed is the one closest to this length
RUNS = 7
POLL_S = 0.05
TIMEOUT_S = 300
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"


def main() -> None:
    # Purged: never the REDIS_URL of the environment, which may be a development Redis.
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    with tempfile.TemporaryDirectory(prefix="comite-bench-media-") as media:
        os.environ["MEDIA_ROOT"] = media  # read by the settings, here and in the workers
        django.setup()
        with redirect_stdout(sys.stderr):
            result = measure()
    print(json.dumps(result))


def measure() -> dict:
    import redis
    from django.conf import settings
    from django.core.management import call_command

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        raise SystemExit("REDIS_URL is not set: the tasks would run in this process")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    session = build()
    built_s = time.perf_counter() - started
    dossier = dossier_figures(session)
    packs = [pack_figures(session, workers) for workers in (1, 2)]
    expected = sum(dossier["pages"].values())
    return {
        "dossier_10p_s": dossier["ours"],
        "dossier_weasyprint_only_s": dossier["weasyprint"],
        "dossier_pages": dossier["timed_pages"],
        "dossier_overhead_ratio": round(dossier["ours"] / dossier["weasyprint"], 3),
        "pack_20_workers1_s": packs[0]["seconds"],
        "pack_20_workers2_s": packs[1]["seconds"],
        "worker_peak_mb": max(max(pack["peaks_mb"]) for pack in packs),
        "info": {
            "data built in s": round(built_s, 1),
            "dossier timed": dossier["timed"],
            "dossiers' pages (in process)": ", ".join(map(str, dossier["pages"].values())),
            "dossier runs s (ours)": dossier["ours_runs"],
            "dossier runs s (WeasyPrint alone)": dossier["weasyprint_runs"],
            "dossier median CPU s": dossier["cpu"],
            **{
                f"pack, {n} worker{'s' * (n > 1)}": (
                    f"{pack['pages']} pages = {pack['front']} front + {pack['parts_pages']} "
                    f"of {AGENDA} dossiers (in process: {expected}); worker peaks MB "
                    f"{pack['peaks_mb']}; workers' CPU {pack['cpu_s']} s; at most "
                    f"{pack['at_once']} dossiers rendering at once; merge {pack['merge_s']} s"
                )
                for n, pack in zip((1, 2), packs, strict=True)
            },
        },
    }


# The data -------------------------------------------------------------------------------------


def build():
    """The real portfolio, then a committee of the DINUM's incubator and its next session with
    20 sponsored startups on the agenda (the demo's five first), each with 6 metrics, money and
    a submitted report."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from committees.models import Committee, Review, Session
    from metrics.management.commands.setup_demo_metrics import STARTUPS
    from startups.models import Incubator, Startup

    call_command_quiet("import_betagouv", str(settings.BETAGOUV_DATA_DIR))
    today = timezone.localdate()
    incubator = Incubator.objects.get(slug="dinum")
    demos = {demo.slug: demo for demo in STARTUPS}
    chosen = list(Startup.objects.filter(slug__in=demos).order_by("slug"))
    others = (
        Startup.objects.filter(incubator=incubator, sponsors__isnull=False)
        .exclude(slug__in=demos)
        .distinct()
        .order_by("slug")
    )
    chosen += list(others[: AGENDA - len(chosen)])
    day = today + datetime.timedelta(days=21)
    with transaction.atomic():
        committee = Committee.objects.create(
            name="Comité d’investissement du bench", incubator=incubator
        )
        session = Session.objects.create(
            committee=committee,
            starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(14))),
            place="DINUM, 20 avenue de Ségur, 75007 Paris",
        )
        for position, startup in enumerate(chosen):
            review = Review.objects.create(session=session, startup=startup, position=position)
            money_and_metrics(startup, demos.get(startup.slug), today)
            report(review, position, today)
    return session


def call_command_quiet(*args) -> None:
    from django.core.management import call_command

    output = io.StringIO()
    call_command(*args, stdout=output, stderr=output)


def extra_series(seed: float):
    from metrics.enums import Aggregation, Dimension, Direction
    from metrics.management.commands.setup_demo_metrics import Series, rate

    return (
        Series(
            "Nouveaux comptes créés",
            "comptes",
            Dimension.USED,
            "Comptes créés par de nouveaux usagers dans le mois.",
            800 * seed,
            1_400 * seed,
        ),
        Series(
            "Délai de traitement médian",
            "jours",
            Dimension.USEFUL,
            "Jours entre le dépôt d’une demande et la réponse de l’administration, en médiane.",
            34,
            21,
            aggregation=Aggregation.AVERAGE,
            direction=Direction.LOWER,
            august=1.2,
        ),
        rate(
            "Disponibilité du service",
            Dimension.USABLE,
            "Part du temps où le service répond, mesurée toutes les minutes.",
            99.2,
            99.8,
        ),
    )


def generic(slug: str, seed: float):
    """Six metrics for a startup the demo does not know, sized by `seed`."""
    from metrics.enums import Dimension
    from metrics.management.commands.setup_demo_metrics import (
        DemoStartup,
        active_users,
        north_star,
        rate,
    )

    first = 2_000 * seed
    return DemoStartup(
        slug,
        (
            north_star(
                "Démarches abouties",
                "démarches",
                "Démarches menées à leur terme par les usagers dans le mois.",
                first,
                first * 1.6,
            ),
            active_users(
                "Usagers actifs mensuels",
                "Personnes ayant utilisé le service au moins une fois dans le mois.",
                first * 3,
                first * 4.5,
            ),
            rate(
                "Satisfaction des usagers",
                Dimension.USEFUL,
                "Part des répondants satisfaits ou très satisfaits au questionnaire du service.",
                72,
                81,
            ),
            *extra_series(seed)[:3],
        ),
        # About 300,000 € a semester, the cost per démarche falling as the use grows.
        cost_per_unit=tuple(f"{300_000 / (6 * first * f):.2f}" for f in (1.15, 1.3, 1.45)),
    )


def money_and_metrics(startup, demo, today) -> None:
    """6 metrics × 24 months, objectives, funding rounds and budget lines, as
    setup_demo_metrics makes them (the demo's 3 metrics and 3 more for its startups)."""
    from metrics.management.commands.setup_demo_metrics import Command

    seed = 1 + (sum(map(ord, startup.slug)) % 9)
    if demo:
        demo = replace(demo, series=demo.series + extra_series(seed), stops_months_ago=0)
    else:
        demo = generic(startup.slug, seed)
    command = Command(stdout=io.StringIO())
    command.created = dict.fromkeys(["indicateurs", "mesures", "objectifs", "lignes", "tours"], 0)
    command.add_startup(startup, demo, today)


def report(review, position: int, today) -> None:
    """A submitted report with the texts of one of the demo's written reports, the startup's
    own pitch and the amount of its budget forecast."""
    from django.db.models import Sum

    from committees.management.commands.setup_demo_reports import REPORTS, cleaned
    from committees.reports.services import report_section_save, report_start, report_submit

    written = [demo for demo in REPORTS if demo.sections]
    demo = written[position % len(written)]
    sections = {key: dict(data) | demo.revised.get(key, {}) for key, data in demo.sections.items()}
    startup = review.startup
    if startup.pitch:
        sections["identity"]["pitch"] = startup.pitch
    following = review.semester + 1
    forecast = startup.budget_lines.filter(
        year=following.year, half=following.half, nature="forecast"
    ).aggregate(total=Sum("paid"))["total"]
    sections["request"] |= {
        "amount": str((forecast or Decimal(demo.default_amount)).quantize(Decimal("1"))),
        "duration_months": "6",
    }
    semester_report = report_start(startup=startup, semester=review.semester, by=None)
    for key, data in sections.items():
        report_section_save(report=semester_report, key=key, data=cleaned(key, data), by=None)
    report_submit(report=semester_report, by=None, today=today)


# One dossier in process -----------------------------------------------------------------------


def dossier_figures(session) -> dict:
    """Every dossier rendered once (their lengths, and the warm-up), then the one closest to
    10 pages: our whole path and WeasyPrint alone, alternated, RUNS times each."""
    from weasyprint import HTML

    from committees.documents import pdf
    from committees.documents.dossiers import dossier_html
    from committees.documents.services import document_render
    from committees.enums import DocumentKind, DocumentStatus
    from committees.models import Document

    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
    pages = {review: pdf.render(dossier_html(review)).pages for review in reviews}
    review = min(reviews, key=lambda r: (abs(pages[r] - PAGES), -pages[r]))
    html = dossier_html(review)
    ours, alone, ours_cpu, alone_cpu = [], [], [], []
    for _ in range(RUNS):
        document = Document.objects.create(
            session=session, kind=DocumentKind.DOSSIER, review=review
        )
        started, cpu = time.perf_counter(), time.process_time()
        document_render(document.pk)
        ours.append(time.perf_counter() - started)
        ours_cpu.append(time.process_time() - cpu)
        document.refresh_from_db()
        assert document.status == DocumentStatus.DONE, (document.status, document.error)
        started, cpu = time.perf_counter(), time.process_time()
        bare = HTML(string=html, base_url=pdf.ORIGIN, url_fetcher=pdf.StaticFetcher())
        bare.write_pdf(pdf_variant=pdf.TAGGED)  # the same tagged PDF as the dossier's
        alone.append(time.perf_counter() - started)
        alone_cpu.append(time.process_time() - cpu)
    return {
        "ours": round(statistics.median(ours), 3),
        "weasyprint": round(statistics.median(alone), 3),
        "ours_runs": [round(s, 2) for s in ours],
        "weasyprint_runs": [round(s, 2) for s in alone],
        # CPU time of this process: what the machine's other load does not stretch (the
        # database's share of our path is not in it).
        "cpu": f"ours {statistics.median(ours_cpu):.3f}, WeasyPrint alone "
        f"{statistics.median(alone_cpu):.3f}",
        "timed": f"{review.startup.name}, {document.pages} pages",
        "timed_pages": document.pages,
        "pages": {review.startup.slug: n for review, n in pages.items()},
    }


# The pack with real workers -------------------------------------------------------------------


def start_worker(number: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        f"celery,bench{number}",  # a queue of its own for the warm-up
        "-n",
        f"bench{number}@%h",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=os.environ, stdout=sys.stderr)


def wait_done(document_id: int, *, parts: dict | None = None) -> None:
    """Until the row is done, polled every POLL_S; `parts` collects the pages, claim and end
    times of the pack's parts as they finish (the pack's merge deletes them)."""
    from committees.enums import DocumentStatus
    from committees.models import Document

    deadline = time.monotonic() + TIMEOUT_S
    while True:
        status, error = Document.objects.filter(pk=document_id).values_list("status", "error").get()
        if status == DocumentStatus.DONE:
            return
        if status == DocumentStatus.FAILED or time.monotonic() > deadline:
            raise RuntimeError(f"document {document_id}: {status} {error}")
        if parts is not None:
            done = Document.objects.filter(pack=document_id, status=DocumentStatus.DONE)
            rows = done.values_list("pk", "pages", "claimed_at", "finished_at")
            parts |= {pk: values for pk, *values in rows}
        time.sleep(POLL_S)


def cpu_s(worker: subprocess.Popen) -> float:
    """User and system time of the process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{worker.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def at_once(intervals: list[tuple]) -> int:
    """The largest number of (start, end) intervals that overlap."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def peak_mb(worker: subprocess.Popen) -> float:
    status = Path(f"/proc/{worker.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


def pack_figures(session, workers: int) -> dict:
    from committees.documents import pdf
    from committees.documents.services import read
    from committees.enums import DocumentKind
    from committees.models import Document
    from committees.tasks import document_request, render_document

    review = session.reviews.order_by("position", "id").first()
    processes = [start_worker(number) for number in range(1, workers + 1)]
    try:
        for number in range(1, workers + 1):  # also waits for the worker to be up
            warm = Document.objects.create(
                session=session, kind=DocumentKind.DOSSIER, review=review
            )
            render_document.apply_async([warm.pk], queue=f"bench{number}")
            wait_done(warm.pk)
        parts = {}
        cpu = sum(cpu_s(process) for process in processes)
        started = time.perf_counter()
        pack = document_request(session=session, kind=DocumentKind.PACK)
        wait_done(pack.pk, parts=parts)
        seconds = time.perf_counter() - started
        cpu = sum(cpu_s(process) for process in processes) - cpu
        peaks = [peak_mb(process) for process in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    pack.refresh_from_db()
    in_file = pdf.page_count(read(pack))
    parts_pages = sum(pages for pages, _, _ in parts.values())
    if len(parts) != AGENDA or in_file != pack.pages or pack.pages <= parts_pages:
        raise RuntimeError(f"pack: {len(parts)} parts, {pack.pages} pages, {in_file} in the file")
    return {
        "seconds": round(seconds, 2),
        "pages": pack.pages,
        "parts_pages": parts_pages,
        "front": pack.pages - parts_pages,
        "peaks_mb": peaks,
        "cpu_s": round(cpu, 1),
        "at_once": at_once([(start, end) for _, start, end in parts.values()]),
        "merge_s": round((pack.finished_at - pack.claimed_at).total_seconds(), 2),
    }


if __name__ == "__main__":
    main()
