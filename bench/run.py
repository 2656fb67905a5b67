"""`make bench`: builds the data, measures, prints a table and writes bench-results.json.

Each phase runs in a process of its own, on a PostgreSQL database of its own (Django reads
DATABASE_URL once, at start-up), and prints its figures as one JSON object on stdout:

- pages.py on comite_bench: the portfolio pages at 5,000 startups (data built once, then kept);
- pages.py on comite_bench_small: the same pages' query counts at 1 startup;
- importer.py on comite_bench_import, recreated each run: the real beta.gouv.fr import;
- measurements.py on comite_bench_measurements, recreated each run: 1,000,000 measurements
  through our CSV import, and a plain COPY and a COPY-then-upsert of the same rows;
- votes.py on comite_bench_votes, recreated each run: 50 voters through gunicorn (2 workers);
- documents.py on comite_bench_documents, recreated each run: a review dossier in process, and a
  20-startup session pack rendered by 1, then 2 real Celery workers on Redis.

`--only NAME` runs one phase (its figures only are written).

Targets and keys: ../shared/BENCH.md. Only figures measured in this run are written.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results.json"
SERVER = "postgres://postgres@127.0.0.1:5432"
STARTUPS = 5000
PHASES = ["pages", "import", "measurements", "votes", "documents"]
KEPT = {"comite_bench", "comite_bench_small"}


def at_most(limit):
    return f"≤ {limit}", lambda value, results: value <= limit


def equal_to(other, label):
    return f"= {label}", lambda value, results: value == results.get(other, value)


# key: (what, target, check)
FIGURES = {
    "portfolio_list_median_ms": ("portfolio list, 1st page", *at_most(50)),
    "portfolio_list_p95_ms": ("portfolio list, 1st page", *at_most(100)),
    "portfolio_filtered_median_ms": ("… with filters", *at_most(50)),
    "portfolio_search_median_ms": ("… with a text search", *at_most(50)),
    "portfolio_list_queries": (
        "list queries, 5,000 startups",
        *equal_to("portfolio_list_queries_small", "at 1"),
    ),
    "portfolio_list_queries_small": (
        "list queries, 1 startup",
        *equal_to("portfolio_list_queries", "at 5,000"),
    ),
    "startup_page_median_ms": ("a startup's page", *at_most(50)),
    "startup_page_p95_ms": ("a startup's page", *at_most(100)),
    "startup_page_queries": ("a startup's page, queries (max)", "–", None),
    "startup_page_metrics_median_ms": ("… with 10 metrics × 60 months", *at_most(80)),
    "report_page_metrics_median_ms": ("a semester report, figures afresh, same", *at_most(80)),
    "sponsor_portfolio_median_ms": ("a sponsor's portfolio, 500 startups", *at_most(50)),
    "sponsor_portfolio_queries": (
        "… queries, 500 startups",
        *equal_to("sponsor_portfolio_queries_small", "at 1"),
    ),
    "sponsor_portfolio_queries_small": (
        "… queries, 1 startup",
        *equal_to("sponsor_portfolio_queries", "at 500"),
    ),
    "import_betagouv_s": ("beta.gouv.fr import, 1st run", *at_most(10)),
    "import_betagouv_again_s": ("beta.gouv.fr import, 2nd run", *at_most(10)),
    "measurements_csv_1m_s": ("1M measurements, our CSV import", *at_most(30)),
    "measurements_copy_1m_s": ("… a plain COPY (floor)", "–", None),
    "measurements_copy_upsert_1m_s": ("… COPY, then upsert (floor)", "–", None),
    "vote_spread_median_ms": ("50 votes within 5 s, median", "–", None),
    "vote_spread_p95_ms": ("50 votes within 5 s (gunicorn)", *at_most(100)),
    "vote_burst_max_ms": ("50 votes at once, slowest", *at_most(1000)),
    "votes_recorded": ("votes in the database per item", "= 50", lambda v, _: v == 50),
    "dossier_10p_s": ("a ~10-page dossier, our whole path", *at_most(1.5)),
    "dossier_weasyprint_only_s": ("… WeasyPrint alone, same HTML", "–", None),
    "dossier_overhead_ratio": ("… ours / WeasyPrint alone", *at_most(1.25)),
    "dossier_pages": ("… its pages", "–", None),
    "pack_20_workers1_s": ("20-startup pack, 1 Celery worker", "–", None),
    "pack_20_workers2_s": ("20-startup pack, 2 Celery workers", *at_most(30)),
    "worker_peak_mb": ("a worker's peak memory (VmHWM)", *at_most(500)),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", default="50", help="measured requests per page (≥ 30)")
    parser.add_argument("--show-sql", action="store_true", help="print the pages' queries")
    parser.add_argument("--only", choices=PHASES, help="run this phase only")
    args = parser.parse_args()
    show_sql = ["--show-sql"] if args.show_sql else []
    phases = [
        (
            "pages",
            f"pages, {STARTUPS} startups",
            "comite_bench",
            "pages.py",
            ["--startups", str(STARTUPS), "--requests", args.requests, *show_sql],
            {},
        ),
        (
            "pages",
            "pages, 1 startup",
            "comite_bench_small",
            "pages.py",
            ["--startups", "1", "--queries-only", *show_sql],
            {
                "portfolio_list_queries": "portfolio_list_queries_small",
                "sponsor_portfolio_queries": "sponsor_portfolio_queries_small",
            },
        ),
        ("import", "beta.gouv.fr import", "comite_bench_import", "importer.py", [], {}),
        (
            "measurements",
            "1,000,000 measurements",
            "comite_bench_measurements",
            "measurements.py",
            [],
            {},
        ),
        ("votes", "50 voters", "comite_bench_votes", "votes.py", [], {}),
        ("documents", "PDF documents", "comite_bench_documents", "documents.py", [], {}),
    ]
    phases = [phase[1:] for phase in phases if args.only in (None, phase[0])]
    try:
        for _, database, *_ in phases:
            # The pages' data is built once, then kept; every other phase starts afresh.
            create_database(database, fresh=database not in KEPT)
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is not reachable at {SERVER}: {error}", file=sys.stderr)
        return 1

    results, failed = {}, []
    notes = [f"load average before: {load()}"]
    for title, database, script, script_args, keys in phases:
        print(f"• {title} ({database})…", file=sys.stderr, flush=True)
        output = run_phase(database, script, script_args)
        if output is None:
            failed.append(title)
            continue
        info = output.pop("info", {})
        if "skipped" in output:
            notes.append(f"{title}: skipped, {output.pop('skipped')}")
        if keys:  # a phase that contributes some figures only, under other names
            output = {keys[k]: v for k, v in output.items() if k in keys}
        results |= output
        notes += [f"{title}: {name} = {value}" for name, value in info.items()]

    notes.append(f"load average after: {load()} (the machine is shared: timings vary)")
    results = {key: results[key] for key in FIGURES if key in results}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results, notes, failed)
    return 1 if failed else 0


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg()) + f" on {os.cpu_count()} cores"


def create_database(name: str, *, fresh: bool = False) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        if fresh:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))
        exists = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not connection.execute(exists, [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def run_phase(database: str, script: str, args: list[str]) -> dict | None:
    """Run one phase's script on its database; its JSON output, or None when it failed."""
    env = os.environ | {
        "DATABASE_URL": f"{SERVER}/{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        # WhiteNoise warns that STATIC_ROOT does not exist: no collectstatic needed here.
        "PYTHONWARNINGS": "ignore:No directory at",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, str(ROOT / "bench" / script), *args]
    process = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if process.returncode != 0:
        print(f"  {script} failed (exit code {process.returncode})", file=sys.stderr)
        return None
    return json.loads(process.stdout.strip().splitlines()[-1])


def print_table(results: dict, notes: list[str], failed: list[str]) -> None:
    print(f"\n{'figure':<30} {'what':<34} {'target':>10} {'measured':>10}")
    print("-" * 92)
    for key, (what, target, check) in FIGURES.items():
        if key not in results:
            print(f"{key:<30} {what:<34} {target:>10} {'–':>10}  not measured")
            continue
        value = results[key]
        verdict = "" if check is None else ("ok" if check(value, results) else "MISSED")
        print(f"{key:<30} {what:<34} {target:>10} {value:>10}  {verdict}")
    print()
    for note in notes:
        print(f"  {note}")
    for title in failed:
        print(f"  {title}: FAILED, no figures (see the errors above)")
    print(f"\nWritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
