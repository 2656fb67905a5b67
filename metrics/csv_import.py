"""Measurements from a CSV file: read, checked whole, previewed, then applied.

Two layouts, told apart by the header:
- wide: `mois;Dossiers déposés;Utilisateurs actifs…`, one row per month, one column per metric;
- long: `mois;indicateur;valeur`, one row per value.

The separator (`;`, `,` or a tab) is the one that makes the first header cell read `mois`; the
file is UTF-8 (with or without BOM) or, failing that, Windows-1252 as French Excel saves it. Every
value goes through `services.parse_month` and `services.parse_value`, the rules of the form and the
API. A file with any error is refused whole, every error listed by line and column; nothing is
written. On PostgreSQL the values are streamed with COPY into a temporary table, compared and
upserted in SQL (a million values in seconds); elsewhere they go through `measurements_record`.
"""

import csv
import datetime
import io
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import number_format

from startups.models import Startup

from .enums import MeasurementSource
from .models import Measurement, Metric, MetricDefinition
from .services import measurements_diff, measurements_record, parse_month, parse_value

MONTH_COLUMN = "mois"
LONG_HEADER = ["mois", "indicateur", "valeur"]
DELIMITERS = [";", ",", "\t"]
MAX_LISTED_ERRORS = 100
PREVIEW_ROWS = 300
UPLOAD_DIR = "imports-csv"
COPY_CHUNK = 10_000
TEMP_TABLE = "csv_import_values"
KEEP_UPLOADS = datetime.timedelta(days=1)


@dataclass(frozen=True)
class CsvError:
    line: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.line and self.column:
            return f"ligne {self.line}, colonne « {self.column} » : {self.message}"
        if self.line:
            return f"ligne {self.line} : {self.message}"
        return self.message


class CsvRejected(Exception):
    """The file is refused whole: `errors` lists the first ones, `count` says how many in all."""

    def __init__(self, errors: list[CsvError], count: int):
        super().__init__(f"{count} erreur(s) dans le fichier")
        self.errors = errors
        self.count = count


def normalise(text: str) -> str:
    """How a header is compared with a label: case, accents' encoding and spaces aside."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell of a CSV that Comité writes, safe to open in a spreadsheet (OWASP's CSV
    injection): text starting like a formula gets a leading quote, numbers stay numbers."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        try:
            Decimal(text.replace(",", "."))
        except ArithmeticError:
            return "'" + text
    return text


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # never fails: odd bytes come out as odd characters


def sniff_delimiter(text: str) -> str | None:
    """The separator that makes the first header cell read `mois`."""
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(cells) > 1 and normalise(cells[0].lstrip("\ufeff")) == MONTH_COLUMN:
            return delimiter
    return None


class CsvFile:
    """One uploaded file, read against a startup's metrics.

    `values()` yields the valid (metric id, month, value) triples while it records the errors;
    once it is exhausted, `check()` raises CsvRejected if there was any.
    """

    def __init__(self, data: bytes, metrics: list[Metric], *, today: datetime.date | None = None):
        self.text = decode(data)
        self.metrics = metrics
        self.today = today or timezone.localdate()
        self.errors: list[CsvError] = []
        self.error_count = 0
        self.value_count = 0
        self._labels = {}
        for metric in metrics:  # an exact label wins over one that only normalises the same
            self._labels.setdefault(normalise(metric.label), metric)
        for metric in metrics:
            self._labels[metric.label] = metric
        self._months: dict[str, datetime.date | str] = {}

    def error(self, line: int | None, column: str | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(CsvError(line, column, message))

    def check(self) -> None:
        if self.error_count:
            raise CsvRejected(self.errors, self.error_count)

    def metric(self, label: str) -> Metric | None:
        """The metric of a header cell, also when `csv_cell` neutralised its label ('=…)."""
        return self.labelled(label) or (self.labelled(label[1:]) if label[:1] == "'" else None)

    def labelled(self, label: str) -> Metric | None:
        return self._labels.get(label) or self._labels.get(normalise(label))

    def month(self, text: str) -> datetime.date | str:
        """The month, or the error message (memoised: a long file repeats its months)."""
        if text not in self._months:
            if not text.strip():
                self._months[text] = "le mois manque."
                return self._months[text]
            try:
                self._months[text] = parse_month(text, today=self.today)
            except ValidationError as error:
                self._months[text] = error.messages[0]
        return self._months[text]

    def values(self) -> Iterator[tuple[int, datetime.date, Decimal]]:
        if not self.text.strip():
            self.error(None, None, "Le fichier est vide.")
            return
        delimiter = sniff_delimiter(self.text)
        if delimiter is None:
            self.error(
                1,
                None,
                "l’en-tête doit commencer par la colonne « mois », suivie des indicateurs "
                "(une colonne chacun) ou des colonnes « indicateur » et « valeur », séparées "
                "par des points-virgules ou des virgules.",
            )
            return
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=delimiter)
        try:
            header = [cell.lstrip("\ufeff").strip() for cell in next(reader)]
            if [normalise(cell) for cell in header] == LONG_HEADER:
                yield from self._long(reader)
            else:
                yield from self._wide(reader, header)
        except csv.Error as error:
            self.error(reader.line_num, None, f"le fichier n’est pas un CSV lisible ({error}).")

    def _wide(self, reader, header: list[str]) -> Iterator[tuple[int, datetime.date, Decimal]]:
        columns: list[Metric | None] = [None]
        seen: dict[int, str] = {}
        for label in header[1:]:
            metric = self.metric(label) if label else None
            if label and metric is None:
                self.error(1, label, "aucun indicateur de la startup ne porte ce nom.")
            elif metric is not None and metric.pk in seen:
                self.error(1, label, f"l’indicateur figure déjà en colonne « {seen[metric.pk]} ».")
                metric = None
            elif metric is not None:
                seen[metric.pk] = label
            columns.append(metric)
        width = len(header)
        month_lines: dict[datetime.date, int] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            month = self.month(row[0])
            if isinstance(month, str):
                self.error(line, MONTH_COLUMN, month)
                month = None
            elif month in month_lines:
                self.error(
                    line,
                    MONTH_COLUMN,
                    f"le mois {month:%m/%Y} figure déjà ligne {month_lines[month]}.",
                )
                month = None
            else:
                month_lines[month] = line
            for position in range(1, len(row)):
                cell = row[position]
                if not cell or cell.isspace():
                    continue
                if position >= width:
                    self.error(line, None, f"« {cell} » est au-delà de la dernière colonne.")
                    break
                metric = columns[position]
                if metric is None:
                    if not header[position]:
                        self.error(line, f"n° {position + 1}", "cette colonne n’a pas de titre.")
                    continue
                try:
                    value = parse_value(cell)
                except ValidationError as error:
                    self.error(line, header[position], error.messages[0])
                    continue
                if month is not None:
                    self.value_count += 1
                    yield metric.pk, month, value

    def _long(self, reader) -> Iterator[tuple[int, datetime.date, Decimal]]:
        seen: dict[tuple[int, datetime.date], int] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > 3 and any(cell.strip() for cell in row[3:]):
                self.error(
                    line, None, "une ligne n’a que trois colonnes : mois, indicateur, valeur."
                )
                continue
            month_text, label, value_text = (row + ["", ""])[:3]
            month = self.month(month_text)
            if isinstance(month, str):
                self.error(line, "mois", month)
                month = None
            metric = self.metric(label.strip())
            if metric is None:
                message = (
                    f"aucun indicateur de la startup ne s’appelle « {label.strip()} »."
                    if label.strip()
                    else "l’indicateur manque."
                )
                self.error(line, "indicateur", message)
            if not value_text.strip():
                continue  # no value for that month
            try:
                value = parse_value(value_text)
            except ValidationError as error:
                self.error(line, "valeur", error.messages[0])
                continue
            if month is None or metric is None:
                continue
            key = (metric.pk, month)
            if key in seen:
                self.error(
                    line,
                    None,
                    f"« {metric.label} » a déjà une valeur pour {month:%m/%Y} ligne {seen[key]}.",
                )
                continue
            seen[key] = line
            self.value_count += 1
            yield metric.pk, month, value


# Preview and apply ----------------------------------------------------------------------------


@dataclass
class PreviewRow:
    metric: Metric
    month: datetime.date
    old: Decimal | None
    new: Decimal

    @property
    def is_new(self) -> bool:
        return self.old is None

    @property
    def old_text(self) -> str:
        return display_number(self.old)

    @property
    def new_text(self) -> str:
        return display_number(self.new)


def display_number(value: Decimal | None) -> str:
    """1 234,5 (French grouping, no trailing zeros); an en dash when there is none."""
    if value is None:
        return "–"
    value = value.normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return number_format(value, force_grouping=True)


@dataclass
class CsvOutcome:
    """What a file does (preview) or did (apply): counts of all values, the first rows listed."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rows: list[PreviewRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.new + self.changed + self.unchanged

    @property
    def is_empty(self) -> bool:
        return not self.new and not self.changed

    @property
    def listed_all(self) -> bool:
        return len(self.rows) == self.new + self.changed


def startup_metrics(startup: Startup) -> list[Metric]:
    return list(startup.metrics.all())


def csv_check(data: bytes, *, startup: Startup, today: datetime.date | None = None) -> int:
    """Read the whole file; raise CsvRejected with every error, or return how many values."""
    parsed = CsvFile(data, startup_metrics(startup), today=today)
    for _ in parsed.values():
        pass
    parsed.check()
    return parsed.value_count


def csv_preview(
    data: bytes, *, startup: Startup, today: datetime.date | None = None, limit: int = PREVIEW_ROWS
) -> CsvOutcome:
    """What applying the file would do, without writing anything."""
    metrics = startup_metrics(startup)
    parsed = CsvFile(data, metrics, today=today)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            copy_to_temp_table(cursor, parsed)
            outcome = compare_temp_table(cursor, metrics, limit=limit)
            cursor.execute(f"DROP TABLE {TEMP_TABLE}")
        return outcome
    values = collect(parsed, metrics)
    return outcome_of(measurements_diff(values), metrics, limit=limit)


def csv_apply(
    data: bytes,
    *,
    startup: Startup,
    today: datetime.date | None = None,
    limit: int = 0,
) -> CsvOutcome:
    """Check the file again and write it: new values inserted, changed ones updated (each with
    the metric definition in force for its month), unchanged ones left alone. All or nothing."""
    with transaction.atomic():
        # One import at a time per startup: a double click waits for the first, then finds
        # nothing left to do.
        Startup.objects.select_for_update().filter(pk=startup.pk).exists()
        metrics = startup_metrics(startup)
        parsed = CsvFile(data, metrics, today=today)
        if connection.vendor != "postgresql":
            values = collect(parsed, metrics)
            diff = measurements_record(values, source=MeasurementSource.CSV)
            return outcome_of(diff, metrics, limit=limit)
        with connection.cursor() as cursor:
            copy_to_temp_table(cursor, parsed)
            outcome = compare_temp_table(cursor, metrics, limit=limit)
            upsert_temp_table(cursor, metrics)
            cursor.execute(f"DROP TABLE {TEMP_TABLE}")
        return outcome


def collect(parsed: CsvFile, metrics: list[Metric]) -> dict:
    by_pk = {metric.pk: metric for metric in metrics}
    values = {(by_pk[pk], month): value for pk, month, value in parsed.values()}
    parsed.check()
    return values


def outcome_of(diff, metrics: list[Metric], *, limit: int) -> CsvOutcome:
    order = {metric.pk: position for position, metric in enumerate(metrics)}
    by_pk = {metric.pk: metric for metric in metrics}  # a stored row's `.metric` is a query
    changed = sorted(diff.changed, key=lambda c: (order[c[0].metric_id], c[0].month))
    new = sorted(diff.new, key=lambda row: (order[row.metric_id], row.month))
    rows = [
        PreviewRow(by_pk[row.metric_id], row.month, old, row.value) for row, old in changed[:limit]
    ]
    rows += [
        PreviewRow(by_pk[row.metric_id], row.month, None, row.value)
        for row in new[: limit - len(rows)]
    ]
    return CsvOutcome(len(diff.new), len(diff.changed), diff.unchanged, rows)


def copy_to_temp_table(cursor, parsed: CsvFile) -> None:
    """Stream the valid values into a temporary table; raise CsvRejected (and the caller's
    transaction rolls back) if the file has any error."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {TEMP_TABLE} "
        "(metric_id bigint NOT NULL, month date NOT NULL, value numeric NOT NULL) ON COMMIT DROP"
    )
    with cursor.copy(f"COPY {TEMP_TABLE} (metric_id, month, value) FROM STDIN") as copy:
        chunk = []
        for metric_id, month, value in parsed.values():
            if parsed.error_count:
                continue  # keep reading, to list every error; write nothing more
            chunk.append(f"{metric_id}\t{month}\t{value}\n")
            if len(chunk) >= COPY_CHUNK:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk and not parsed.error_count:
            copy.write("".join(chunk))
    parsed.check()
    cursor.execute(f"ANALYZE {TEMP_TABLE}")


def compare_temp_table(cursor, metrics: list[Metric], *, limit: int) -> CsvOutcome:
    stored = Measurement._meta.db_table
    cursor.execute(
        f"""
        SELECT count(*) FILTER (WHERE m.id IS NULL),
               count(*) FILTER (WHERE m.value <> t.value),
               count(*) FILTER (WHERE m.value = t.value)
        FROM {TEMP_TABLE} t
        LEFT JOIN {stored} m ON m.metric_id = t.metric_id AND m.month = t.month
        """
    )
    new, changed, unchanged = cursor.fetchone()
    if not limit:
        return CsvOutcome(new, changed, unchanged)
    cursor.execute(
        f"""
        SELECT t.metric_id, t.month, m.value, t.value
        FROM {TEMP_TABLE} t
        JOIN {Metric._meta.db_table} metric ON metric.id = t.metric_id
        LEFT JOIN {stored} m ON m.metric_id = t.metric_id AND m.month = t.month
        WHERE m.id IS NULL OR m.value <> t.value
        ORDER BY m.id IS NULL, metric.is_north_star DESC, metric.position, metric.id, t.month
        LIMIT %s
        """,
        [limit],
    )
    by_pk = {metric.pk: metric for metric in metrics}
    rows = [PreviewRow(by_pk[pk], month, old, new) for pk, month, old, new in cursor.fetchall()]
    return CsvOutcome(new, changed, unchanged, rows)


def upsert_temp_table(cursor, metrics: list[Metric]) -> None:
    """One INSERT … ON CONFLICT: new values inserted, changed ones updated, the rest untouched;
    each with the definition in force for its month, found by a join on validity ranges."""
    stored = Measurement._meta.db_table
    definitions = MetricDefinition._meta.db_table
    cursor.execute(
        f"""
        WITH definition AS (
            SELECT id, metric_id, valid_from,
                   lead(valid_from) OVER (PARTITION BY metric_id ORDER BY valid_from) AS valid_to
            FROM {definitions}
            WHERE metric_id = ANY(%(metrics)s::bigint[])
        )
        INSERT INTO {stored} AS m (metric_id, month, value, definition_id, source, updated_at)
        SELECT t.metric_id, t.month, t.value, d.id, %(source)s, %(now)s
        FROM {TEMP_TABLE} t
        LEFT JOIN definition d ON d.metric_id = t.metric_id AND d.valid_from <= t.month
            AND (d.valid_to IS NULL OR t.month < d.valid_to)
        ORDER BY t.metric_id, t.month  -- the unique index filled in its order: fewer page splits
        ON CONFLICT (metric_id, month) DO UPDATE
            SET value = EXCLUDED.value, definition_id = EXCLUDED.definition_id,
                source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
            WHERE m.value IS DISTINCT FROM EXCLUDED.value
        """,
        {
            "metrics": [metric.pk for metric in metrics],
            "source": MeasurementSource.CSV.value,
            "now": timezone.now(),
        },
    )


def csv_template(startup: Startup, *, today: datetime.date | None = None, months: int = 12) -> str:
    """A wide file to fill in: `mois` then one column per metric, the last months as rows with
    the values already recorded, French decimal commas, for Excel."""
    today = today or timezone.localdate()
    metrics = startup_metrics(startup)
    first = today.replace(day=1)
    rows = []
    for back in range(months, 0, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        rows.append(datetime.date(year, month + 1, 1))
    stored = {
        (metric_id, month): value
        for metric_id, month, value in Measurement.objects.filter(
            metric__startup=startup, month__gte=rows[0]
        ).values_list("metric_id", "month", "value")
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([MONTH_COLUMN, *(csv_cell(metric.label) for metric in metrics)])
    for month in rows:
        cells = [french_number(stored.get((metric.pk, month))) for metric in metrics]
        writer.writerow([f"{month:%Y-%m}", *cells])
    return out.getvalue()


def french_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")
    return text.replace(".", ",")


# The file between preview and apply ------------------------------------------------------------


def upload_store(file) -> str:
    """Keep an uploaded file under a random name of ours; the name goes in the session only."""
    upload_sweep()
    return default_storage.save(f"{UPLOAD_DIR}/{secrets.token_hex(16)}.csv", file)


def upload_sweep(max_age: datetime.timedelta = KEEP_UPLOADS) -> None:
    """Delete the files of previews left without an apply or a cancel for too long."""
    if not default_storage.exists(UPLOAD_DIR):
        return
    oldest = timezone.now() - max_age
    for name in default_storage.listdir(UPLOAD_DIR)[1]:
        path = f"{UPLOAD_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < oldest:
                default_storage.delete(path)
        except FileNotFoundError:  # another request swept it first
            pass


def upload_read(name: str) -> bytes | None:
    """The kept file's bytes, or None when it is gone (already applied, cancelled)."""
    if not name.startswith(f"{UPLOAD_DIR}/") or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as file:
        return file.read()


def upload_delete(name: str) -> None:
    if name.startswith(f"{UPLOAD_DIR}/"):
        default_storage.delete(name)
