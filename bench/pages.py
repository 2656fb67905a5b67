"""The portfolio pages, measured in-process with Django's test client as a logged-in user.

Run by bench/run.py, which sets DATABASE_URL and the rest of the environment. Builds the synthetic
portfolio when the database does not hold it yet, then prints one JSON object on stdout: timings
(median and 95th percentile, in ms, after a warm-up) and SQL query counts per page. With
`--queries-only`, only the query counts.
"""

import argparse
import json
import math
import random
import statistics
import sys
import time
from contextlib import redirect_stdout
from urllib.parse import urlencode

import django
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

WARMUP = 5
FILTERS = {"phase": "construction", "suivi": "actives", "comite": "45"}
SEARCHES = ["logement", "santé", "emploi", "dossier", "agriculteurs"]
BENCH_USER = "bench@comite.example.org"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--startups", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page")
    parser.add_argument("--queries-only", action="store_true")
    parser.add_argument("--show-sql", action="store_true", help="print each page's queries")
    args = parser.parse_args()
    django.setup()
    # Anything printed while working (migrations, the app) goes to stderr: stdout is the result.
    with redirect_stdout(sys.stderr):
        result = measure(args)
    print(json.dumps(result))


def measure(args) -> dict:
    from django.core.management import call_command
    from synthetic import ensure_portfolio

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if ensure_portfolio(startups=args.startups, seed=args.seed):
        print(f"  built {args.startups} startups in {time.perf_counter() - started:.1f} s")
    client = logged_in_client()

    portfolio = reverse("startups:portfolio")
    filtered = f"{portfolio}?{urlencode(FILTERS)}"
    searches = [f"{portfolio}?{urlencode({'q': text})}" for text in SEARCHES]
    slugs = sample_slugs(args.requests + WARMUP, seed=args.seed)
    details = [reverse("startups:detail", args=[slug]) for slug in slugs]

    detail_queries = [
        count_queries(client, url, show=args.show_sql and url == details[0]) for url in details
    ]
    # All its startups, stopped ones included: the same page at 500 startups and at 1.
    sponsor = reverse(
        "committees:sponsor-portfolio",
        args=[
            ensure_sponsor_portfolio(
                seed=args.seed, exclude=None if args.queries_only else slugs[0]
            )
        ],
    )
    sponsor += "?statut=toutes"
    sponsor_client = logged_in_client(SPONSOR_USER)
    result = {
        "portfolio_list_queries": count_queries(client, portfolio, args.show_sql),
        "startup_page_queries": max(detail_queries),
        "sponsor_portfolio_queries": count_queries(sponsor_client, sponsor, args.show_sql),
    }
    info = {
        "startups": startup_count(),
        "startup_page_queries (min, max)": (min(detail_queries), max(detail_queries)),
    }
    if args.queries_only:
        return result | {"info": info}

    info |= {
        "filtered: startups, queries": (
            startup_count(FILTERS),
            count_queries(client, filtered, args.show_sql),
        ),
        "search: startups per term": {text: startup_count({"q": text}) for text in SEARCHES},
        "search: queries": count_queries(client, searches[0], args.show_sql),
    }
    with_metrics = reverse("startups:detail", args=[ensure_metrics_startup(slugs[0])])
    report = ensure_report(slugs[0]).get_absolute_url()
    timings = timed(
        client,
        {
            "portfolio_list": [portfolio],
            "portfolio_filtered": [filtered],
            "portfolio_search": searches,
            "startup_page": details,
            "startup_page_metrics": [with_metrics],
            "report_page_metrics": [report],
        },
        args.requests,
    )
    info["startup_page_metrics: queries"] = count_queries(client, with_metrics, args.show_sql)
    info["report_page_metrics: queries"] = count_queries(client, report, args.show_sql)
    for key, (median, p95) in timings.items():
        result[f"{key}_median_ms"] = median
        if key in ("portfolio_list", "startup_page"):
            result[f"{key}_p95_ms"] = p95
        else:
            info[f"{key}_p95_ms"] = p95
    # The sponsor's portfolio, measured as its representative (not a superuser).
    sponsor_timings = timed(sponsor_client, {"sponsor_portfolio": [sponsor]}, args.requests)
    result["sponsor_portfolio_median_ms"], info["sponsor_portfolio_p95_ms"] = sponsor_timings[
        "sponsor_portfolio"
    ]
    info["sponsor_portfolio: startups funded"] = funded_count(SPONSOR_SLUG)
    info["requests per page"] = args.requests
    return result | {"info": info}


def ensure_metrics_startup(slug: str) -> str:
    """Give one startup 10 metrics of 60 months each (once), as a busy team would have."""
    import datetime
    from decimal import Decimal

    from metrics.enums import Aggregation, Dimension, MeasurementSource
    from metrics.models import Measurement, Metric, MetricDefinition
    from startups.dates import add_months

    if Metric.objects.filter(startup__slug=slug).count() == 10:
        return slug
    Metric.objects.filter(startup__slug=slug).delete()
    first = add_months(datetime.date.today().replace(day=1), -60)
    dimensions = list(Dimension)
    for n in range(10):
        metric = Metric.objects.create(
            startup_id=Metric._meta.get_field("startup").related_model.objects.get(slug=slug).pk,
            label=f"Indicateur {n + 1}",
            unit="usages",
            dimension=dimensions[n % len(dimensions)],
            is_north_star=n == 0,
            aggregation=Aggregation.SUM,
        )
        definition = MetricDefinition.objects.create(
            metric=metric, valid_from=first, text="Usages du mois"
        )
        Measurement.objects.bulk_create(
            Measurement(
                metric=metric,
                month=add_months(first, m),
                value=Decimal(1000 + 40 * m + 7 * n),
                definition=definition,
                source=MeasurementSource.DEMO,
            )
            for m in range(60)
        )
    return slug


SPONSOR_SHARE = 500  # of the 5,000 startups: the largest real sponsor's share, scaled
SPONSOR_SLUG = "bench-sponsor"
SPONSOR_USER = "bench-sponsor@comite.example.org"


def ensure_sponsor_portfolio(*, seed: int, exclude: str | None = None) -> str:
    """An organisation sponsoring 500 startups (all of them in a smaller base), each with a
    north-star metric measured for 18 months, a decision in force that set two objectives (one
    due, one to come) and its own rounds (the synthetic ones); and a representative of it.
    Built once, never on `exclude` (the startup whose metrics `ensure_metrics_startup` sets);
    its slug."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from committees.enums import Outcome, ReviewStatus, SessionStatus
    from committees.models import Committee, Decision, Review, Session
    from metrics.enums import Aggregation, Dimension, MeasurementSource
    from metrics.models import Measurement, Metric, MetricDefinition, Objective
    from startups.dates import add_months
    from startups.models import Organisation, SponsorRepresentative, Startup

    organisation, _ = Organisation.objects.get_or_create(
        slug=SPONSOR_SLUG, defaults={"name": "Direction du banc d’essai", "acronym": "DBE"}
    )
    user = get_user_model().objects.filter(email=SPONSOR_USER).first()
    user = user or get_user_model().objects.create_user(SPONSOR_USER)
    SponsorRepresentative.objects.get_or_create(user=user, organisation=organisation)
    through = Startup.sponsors.through
    pks = list(Startup.objects.exclude(slug=exclude).order_by("pk").values_list("pk", flat=True))
    wanted = min(SPONSOR_SHARE, len(pks))
    if through.objects.filter(organisation=organisation).count() == wanted:
        return SPONSOR_SLUG
    chosen = sorted(random.Random(seed).sample(pks, wanted))
    through.objects.bulk_create(
        [through(startup_id=pk, organisation=organisation) for pk in chosen],
        ignore_conflicts=True,
    )
    today = timezone.localdate()
    first = add_months(today.replace(day=1), -18)
    metrics = Metric.objects.bulk_create(
        Metric(
            startup_id=pk,
            label="Usagers servis",
            unit="usagers",
            dimension=Dimension.IMPACTFUL,
            is_north_star=True,
            aggregation=Aggregation.SUM,
            position=99,
        )
        for pk in chosen
    )
    definitions = MetricDefinition.objects.bulk_create(
        MetricDefinition(metric=metric, valid_from=first, text="Usagers servis dans le mois")
        for metric in metrics
    )
    Measurement.objects.bulk_create(
        (
            Measurement(
                metric=metric,
                month=add_months(first, m),
                value=Decimal(500 + 20 * m + n % 97),
                definition=definition,
                source=MeasurementSource.DEMO,
            )
            for n, (metric, definition) in enumerate(zip(metrics, definitions, strict=True))
            for m in range(18)
        ),
        batch_size=2000,
    )
    objectives = Objective.objects.bulk_create(
        Objective(metric=metric, target=Decimal(target), due_on=due)
        for metric in metrics
        for target, due in ((700, add_months(first, 12)), (2000, add_months(today, 3)))
    )
    committee = Committee.objects.create(
        name="Comité du banc d’essai", incubator=Startup.objects.get(pk=chosen[0]).incubator
    )
    held = timezone.now() - datetime.timedelta(days=60)
    session = Session.objects.create(
        committee=committee,
        starts_at=held,
        status=SessionStatus.CLOSED,
        convened_at=held,
        opened_at=held,
        closed_at=held,
    )
    reviews = Review.objects.bulk_create(
        Review(
            session=session,
            startup_id=pk,
            position=n,
            status=ReviewStatus.DECIDED,
            vote_opened_at=held,
            vote_closed_at=held,
        )
        for n, pk in enumerate(chosen)
    )
    outcomes = [Outcome.REFINANCE, Outcome.REFINANCE, Outcome.ADJUST, Outcome.STOP]
    decisions = Decision.objects.bulk_create(
        Decision(
            review=review,
            outcome=outcomes[n % 4],
            amount=Decimal(0 if outcomes[n % 4] == Outcome.STOP else 250_000),
            months=None if outcomes[n % 4] == Outcome.STOP else 6,
        )
        for n, review in enumerate(reviews)
    )
    Decision.objectives.through.objects.bulk_create(
        Decision.objectives.through(decision=decision, objective=objective)
        for n, decision in enumerate(decisions)
        for objective in objectives[2 * n : 2 * n + 2]
    )
    return SPONSOR_SLUG


def funded_count(slug: str) -> int:
    from startups.models import Startup

    return Startup.sponsors.through.objects.filter(organisation__slug=slug).count()


def ensure_report(slug: str):
    """A draft semester report, every section written, for the startup with 10 metrics: its
    reading page computes the pre-filled figures afresh (the heaviest case)."""
    from committees.models import SemesterReport
    from committees.reports.sections import SECTIONS
    from committees.reports.services import report_section_save, report_start
    from startups.dates import Semester
    from startups.models import Startup

    startup = Startup.objects.get(slug=slug)
    existing = SemesterReport.objects.filter(startup=startup).first()
    if existing:
        return existing
    report = report_start(startup=startup, semester=Semester(2026, 2), by=None)
    for key, form in SECTIONS.items():
        data = dict.fromkeys(form().fields, "Texte de l’équipe. " * 20)
        report_section_save(report=report, key=key, data=data, by=None)
    return report


def logged_in_client(email: str = BENCH_USER) -> Client:
    """A client signed in as the bench's superuser, or as `email` (who must exist)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(email=email).first() or User.objects.create_superuser(email)
    client = Client()
    client.force_login(user)
    return client


def sample_slugs(count: int, *, seed: int) -> list[str]:
    """Slugs spread over the portfolio; the first ones (the warm-up) differ from the measured."""
    from startups.models import Startup

    slugs = list(Startup.objects.order_by("pk").values_list("slug", flat=True))
    rng = random.Random(seed)
    return rng.sample(slugs, min(count, len(slugs))) if len(slugs) > count else slugs


def startup_count(filters: dict | None = None) -> int:
    """How many startups the page lists (its filter form, applied outside the view)."""
    from startups.forms import PortfolioFilterForm
    from startups.models import Startup

    form = PortfolioFilterForm(filters or {})
    assert form.is_valid(), form.errors
    return form.filter(Startup.objects.all()).count()


def get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}")
    return response


def count_queries(client: Client, url: str, show: bool = False) -> int:
    get(client, url)  # not the first request of this kind: no one-off queries counted
    with CaptureQueriesContext(connection) as queries:
        get(client, url)
    if show:
        print(f"\n-- {url}: {len(queries)} queries", file=sys.stderr)
        for query in queries.captured_queries:
            print(f"   {float(query['time']) * 1000:6.1f} ms  {query['sql']}", file=sys.stderr)
    return len(queries)


def timed(client: Client, pages: dict[str, list[str]], n: int) -> dict:
    """Median and 95th percentile (nearest rank) of n requests per page, in ms, after a warm-up.

    The pages take turns, request by request, so that a busy moment of the machine weighs on all
    of them alike. A page's URLs are taken in turn; with more URLs than requests, the first ones
    serve the warm-up only.
    """
    rounds = {}
    for key, urls in pages.items():
        warmup, measured = (urls[:WARMUP], urls[WARMUP:]) if len(urls) > n else (urls, urls)
        for i in range(WARMUP):
            get(client, warmup[i % len(warmup)])
        rounds[key] = measured
    times = {key: [] for key in pages}
    for i in range(n):
        for key, urls in rounds.items():
            start = time.perf_counter()
            get(client, urls[i % len(urls)])
            times[key].append((time.perf_counter() - start) * 1000)
    return {
        key: (round(statistics.median(t), 1), round(sorted(t)[math.ceil(0.95 * n) - 1], 1))
        for key, t in times.items()
    }


if __name__ == "__main__":
    main()
