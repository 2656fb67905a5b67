"""1,000,000 measurements through our CSV import, against the database's own floors, same run.

Run by bench/run.py on a database it has just recreated. A month is between 2000 and today, so a
million values of one startup means thousands of metrics: 4,000 metrics × 250 months, in the
layout of the downloadable template (one column per metric, ~8 MB, under the upload's limit).
Prints one JSON object on stdout:

- `measurements_csv_1m_s`: `csv_apply` on the file's bytes, into the empty measurements table
  (decode, parse, check every cell with parse_month/parse_value, COPY into a temporary table,
  count, one upsert setting each value's definition);
- `measurements_copy_1m_s`: a plain COPY of the same rows, already in COPY's text format, into an
  empty copy of the table (its indexes and constraints, not its foreign keys);
- `measurements_copy_upsert_1m_s`: COPY of the same rows into a temporary table, then one
  `INSERT … ON CONFLICT … DO UPDATE … WHERE value IS DISTINCT FROM` into another empty copy;
- info: the check and the preview alone, the import again (all unchanged), the whole flow through
  the pages (upload, preview, apply) with every value changed, and the peak memory.
"""

import datetime
import json
import random
import resource
import sys
import time
from contextlib import redirect_stdout
from decimal import Decimal

import django

METRICS = 4000
MONTHS = 250
FIRST_MONTH = datetime.date(2005, 1, 1)
SEED = 2026
SECOND_DEFINITION = datetime.date(2015, 1, 1)
NOW = "2026-01-01 00:00:00+00"
COLUMNS = "(metric_id, month, value, definition_id, source, updated_at)"


def main() -> None:
    django.setup()
    with redirect_stdout(sys.stderr):
        result = measure()
    print(json.dumps(result))


def months() -> list[datetime.date]:
    return [
        datetime.date(FIRST_MONTH.year + (FIRST_MONTH.month - 1 + n) // 12, (n % 12) + 1, 1)
        for n in range(MONTHS)
    ]


def build_startup():
    """A startup with METRICS metrics; half of them changed definition in 2015."""
    from metrics.enums import Dimension
    from metrics.models import Metric, MetricDefinition
    from startups.models import Incubator, Organisation, Startup

    owner = Organisation.objects.create(slug="bench", name="Banc d’essai", kind="autre")
    incubator = Incubator.objects.create(slug="bench", title="Banc d’essai", owner=owner)
    startup = Startup.objects.create(slug="bench-mesures", name="Mesures", incubator=incubator)
    metrics = Metric.objects.bulk_create(
        Metric(
            startup=startup,
            label=f"Indicateur {n:04}",
            unit="dossiers",
            dimension=Dimension.USED,
            position=n,
        )
        for n in range(METRICS)
    )
    definitions = [
        MetricDefinition(metric=metric, valid_from=datetime.date(2000, 1, 1), text="Au début")
        for metric in metrics
    ] + [
        MetricDefinition(metric=metric, valid_from=SECOND_DEFINITION, text="Depuis 2015")
        for metric in metrics[::2]
    ]
    MetricDefinition.objects.bulk_create(definitions, batch_size=2000)
    # (metric, from 2015 on) → the definition in force
    in_force = {}
    for definition in definitions:
        later = definition.valid_from == SECOND_DEFINITION
        in_force[definition.metric_id, later] = definition.pk
        in_force.setdefault((definition.metric_id, True), definition.pk)
    return startup, metrics, in_force


def wide_csv(metrics, values) -> bytes:
    """The file as a team would send it: `;`, French decimal commas, UTF-8 with a BOM."""
    lines = [";".join(["mois", *(metric.label for metric in metrics)])]
    for month, row in zip(months(), values, strict=True):
        lines.append(";".join([f"{month:%Y-%m}", *row]))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def random_values(rng) -> list[list[str]]:
    return [
        [f"{rng.randrange(100_000)},{rng.randrange(10)}" for _ in range(METRICS)]
        for _ in range(MONTHS)
    ]


def copy_text(metrics, values, definitions) -> list[str]:
    """The same rows in COPY's text format, each with its definition, one chunk a month."""
    chunks, lines = [], []
    for month, row in zip(months(), values, strict=True):
        for metric, value in zip(metrics, row, strict=True):
            definition = definitions[metric.pk, month >= SECOND_DEFINITION]
            lines.append(
                f"{metric.pk}\t{month}\t{value.replace(',', '.')}\t{definition}\tcsv\t{NOW}\n"
            )
        chunks.append("".join(lines))
        lines.clear()
    return chunks


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = round(time.perf_counter() - start, 2)
    print(f"  {function.__name__}: {elapsed} s", file=sys.stderr, flush=True)
    return elapsed, result


def empty_copy(cursor, table: str, *, foreign_keys: bool = True) -> None:
    """An empty copy of the measurements table: columns, indexes, checks and foreign keys."""
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TABLE {table} (LIKE metrics_measurement INCLUDING ALL)")
    if not foreign_keys:
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'metrics_measurement'::regclass AND contype = 'f'"
    )
    for name, definition in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name}_{table} {definition}")


def copy_floor(chunks, table) -> float:
    """COPY the rows into an empty copy of the table; the commit (foreign keys) included."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        empty_copy(cursor, table)
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} {COLUMNS} FROM STDIN") as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)
    return time.perf_counter() - start


def copy_upsert_floor(chunks, table, *, foreign_keys: bool = True) -> float:
    """COPY into a temporary table, then one upsert into an empty copy of the table."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        empty_copy(cursor, table, foreign_keys=foreign_keys)
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE floor_values (metric_id bigint, month date, value numeric, "
            "definition_id bigint, source text, updated_at timestamptz) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY floor_values {COLUMNS} FROM STDIN") as copy:
            for chunk in chunks:
                copy.write(chunk)
        cursor.execute(
            f"""
            INSERT INTO {table} AS m {COLUMNS}
            SELECT metric_id, month, value, definition_id, source, updated_at FROM floor_values
            ON CONFLICT (metric_id, month) DO UPDATE
                SET value = EXCLUDED.value, definition_id = EXCLUDED.definition_id,
                    source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
                WHERE m.value IS DISTINCT FROM EXCLUDED.value
            """
        )
    return time.perf_counter() - start


def drop(*tables) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def through_the_pages(startup, data: bytes) -> float:
    """Upload, preview, apply, as a staff member would, with Django's test client."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from metrics import views_csv

    user = get_user_model().objects.create_superuser("bench-csv@comite.example.org")
    client = Client()
    client.force_login(user)
    start = time.perf_counter()
    response = client.post(
        reverse("metrics:csv-upload", args=[startup.slug]),
        {"fichier": SimpleUploadedFile("mesures.csv", data, content_type="text/csv")},
    )
    assert response.status_code == 302, response.status_code
    preview = client.get(response["Location"])
    assert preview.status_code == 200, preview.status_code
    upload = client.session[views_csv.SESSION_KEY][startup.slug]
    applied = client.post(
        reverse("metrics:csv-apply", args=[startup.slug]), {"jeton": views_csv.token_of(upload)}
    )
    assert applied.status_code == 302, applied.status_code
    return time.perf_counter() - start


def measure() -> dict:
    from django.core.management import call_command
    from django.db import connection

    from metrics.csv_import import csv_apply, csv_check, csv_preview
    from metrics.models import Measurement

    call_command("migrate", verbosity=0)
    if connection.vendor != "postgresql":
        return {"skipped": "COPY needs PostgreSQL"}
    rng = random.Random(SEED)
    startup, metrics, definitions = build_startup()
    values = random_values(rng)
    data = wide_csv(metrics, values)
    chunks = copy_text(metrics, values, definitions)
    total = METRICS * MONTHS
    info = {"values": total, "file_mb": round(len(data) / 1e6, 1), "layout": "wide"}

    # The floors: the same rows, each time into an empty copy of the table, then dropped.
    copy_s = copy_floor(chunks, "floor_copy")
    upsert_s = copy_upsert_floor(chunks, "floor_upsert")
    info["copy_upsert_without_foreign_keys_s"] = round(
        copy_upsert_floor(chunks, "floor_upsert_no_fk", foreign_keys=False), 2
    )
    drop("floor_copy", "floor_upsert", "floor_upsert_no_fk")
    del chunks

    info["check_only_s"], count = timed(csv_check, data, startup=startup)
    assert count == total, count
    info["preview_s"], preview = timed(csv_preview, data, startup=startup)
    assert preview.new == total, preview.new
    csv_s, outcome = timed(csv_apply, data, startup=startup)
    assert outcome.new == total and Measurement.objects.count() == total
    info["apply_again_unchanged_s"], again = timed(csv_apply, data, startup=startup)
    assert again.unchanged == total, again.unchanged

    changed = [[f"{int(v.split(',')[0]) + 1},{v.split(',')[1]}" for v in row] for row in values]
    info["pages_upload_preview_apply_all_changed_s"] = round(
        through_the_pages(startup, wide_csv(metrics, changed)), 2
    )
    first = Measurement.objects.get(metric=metrics[0], month=FIRST_MONTH)
    assert first.value == Decimal(changed[0][0].replace(",", ".")), first.value
    info["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    result = {
        "measurements_csv_1m_s": csv_s,
        "measurements_copy_1m_s": round(copy_s, 2),
        "measurements_copy_upsert_1m_s": round(upsert_s, 2),
    }
    info["ratio_to_copy_upsert"] = round(csv_s / upsert_s, 2)
    info["ratio_to_copy"] = round(csv_s / copy_s, 2)
    return result | {"info": info}


if __name__ == "__main__":
    main()
