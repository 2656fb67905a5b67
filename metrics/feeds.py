"""A metric's values fetched from where the team already counts them: a Matomo Reporting API
query, a public Metabase card, or a CSV or JSON file at an address (docs/data.md says each
layout and where it was confirmed).

A fetch reads the last SOURCE_FETCH_MONTHS whole months through `comite.http.get` (allowed
hosts only, timeouts, size limit), checks every month and value with `parse_month` and
`parse_value`, and records them with `measurements_record`, as the form, the CSV upload and the
API do: each value gets the definition in force for its month and the source as its origin. The
whole answer is read before anything is written: a failing source (unreachable, malformed,
refused) writes no measurement; the source row alone records when, how and why.
The token goes into the request's query string only: `comite.http` logs URLs without it, and
an error message that would quote it has it masked.
"""

import csv
import datetime
import io
import json
import logging
import re
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from comite import http
from startups.dates import add_months

from .csv_import import decode
from .encryption import UnreadableSecret
from .enums import FetchStatus, MeasurementSource, SourceKind
from .models import MetricSource
from .services import MeasurementDiff, measurements_record, parse_month, parse_value

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * http.MB
MAX_ERROR = 500
MATOMO_METHOD = re.compile(r"^[A-Za-z]+\.[A-Za-z]+$")
MATOMO_COLUMN = re.compile(r"^[A-Za-z0-9_]+$")
METABASE_PATH = re.compile(r"^/api/public/card/[0-9a-fA-F-]{36}/query/json/?$")
ORIGIN = {
    SourceKind.MATOMO: MeasurementSource.MATOMO,
    SourceKind.METABASE: MeasurementSource.METABASE,
    SourceKind.FILE: MeasurementSource.FILE,
}
DELIMITERS = [";", ",", "\t"]


class SourceError(Exception):
    """The source gave no usable answer; the message is French, shown to the team."""


def fetch_window(today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The first day of the oldest month and the last day of the newest: the `months` whole
    months before this one (the month under way is not a month's value yet)."""
    this_month = today.replace(day=1)
    return add_months(this_month, -months), this_month - datetime.timedelta(days=1)


def matomo_url(source: MetricSource, first: datetime.date, last: datetime.date, token: str) -> str:
    base = source.url.rstrip("/")
    if not base.endswith(".php"):
        base += "/index.php"
    query = {
        "module": "API",
        "method": source.method,
        "idSite": source.site_id,
        "period": "month",
        "date": f"{first:%Y-%m-%d},{last:%Y-%m-%d}",
        "format": "JSON",
    }
    if token:
        query["token_auth"] = token
    return f"{base}?{urlencode(query)}"


def read_json(body: bytes, name: str):
    try:
        return json.loads(body.decode("utf-8-sig"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SourceError(f"La réponse de {name} n’est pas du JSON lisible.") from None


def checked_month(text, today: datetime.date, name: str) -> datetime.date:
    try:
        return parse_month(str(text)[:10], today=today)
    except ValidationError as error:
        raise SourceError(f"{name} : {error.messages[0]}") from None


def checked_value(value, month: datetime.date, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise SourceError(f"{name} : la valeur de {month:%m/%Y} n’est pas un nombre.")
    try:
        return parse_value(value)
    except ValidationError as error:
        raise SourceError(f"{name}, {month:%m/%Y} : {error.messages[0]}") from None


def matomo_values(body: bytes, source: MetricSource, today: datetime.date) -> dict:
    """{month: value} from `VisitsSummary.get` (one object of metrics per "YYYY-MM", an empty
    list for a month without data) or from a method answering one number per month."""
    data = read_json(body, "Matomo")
    if isinstance(data, dict) and data.get("result") == "error":
        raise SourceError(f"Matomo a répondu : {str(data.get('message', ''))[:MAX_ERROR]}")
    if not isinstance(data, dict):
        raise SourceError("La réponse de Matomo n’est pas un objet par mois (« AAAA-MM »).")
    values = {}
    for key, metrics in data.items():
        month = checked_month(key, today, "Matomo")
        if metrics == [] or metrics is None:
            continue  # no data that month
        if isinstance(metrics, dict):
            if source.value_column not in metrics:
                raise SourceError(
                    f"Matomo : la colonne « {source.value_column} » manque pour "
                    f"{month:%m/%Y} (colonnes : {', '.join(list(metrics)[:20])})."
                )
            metrics = metrics[source.value_column]
        values[month] = checked_value(metrics, month, "Matomo")
    return values


def rows_values(rows, source: MetricSource, today: datetime.date, name: str) -> dict:
    """{month: value} from rows keyed by column names (a Metabase card, a file)."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise SourceError(f"La réponse de {name} n’est pas une liste de lignes.")
    values = {}
    for number, row in enumerate(rows, start=1):
        for column in (source.month_column, source.value_column):
            if column not in row:
                raise SourceError(
                    f"{name} : la colonne « {column} » manque ligne {number} "
                    f"(colonnes : {', '.join(map(str, list(row)[:20]))})."
                )
        month = checked_month(row[source.month_column], today, f"{name}, ligne {number}")
        if month in values:
            raise SourceError(f"{name} : le mois {month:%m/%Y} figure deux fois.")
        if row[source.value_column] not in (None, ""):
            values[month] = checked_value(row[source.value_column], month, name)
    return values


def metabase_values(body: bytes, source: MetricSource, today: datetime.date) -> dict:
    """A public card's `query/json`: a list of rows, each an object keyed by the columns'
    display names."""
    return rows_values(read_json(body, "Metabase"), source, today, "Metabase")


def file_values(body: bytes, source: MetricSource, today: datetime.date) -> dict:
    """A JSON file (a list of objects, as a Metabase card) or a CSV file (a header row, `;`,
    `,` or tab separated, UTF-8 or Windows-1252) with the month and value columns."""
    if body.lstrip()[:1] in (b"[", b"{"):
        return rows_values(read_json(body, "Le fichier"), source, today, "Le fichier")
    text = decode(body)
    for delimiter in DELIMITERS:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = [cell.strip() for cell in reader.fieldnames or []]
            if source.month_column in header and source.value_column in header:
                reader.fieldnames = header
                rows = [
                    {key: (cell or "").strip() for key, cell in row.items() if key}
                    for row in reader
                    if any((cell or "").strip() for cell in row.values() if isinstance(cell, str))
                ]
                return rows_values(rows, source, today, "Le fichier")
        except csv.Error as error:
            raise SourceError(f"Le fichier n’est pas un CSV lisible ({error}).") from None
    raise SourceError(
        f"Le fichier n’est ni du JSON ni un CSV dont l’en-tête a les colonnes "
        f"« {source.month_column} » et « {source.value_column} »."
    )


def source_values(
    source: MetricSource, *, today: datetime.date, timeout: float | None, retries: int
) -> dict:
    """The window's months and values the source gives, or SourceError; nothing is written."""
    first, last = fetch_window(today, settings.SOURCE_FETCH_MONTHS)
    token = ""
    try:
        token = source.token()
        if source.kind == SourceKind.MATOMO:
            url, read = matomo_url(source, first, last, token), matomo_values
        elif source.kind == SourceKind.METABASE:
            url, read = source.url, metabase_values
        else:
            url, read = source.url, file_values
        body = http.get(url, max_bytes=MAX_BYTES, timeout=timeout, retries=retries)
        values = read(body, source, today)
    except (http.OutboundError, SourceError, UnreadableSecret) as error:
        text = str(error)
        raise SourceError(text.replace(token, "…") if token else text) from None
    return {month: value for month, value in values.items() if first <= month <= last}


def metric_source_fetch(
    *,
    source: MetricSource,
    today: datetime.date,
    timeout: float | None = None,
    retries: int = http.RETRIES,
) -> MeasurementDiff | None:
    """Fetch the source's last months and record them; the diff, or None when it failed (its
    reason is on the source). A second fetch of the same figures changes nothing. The button
    passes a shorter `timeout` and no retry: a person waits, and so does a web worker."""
    metric = source.metric
    try:
        by_month = source_values(source, today=today, timeout=timeout, retries=retries)
    except SourceError as error:
        logger.warning("Source of metric %s: failed: %s", metric.pk, error)
        source_mark(source, status=FetchStatus.FAILURE, error=str(error)[:MAX_ERROR], months=0)
        return None
    values = {(metric, month): value for month, value in by_month.items()}
    try:
        diff = measurements_record(values, source=ORIGIN[source.kind])
    except IntegrityError:
        # Another fetch (or a person) recorded the same new month at once: compare again.
        diff = measurements_record(values, source=ORIGIN[source.kind])
    logger.info(
        "Source of metric %s: %d months, %d new, %d changed",
        metric.pk,
        len(values),
        len(diff.new),
        len(diff.changed),
    )
    source_mark(source, status=FetchStatus.SUCCESS, error="", months=len(values))
    return diff


def source_mark(source: MetricSource, *, status: str, error: str, months: int) -> None:
    source.last_fetched_at = timezone.now()
    source.last_status, source.last_error, source.months_fetched = status, error, months
    source.save(update_fields=["last_fetched_at", "last_status", "last_error", "months_fetched"])


def metric_source_save(*, source: MetricSource, token: str, forget_token: bool) -> None:
    """Save a source's settings; a new token replaces the stored one (encrypted), an empty one
    keeps it, unless it is to be forgotten. Only Matomo takes a token."""
    if token and source.kind == SourceKind.MATOMO:
        source.set_token(token)
    elif forget_token or source.kind != SourceKind.MATOMO:
        source.set_token("")
    source.save()
    logger.info("Source of metric %s saved (%s)", source.metric_id, source.kind)


def url_problem(url: str) -> str | None:
    """Why Comité may not fetch this address (a French sentence), or None."""
    try:
        http.refuse_unless_url_allowed(url)
    except http.OutboundError as error:
        hosts = ", ".join(settings.OUTBOUND_ALLOWED_HOSTS)
        return f"{error}. Comité ne lit que ces sites : {hosts}."
    return None


def metabase_path_ok(url: str) -> bool:
    return bool(METABASE_PATH.match(urlsplit(url).path))
