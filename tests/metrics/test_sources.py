"""A metric's source (metrics/feeds.py): Matomo and Metabase answers served by a real HTTP
server on 127.0.0.1, shaped as theirs are (docs/data.md); values recorded through
`measurements_record`, a failure changing nothing."""

import datetime
import json
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from comite import http
from config.celery import app
from metrics.enums import FetchStatus, MeasurementSource, SourceKind
from metrics.feeds import metric_source_fetch
from metrics.models import Measurement, MetricSource
from metrics.tasks import fetch_metric_sources
from tests.factories import (
    MetricFactory,
    OrganisationFactory,
    StartupFactory,
    add_measurements,
    persona_user,
)
from tests.local_server import LocalServer
from tests.utils import TODAY, get_page, month, month_start

TOKEN = "0123456789abcdef0123456789abcdef"
CARD = "/api/public/card/6f1c2e3a-5b7d-4c8e-9a0b-1d2e3f4a5b6c/query/json"
WINDOW = [month(offset) for offset in range(-6, 0)]  # the six whole months before this one


def matomo_month(visits: int) -> dict:
    """One month of `VisitsSummary.get`, as Matomo writes it."""
    return {
        "nb_uniq_visitors": visits - 20,
        "nb_users": 0,
        "nb_visits": visits,
        "nb_actions": visits * 3,
        "nb_visits_converted": 0,
        "bounce_count": visits // 2,
        "sum_visit_length": visits * 60,
        "max_actions": 40,
        "bounce_rate": "50%",
        "nb_actions_per_visit": 3,
        "avg_time_on_site": 60,
    }


def matomo_body(**overrides) -> bytes:
    """VisitsSummary.get, period=month over the window: one object per "YYYY-MM", an empty
    list for a month without data (the third)."""
    data = {key: matomo_month(100 * (n + 1)) for n, key in enumerate(WINDOW)}
    data[WINDOW[2]] = []
    return json.dumps(data | overrides).encode()


def metabase_body() -> bytes:
    """A public card's query/json: a list of rows keyed by the columns' display names."""
    rows = [
        {"Mois": f"{key}-01T00:00:00+02:00", "Démarches": 10 * (n + 1)}
        for n, key in enumerate(WINDOW)
    ]
    rows.append({"Mois": f"{month(-12)}-01T00:00:00+01:00", "Démarches": 999})  # out of window
    return json.dumps(rows).encode()


@pytest.fixture
def server(settings, monkeypatch):
    monkeypatch.setattr(http, "BACKOFF_SECONDS", 0)
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.SOURCE_FETCH_MONTHS = 6
    with LocalServer() as server:
        yield server


@pytest.fixture
def metric(db):
    return MetricFactory(startup=StartupFactory(sponsors=[OrganisationFactory()]))


def matomo_source(metric, server, *, token=TOKEN) -> MetricSource:
    source = MetricSource(
        metric=metric,
        kind=SourceKind.MATOMO,
        url=server.url("/"),
        site_id=42,
        method="VisitsSummary.get",
        value_column="nb_visits",
    )
    source.set_token(token)
    source.save()
    return source


def metabase_source(metric, server) -> MetricSource:
    return MetricSource.objects.create(
        metric=metric,
        kind=SourceKind.METABASE,
        url=server.url(CARD),
        value_column="Démarches",
        month_column="Mois",
    )


def stored(metric) -> dict[str, Decimal]:
    return {f"{m.month:%Y-%m}": m.value for m in Measurement.objects.filter(metric=metric)}


def test_matomo_months_are_recorded_through_the_service_and_a_second_fetch_changes_nothing(
    server, metric
):
    server.route("/index.php", matomo_body())
    source = matomo_source(metric, server)
    diff = metric_source_fetch(source=source, today=TODAY)
    assert len(diff.new) == 5
    assert stored(metric) == {key: Decimal(100 * (n + 1)) for n, key in enumerate(WINDOW) if n != 2}
    rows = Measurement.objects.filter(metric=metric)
    assert {row.source for row in rows} == {MeasurementSource.MATOMO}
    assert all(row.definition is not None for row in rows)  # the definition of its month
    [(path, _)] = server.requests
    assert "method=VisitsSummary.get" in path and "idSite=42" in path and "period=month" in path
    last_day = month_start(0) - datetime.timedelta(days=1)
    assert f"date={month_start(-6)}%2C{last_day}" in path
    assert f"token_auth={TOKEN}" in path and "format=JSON" in path
    source.refresh_from_db()
    assert (source.last_status, source.last_error, source.months_fetched) == (
        FetchStatus.SUCCESS,
        "",
        5,
    )
    before = list(rows.order_by("pk").values_list("pk", "value", "updated_at"))
    again = metric_source_fetch(source=source, today=TODAY)
    assert again.is_empty and again.unchanged == 5
    assert list(rows.order_by("pk").values_list("pk", "value", "updated_at")) == before


def test_a_changed_month_is_updated_and_a_month_under_way_is_not_read(server, metric):
    add_measurements(metric, {WINDOW[0]: 1, month(0): 7})
    server.route("/index.php", matomo_body(**{month(0): matomo_month(5)}))
    source = matomo_source(metric, server)
    diff = metric_source_fetch(source=source, today=TODAY)
    assert [old for _, old in diff.changed] == [Decimal(1)]
    assert stored(metric)[WINDOW[0]] == 100
    assert stored(metric)[month(0)] == 7  # outside the window: left alone


def test_a_metabase_card_fills_the_window_months_only(server, metric):
    server.route(CARD, metabase_body())
    source = metabase_source(metric, server)
    metric_source_fetch(source=source, today=TODAY)
    assert stored(metric) == {key: Decimal(10 * (n + 1)) for n, key in enumerate(WINDOW)}
    assert set(Measurement.objects.values_list("source", flat=True)) == {"metabase"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<html>Maintenance</html>", "La réponse de Matomo n’est pas du JSON lisible."),
        (b"[1, 2]", "La réponse de Matomo n’est pas un objet par mois"),
        (json.dumps({"2026-05": {"nb_visits": "beaucoup"}}).encode(), "n’est pas un nombre"),
        (json.dumps({"mai": {"nb_visits": 3}}).encode(), "« mai » n’est pas un mois"),
        (json.dumps({"2026-05": {"nb_actions": 3}}).encode(), "la colonne « nb_visits » manque"),
        (
            json.dumps({"result": "error", "message": "You can't access this resource"}).encode(),
            "Matomo a répondu : You can't access this resource",
        ),
    ],
    ids=["not-json", "not-an-object", "not-a-number", "not-a-month", "no-column", "matomo-error"],
)
def test_a_malformed_answer_changes_nothing_and_the_page_says_why(
    server, metric, client, body, error
):
    add_measurements(metric, {WINDOW[0]: 1})
    server.route("/index.php", body)
    source = matomo_source(metric, server)
    assert metric_source_fetch(source=source, today=TODAY) is None
    assert stored(metric) == {WINDOW[0]: Decimal(1)}
    source.refresh_from_db()
    assert source.last_status == FetchStatus.FAILURE and error in source.last_error
    client.force_login(persona_user("team", startup=metric.startup))
    page = client.get(reverse("metrics:source", args=[metric.startup.slug, metric.pk]))
    assert "Échouée le" in page.text and "aucune valeur n’a changé" in page.text


def test_a_metabase_card_without_the_month_column_changes_nothing(server, metric):
    server.route(CARD, json.dumps([{"Date": "2026-05-01", "Démarches": 3}]).encode())
    source = metabase_source(metric, server)
    assert metric_source_fetch(source=source, today=TODAY) is None
    source.refresh_from_db()
    assert source.last_error.startswith("Metabase : la colonne « Mois » manque ligne 1")
    assert not Measurement.objects.exists()


def test_a_timeout_changes_nothing(server, metric, settings):
    settings.OUTBOUND_TIMEOUT = 0.2
    add_measurements(metric, {WINDOW[0]: 1})
    server.route("/index.php", matomo_body(), delay=1)
    source = matomo_source(metric, server)
    assert metric_source_fetch(source=source, today=TODAY) is None
    source.refresh_from_db()
    assert source.last_error.startswith("Délai dépassé en lisant http://127.0.0.1")
    assert stored(metric) == {WINDOW[0]: Decimal(1)}


def test_a_500_is_tried_again_then_changes_nothing(server, metric):
    add_measurements(metric, {WINDOW[0]: 1})
    server.route("/index.php", b"oops", statuses=[500])
    source = matomo_source(metric, server)
    assert metric_source_fetch(source=source, today=TODAY) is None
    assert len(server.requests) == http.RETRIES + 1
    source.refresh_from_db()
    assert source.last_error.startswith("Réponse HTTP 500 de http://127.0.0.1")
    assert TOKEN not in source.last_error
    assert stored(metric) == {WINDOW[0]: Decimal(1)}


def test_a_host_not_allowed_is_refused_at_save_time(server, metric, client):
    client.force_login(persona_user("team", startup=metric.startup))
    url = reverse("metrics:source", args=[metric.startup.slug, metric.pk])
    response = client.post(
        url,
        {
            "kind": SourceKind.METABASE,
            "url": f"https://metabase.example.org{CARD}",
            "value_column": "Démarches",
            "month_column": "Mois",
        },
    )
    assert response.status_code == 200
    assert "Hôte non autorisé : metabase.example.org. Comité ne lit que ces sites" in response.text
    assert not MetricSource.objects.exists()


def test_a_host_no_longer_allowed_is_refused_at_fetch_time(server, metric, settings):
    server.route("/index.php", matomo_body())
    source = matomo_source(metric, server)
    settings.OUTBOUND_ALLOWED_HOSTS = ["stats.beta.gouv.fr"]
    assert metric_source_fetch(source=source, today=TODAY) is None
    source.refresh_from_db()
    assert source.last_error == "Hôte non autorisé : 127.0.0.1"
    assert not server.requests and not Measurement.objects.exists()


def test_the_token_is_stored_encrypted_and_never_logged(server, metric, client, caplog):
    caplog.set_level(logging.DEBUG)
    server.route("/index.php", matomo_body())
    client.force_login(persona_user("team", startup=metric.startup))
    url = reverse("metrics:source", args=[metric.startup.slug, metric.pk])
    response = client.post(
        url,
        {
            "kind": SourceKind.MATOMO,
            "url": server.url("/"),
            "site_id": "42",
            "method": "VisitsSummary.get",
            "value_column": "nb_uniq_visitors",
            "token": TOKEN,
        },
    )
    assert response.status_code == 302
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {MetricSource._meta.db_table}")
        [row] = cursor.fetchall()
    assert not any(TOKEN in str(cell) for cell in row)
    source = MetricSource.objects.get()
    assert source.token() == TOKEN
    page = client.get(url)
    assert TOKEN not in page.text and "Un jeton est enregistré (chiffré)." in page.text
    client.post(reverse("metrics:source-fetch", args=[metric.startup.slug, metric.pk]))
    assert stored(metric)[WINDOW[0]] == 80  # nb_uniq_visitors
    assert f"token_auth={TOKEN}" in server.requests[0][0]  # sent, in the query only
    assert caplog.records and TOKEN not in caplog.text
    # Saved again with the field left empty, the token is kept.
    client.post(
        url,
        {
            "kind": SourceKind.MATOMO,
            "url": server.url("/"),
            "site_id": "42",
            "method": "VisitsSummary.get",
            "value_column": "nb_visits",
        },
    )
    assert MetricSource.objects.get().token() == TOKEN


def test_a_token_encrypted_with_another_key_fails_the_fetch_in_french(server, metric, settings):
    server.route("/index.php", matomo_body())
    source = matomo_source(metric, server)
    settings.SECRET_KEY = "another-key"
    assert metric_source_fetch(source=source, today=TODAY) is None
    source.refresh_from_db()
    assert "ne peut plus être déchiffré" in source.last_error
    assert not server.requests


def test_the_button_updates_for_the_team_and_is_refused_to_a_sponsor(server, metric, client):
    server.route(CARD, metabase_body())
    metabase_source(metric, server)
    fetch = reverse("metrics:source-fetch", args=[metric.startup.slug, metric.pk])
    client.force_login(persona_user("sponsor", startup=metric.startup))
    assert client.post(fetch).status_code == 403
    assert not server.requests and not Measurement.objects.exists()
    client.force_login(persona_user("team", startup=metric.startup))
    response = client.post(fetch, follow=True)
    assert "Mise à jour faite : 6 mois lus, 6 valeur(s) ajoutée(s)" in response.text
    assert "Réussie le" in response.text
    assert len(stored(metric)) == 6


def test_the_source_page_shows_the_last_fetch(server, metric, client):
    server.route(CARD, metabase_body())
    metric_source_fetch(source=metabase_source(metric, server), today=TODAY)
    client.force_login(persona_user("team", startup=metric.startup))
    url = reverse("metrics:source", args=[metric.startup.slug, metric.pk])
    page = get_page(client, url, queries=8)
    assert "6 mois lus" in page.text and "Mettre à jour" in page.text


def test_the_monthly_beat_entry_fetches_every_source(server, metric, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["metric-sources"]
    assert entry["task"] == "metrics.tasks.fetch_metric_sources"
    assert entry["task"] in app.tasks
    assert entry["schedule"].day_of_month == {2}
    server.route(CARD, metabase_body())
    metabase_source(metric, server)
    other = MetricFactory(startup=metric.startup, label="Autre", is_north_star=False)
    server.route("/index.php", b"{}", statuses=[404])
    matomo_source(other, server)
    assert fetch_metric_sources() == 2
    assert len(stored(metric)) == 6
    assert MetricSource.objects.get(metric=other).last_status == FetchStatus.FAILURE


def file_source(metric, server, path: str) -> MetricSource:
    return MetricSource.objects.create(
        metric=metric,
        kind=SourceKind.FILE,
        url=server.url(path),
        value_column="Utilisateurs",
        month_column="mois",
    )


def test_a_csv_file_at_an_address_is_read_with_french_numbers(server, metric):
    lines = ["mois;Utilisateurs;Commentaire"]
    lines += [f"{key};{1000 + n} {n}00,5;" for n, key in enumerate(WINDOW)]
    lines += [f"{month(-12)};9;trop ancien", ""]
    server.route("/impact.csv", "\r\n".join(lines).encode("cp1252"))
    source = file_source(metric, server, "/impact.csv")
    diff = metric_source_fetch(source=source, today=TODAY)
    assert len(diff.new) == 6
    assert stored(metric)[WINDOW[1]] == Decimal("1001100.5")
    assert set(Measurement.objects.values_list("source", flat=True)) == {"file"}


def test_a_json_file_at_an_address_is_read_as_rows(server, metric):
    rows = [{"mois": key, "Utilisateurs": n} for n, key in enumerate(WINDOW)]
    server.route("/impact.json", json.dumps(rows).encode())
    metric_source_fetch(source=file_source(metric, server, "/impact.json"), today=TODAY)
    assert stored(metric) == {key: Decimal(n) for n, key in enumerate(WINDOW)}


def test_a_csv_file_without_the_columns_changes_nothing(server, metric):
    server.route("/impact.csv", b"month,users\n2026-05,3\n")
    source = file_source(metric, server, "/impact.csv")
    assert metric_source_fetch(source=source, today=TODAY) is None
    source.refresh_from_db()
    assert source.last_error.startswith("Le fichier n’est ni du JSON ni un CSV")
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"kind": SourceKind.METABASE, "url": "/api/card/3", "month_column": "Mois"},
            "L’adresse d’une carte publique Metabase finit par /api/public/card/",
        ),
        (
            {"kind": SourceKind.METABASE, "url": CARD, "month_column": "Mois", "token": "x"},
            "Seule une source Matomo prend un jeton.",
        ),
        ({"kind": SourceKind.FILE, "url": "/impact.csv"}, "Indiquez la colonne qui porte le mois."),
        (
            {"kind": SourceKind.MATOMO, "url": "/", "method": "VisitsSummary.get"},
            "Indiquez l’identifiant du site dans Matomo (idSite).",
        ),
    ],
    ids=["metabase-path", "metabase-token", "file-month-column", "matomo-site"],
)
def test_the_form_refuses_an_incomplete_source(server, metric, client, fields, error):
    client.force_login(persona_user("staff", startup=metric.startup))
    url = reverse("metrics:source", args=[metric.startup.slug, metric.pk])
    data = {"value_column": "Démarches"} | fields | {"url": server.url(fields["url"])}
    response = client.post(url, data)
    assert response.status_code == 200 and error in response.text
    assert not MetricSource.objects.exists()


def test_the_stored_token_can_be_forgotten(server, metric, client):
    source = matomo_source(metric, server)
    client.force_login(persona_user("team", startup=metric.startup))
    url = reverse("metrics:source", args=[metric.startup.slug, metric.pk])
    fields = {"kind": "matomo", "url": source.url, "site_id": "42", "value_column": "nb_visits"}
    client.post(url, fields | {"method": "VisitsSummary.get", "forget_token": "on"})
    assert MetricSource.objects.get().token_encrypted == ""


def test_the_metrics_page_shows_each_source_s_last_fetch_to_its_editors(server, metric, client):
    server.route("/index.php", b"{", statuses=[200])
    metric_source_fetch(source=matomo_source(metric, server), today=TODAY)
    url = reverse("metrics:list", args=[metric.startup.slug])
    client.force_login(persona_user("team", startup=metric.startup))
    page = client.get(url).text
    assert "Source automatique :" in page
    assert "a échoué : La réponse de Matomo n’est pas du JSON lisible." in page
    client.force_login(persona_user("sponsor", startup=metric.startup))
    assert "Source automatique" not in client.get(url).text


def test_the_button_tries_once_and_says_why_it_failed(server, metric, client):
    add_measurements(metric, {WINDOW[0]: 1})
    server.route(CARD, b"oops", statuses=[503])
    metabase_source(metric, server)
    client.force_login(persona_user("staff", startup=metric.startup))
    fetch = reverse("metrics:source-fetch", args=[metric.startup.slug, metric.pk])
    page = client.post(fetch, follow=True).text
    assert len(server.requests) == 1
    assert "La mise à jour a échoué, aucune valeur n’a changé : Réponse HTTP 503 de" in page
    assert stored(metric) == {WINDOW[0]: Decimal(1)}
