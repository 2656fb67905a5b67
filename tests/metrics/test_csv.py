"""The CSV upload of measurements: both layouts, separators, encodings, every error by line and
column with nothing written, the preview's counts, the apply (once, even on a double click),
permissions per persona, query counts, and no bytes that make the upload answer 500."""

import datetime
import os
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics import csv_import, views_csv
from metrics.csv_import import CsvRejected, csv_apply, csv_check, csv_preview
from metrics.models import Measurement, MetricDefinition
from tests.factories import MetricFactory, UserFactory, add_measurements
from tests.utils import get_page, month

# The file checks parse on a day of their own, passed as `today` (the months of their files are
# from 2026 and the future starts in December 2026); the pages run on the tests' clock.
PARSE_DAY = datetime.date(2026, 11, 23)
FILED = "Dossiers déposés"
USERS = "Utilisateurs actifs"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Kept uploads go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def kept_files(media) -> list:
    folder = media / csv_import.UPLOAD_DIR
    return list(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def filed(startup):
    return MetricFactory(startup=startup, label=FILED)


@pytest.fixture
def users(startup, filed):
    return MetricFactory(startup=startup, active_users=True, label=USERS)


def stored(startup) -> dict:
    return {
        (m.metric.label, f"{m.month:%Y-%m}"): m.value
        for m in Measurement.objects.filter(metric__startup=startup).select_related("metric")
    }


def apply(text: str | bytes, startup, encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return csv_apply(data, startup=startup, today=PARSE_DAY)


def rejection(text: str, startup) -> list[str]:
    with pytest.raises(CsvRejected) as caught:
        csv_check(text.encode(), startup=startup, today=PARSE_DAY)
    return [str(error) for error in caught.value.errors]


# Layouts, separators, encodings -----------------------------------------------------------------


WIDE = f"mois;{FILED};{USERS}\n2026-01;1 204;350\n2026-02;1 310,5;\n03/2026;;400\n"


def test_wide_file_with_semicolons_records_each_value_as_csv_with_its_definition(
    startup, filed, users
):
    newer = MetricDefinition.objects.create(
        metric=filed, valid_from=datetime.date(2026, 2, 1), text="Hors brouillons"
    )
    outcome = apply(WIDE, startup)
    assert (outcome.new, outcome.changed, outcome.unchanged) == (4, 0, 0)
    assert stored(startup) == {
        (FILED, "2026-01"): Decimal("1204"),
        (FILED, "2026-02"): Decimal("1310.5"),
        (USERS, "2026-01"): Decimal("350"),
        (USERS, "2026-03"): Decimal("400"),
    }
    rows = Measurement.objects.filter(metric=filed).order_by("month")
    assert [row.source for row in rows] == ["csv", "csv"]
    assert [row.definition for row in rows] == [filed.definitions.first(), newer]


def test_wide_file_with_commas_and_quoted_french_decimals(startup, filed, users):
    apply(f'mois,{FILED},{USERS}\n2026-01,"1 204,5",350\n', startup)
    assert stored(startup)[(FILED, "2026-01")] == Decimal("1204.5")


def test_a_label_with_a_comma_in_a_semicolon_file(startup):
    MetricFactory(startup=startup, label="Satisfaction, en %")
    apply("mois;Satisfaction, en %\n2026-01;87,5\n", startup)
    assert stored(startup) == {("Satisfaction, en %", "2026-01"): Decimal("87.5")}


def test_long_file(startup, filed, users):
    text = f"Mois;Indicateur;Valeur\n2026-01;{FILED};12\n2026-01;{USERS};3,5\n2026-02;{FILED};\n"
    outcome = apply(text, startup)
    assert outcome.new == 2
    assert stored(startup) == {(FILED, "2026-01"): 12, (USERS, "2026-01"): Decimal("3.5")}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_excel_saves(startup, filed, users, encoding):
    if encoding == "utf-16":  # not supported: refused with a readable message, not a crash
        assert rejection_bytes(WIDE.encode(encoding), startup)
        return
    apply(WIDE, startup, encoding=encoding)
    assert len(stored(startup)) == 4


def rejection_bytes(data: bytes, startup) -> list[str]:
    with pytest.raises(CsvRejected) as caught:
        csv_check(data, startup=startup, today=PARSE_DAY)
    return [str(error) for error in caught.value.errors]


def test_headers_match_labels_whatever_the_case_and_spaces(startup, filed):
    apply("  MOIS ;  dossiers   DÉPOSÉS \r\n2026-01;5\r\n", startup)
    assert stored(startup) == {(FILED, "2026-01"): 5}


def test_blank_lines_and_a_trailing_empty_column_are_ignored(startup, filed):
    apply(f"mois;{FILED};\n\n2026-01;5;\n;;\n", startup)
    assert stored(startup) == {(FILED, "2026-01"): 5}


# Errors: every one listed by line and column, nothing written ------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"mois;{FILED}\n2026-01;3\n2026-02;12a\n", f"ligne 3, colonne « {FILED} » : « 12a » n’est pas un nombre."),
        (f"mois;{FILED}\n2026-13;3\n", "ligne 2, colonne « mois » : « 2026-13 » n’est pas un mois valide."),
        (f"mois;{FILED}\nmars;3\n", "ligne 2, colonne « mois » : « mars » n’est pas un mois (attendu AAAA-MM, par exemple 2026-03)."),
        (f"mois;{FILED}\n2027-01;3\n", "ligne 2, colonne « mois » : Le mois 01/2027 n’est pas encore commencé."),
        (f"mois;{FILED}\n;3\n", "ligne 2, colonne « mois » : le mois manque."),
        (f"mois;{FILED}\n2026-01;3\n01/2026;4\n", "ligne 3, colonne « mois » : le mois 01/2026 figure déjà ligne 2."),
        (f"mois;{FILED};Inconnu\n2026-01;3;4\n", "ligne 1, colonne « Inconnu » : aucun indicateur de la startup ne porte ce nom."),
        (f"mois;{FILED};{FILED}\n2026-01;3;4\n", f"ligne 1, colonne « {FILED} » : l’indicateur figure déjà en colonne « {FILED} »."),
        (f"mois;{FILED}\n2026-01;3;4\n", "ligne 2 : « 4 » est au-delà de la dernière colonne."),
        (f"mois;{FILED};\n2026-01;3;4\n", "ligne 2, colonne « n° 3 » : cette colonne n’a pas de titre."),
        (f"mois;{FILED}\n2026-01;1,23456\n", f"ligne 2, colonne « {FILED} » : « 1,23456 » a plus de 4 décimales."),
        (f"mois;{FILED}\n2026-01;1e20\n", f"ligne 2, colonne « {FILED} » : « 1e20 » n’est pas un nombre utilisable."),
        ("", "Le fichier est vide."),
        ("\n\n  \n", "Le fichier est vide."),
        (f"date;{FILED}\n2026-01;3\n", "ligne 1 : l’en-tête doit commencer par la colonne « mois », suivie des indicateurs (une colonne chacun) ou des colonnes « indicateur » et « valeur », séparées par des points-virgules ou des virgules."),
        ("mois\n2026-01\n", "ligne 1 : l’en-tête doit commencer par la colonne « mois », suivie des indicateurs (une colonne chacun) ou des colonnes « indicateur » et « valeur », séparées par des points-virgules ou des virgules."),
        ("mois;indicateur;valeur\n2026-01;Inconnu;3\n", "ligne 2, colonne « indicateur » : aucun indicateur de la startup ne s’appelle « Inconnu »."),
        ("mois;indicateur;valeur\n2026-01;;3\n", "ligne 2, colonne « indicateur » : l’indicateur manque."),
        (f"mois;indicateur;valeur\n2026-01;{FILED};trois\n", "ligne 2, colonne « valeur » : « trois » n’est pas un nombre."),
        (f"mois;indicateur;valeur\n2026-01;{FILED};3\n2026-01;{FILED};4\n", f"ligne 3 : « {FILED} » a déjà une valeur pour 01/2026 ligne 2."),
        (f"mois;indicateur;valeur\n2026-01;{FILED};3;x\n", "ligne 2 : une ligne n’a que trois colonnes : mois, indicateur, valeur."),
    ],
)  # fmt: skip
def test_each_error_is_told_by_line_and_column_in_french(startup, filed, text, message):
    assert rejection(text, startup) == [message]


def test_every_error_is_listed_and_nothing_is_written(startup, filed, users):
    add_measurements(filed, {"2025-12": 10})
    text = f"mois;{FILED};{USERS}\n2026-01;5;6\n2026-02;x;7\n2026-99;8;y\n2026-04;9;10\n"
    with pytest.raises(CsvRejected) as caught:
        apply(text, startup)
    assert [str(e) for e in caught.value.errors] == [
        f"ligne 3, colonne « {FILED} » : « x » n’est pas un nombre.",
        "ligne 4, colonne « mois » : « 2026-99 » n’est pas un mois valide.",
        f"ligne 4, colonne « {USERS} » : « y » n’est pas un nombre.",
    ]
    assert stored(startup) == {(FILED, "2025-12"): 10}


def test_a_file_full_of_errors_lists_the_first_hundred_and_counts_them_all(startup, filed):
    text = f"mois;{FILED}\n" + "".join(f"{2000 + n // 12}-{n % 12 + 1:02};x\n" for n in range(150))
    with pytest.raises(CsvRejected) as caught:
        csv_check(text.encode(), startup=startup, today=PARSE_DAY)
    assert (len(caught.value.errors), caught.value.count) == (100, 150)


def test_metrics_of_another_startup_are_unknown(startup, filed):
    MetricFactory(label="Ailleurs")
    assert rejection("mois;Ailleurs\n2026-01;3\n", startup) == [
        "ligne 1, colonne « Ailleurs » : aucun indicateur de la startup ne porte ce nom."
    ]


# Preview and apply --------------------------------------------------------------------------------


def test_preview_counts_new_changed_and_unchanged_and_writes_nothing(startup, filed, users):
    add_measurements(filed, {"2026-01": 100, "2026-02": 200})
    text = f"mois;{FILED};{USERS}\n2026-01;100;1\n2026-02;250;\n"
    outcome = csv_preview(text.encode(), startup=startup, today=PARSE_DAY)
    assert (outcome.new, outcome.changed, outcome.unchanged, outcome.total) == (1, 1, 1, 3)
    assert [(r.metric.label, r.month.month, r.old, r.new) for r in outcome.rows] == [
        (FILED, 2, Decimal("200"), Decimal("250")),
        (USERS, 1, None, Decimal("1")),
    ]
    assert [(r.old_text, r.new_text) for r in outcome.rows] == [("200", "250"), ("–", "1")]
    assert stored(startup) == {(FILED, "2026-01"): 100, (FILED, "2026-02"): 200}


def test_preview_lists_a_few_hundred_rows_and_counts_them_all(startup, filed):
    text = f"mois;{FILED}\n" + "".join(
        f"{2000 + n // 12}-{n % 12 + 1:02};{n}\n" for n in range(310)
    )
    outcome = csv_preview(text.encode(), startup=startup, today=PARSE_DAY)
    assert (outcome.new, len(outcome.rows), outcome.listed_all) == (310, 300, False)
    assert outcome.rows[0].month == datetime.date(2000, 1, 1)


def test_applying_again_changes_nothing(startup, filed, users):
    first = apply(WIDE, startup)
    again = apply(WIDE, startup)
    assert (first.new, again.new, again.changed, again.unchanged) == (4, 0, 0, 4)
    assert again.is_empty


def test_apply_updates_changed_values_only(startup, filed):
    add_measurements(filed, {"2026-01": 100, "2026-02": 200})
    untouched = Measurement.objects.get(metric=filed, month=datetime.date(2026, 1, 1))
    outcome = apply(f"mois;{FILED}\n2026-01;100,0\n2026-02;201\n", startup)
    assert (outcome.new, outcome.changed, outcome.unchanged) == (0, 1, 1)
    assert Measurement.objects.get(pk=untouched.pk).source == "form"
    changed = Measurement.objects.get(metric=filed, month=datetime.date(2026, 2, 1))
    assert (changed.value, changed.source) == (201, "csv")


def test_french_display_of_values():
    assert csv_import.display_number(Decimal("1234.5000")) == "1\xa0234,5"
    assert csv_import.display_number(Decimal("120.0000")) == "120"


# The pages -----------------------------------------------------------------------------------------

FIRST, SECOND = month(-2), month(-1)  # two months before this one


def upload(client, startup, text: str | bytes, name="mesures.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("metrics:csv-upload", args=[startup.slug]),
        {"fichier": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def test_upload_preview_apply_then_the_file_is_gone(client, intrapreneur, startup, filed, media):
    client.force_login(intrapreneur)
    add_measurements(filed, {FIRST: 1})
    response = upload(client, startup, f"mois;{FILED}\n{FIRST};2\n{SECOND};3\n")
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:csv-preview", args=[startup.slug])
    assert len(kept_files(media)) == 1
    assert stored(startup) == {(FILED, FIRST): 1}

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert (page.context["outcome"].new, page.context["outcome"].changed) == (1, 1)
    assert "Valider l’import" in page.content.decode()

    token = page.context["token"]
    applied = client.post(reverse("metrics:csv-apply", args=[startup.slug]), {"jeton": token})
    assert applied.status_code == 302
    assert applied["Location"] == views_csv.metrics_page_url(startup)
    assert stored(startup) == {(FILED, FIRST): 2, (FILED, SECOND): 3}
    assert kept_files(media) == []
    assert views_csv.SESSION_KEY not in client.session or not client.session[views_csv.SESSION_KEY]
    message = [str(m) for m in applied.wsgi_request._messages]
    assert message == ["Import terminé : 1 valeur ajoutée, 1 modifiée, 0 inchangée."]

    # A double click: the second POST finds nothing left to do, and says so.
    again = client.post(reverse("metrics:csv-apply", args=[startup.slug]), {"jeton": token})
    assert again.status_code == 302
    assert [str(m) for m in again.wsgi_request._messages][-1] == (
        "Ce fichier a déjà été importé : rien de plus à faire."
    )
    assert stored(startup) == {(FILED, FIRST): 2, (FILED, SECOND): 3}


def test_a_second_click_racing_the_first_finds_the_file_gone(client, intrapreneur, startup, filed):
    """The session of the second request still names the file; the first has deleted it."""
    client.force_login(intrapreneur)
    upload(client, startup, f"mois;{FILED}\n{FIRST};2\n")
    session_upload = client.session[views_csv.SESSION_KEY][startup.slug]
    csv_import.upload_delete(session_upload["name"])
    response = client.post(
        reverse("metrics:csv-apply", args=[startup.slug]),
        {"jeton": views_csv.token_of(session_upload)},
    )
    assert response.status_code == 302
    assert stored(startup) == {}


def test_a_stale_preview_does_not_apply_the_newer_file(client, intrapreneur, startup, filed):
    client.force_login(intrapreneur)
    upload(client, startup, f"mois;{FILED}\n{FIRST};2\n")
    old_token = client.get(reverse("metrics:csv-preview", args=[startup.slug])).context["token"]
    upload(client, startup, f"mois;{FILED}\n{FIRST};3\n")
    response = client.post(reverse("metrics:csv-apply", args=[startup.slug]), {"jeton": old_token})
    assert response["Location"] == reverse("metrics:csv-preview", args=[startup.slug])
    assert stored(startup) == {}


def test_uploading_again_replaces_the_kept_file(client, intrapreneur, startup, filed, media):
    client.force_login(intrapreneur)
    upload(client, startup, f"mois;{FILED}\n{FIRST};2\n")
    upload(client, startup, f"mois;{FILED}\n{FIRST};3\n")
    assert len(kept_files(media)) == 1


def test_files_left_a_day_without_apply_are_swept_at_the_next_upload(
    client, intrapreneur, startup, filed, media
):
    client.force_login(intrapreneur)
    upload(client, startup, f"mois;{FILED}\n{FIRST};2\n")
    (left,) = kept_files(media)
    a_day_ago = time.time() - 25 * 3600
    os.utime(left, (a_day_ago, a_day_ago))
    client.logout()
    client.force_login(UserFactory(staff_of=startup.incubator))
    upload(client, startup, f"mois;{FILED}\n{FIRST};3\n")
    assert left not in kept_files(media)
    assert len(kept_files(media)) == 1


def test_cancel_deletes_the_file(client, intrapreneur, startup, filed, media):
    client.force_login(intrapreneur)
    upload(client, startup, f"mois;{FILED}\n{FIRST};2\n")
    response = client.post(reverse("metrics:csv-apply", args=[startup.slug]), {"annuler": ""})
    assert response["Location"] == reverse("metrics:csv-upload", args=[startup.slug])
    assert kept_files(media) == []
    assert stored(startup) == {}


def test_a_bad_file_is_refused_with_its_errors_and_not_kept(
    client, intrapreneur, startup, filed, media
):
    client.force_login(intrapreneur)
    response = upload(client, startup, f"mois;{FILED}\n{FIRST};3\n{SECOND};12a\n")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Fichier refusé : 1 erreur, aucune valeur enregistrée" in content
    assert f"ligne 3, colonne « {FILED} » : « 12a » n’est pas un nombre." in content
    assert kept_files(media) == []
    assert stored(startup) == {}


def test_preview_checks_again_when_a_metric_was_renamed(
    client, intrapreneur, startup, filed, media
):
    client.force_login(intrapreneur)
    upload(client, startup, f"mois;{FILED}\n{FIRST};3\n")
    filed.label = "Dossiers"
    filed.save()
    response = client.get(reverse("metrics:csv-preview", args=[startup.slug]))
    assert response.status_code == 200
    assert "aucun indicateur de la startup ne porte ce nom" in response.content.decode()
    assert kept_files(media) == []


def test_preview_without_a_file_goes_back_to_the_upload(client, intrapreneur, startup):
    client.force_login(intrapreneur)
    response = client.get(reverse("metrics:csv-preview", args=[startup.slug]))
    assert response["Location"] == reverse("metrics:csv-upload", args=[startup.slug])


def test_too_big_a_file_is_refused_in_french(client, intrapreneur, startup, filed, monkeypatch):
    monkeypatch.setattr(views_csv, "MAX_UPLOAD_BYTES", 10)  # the limit is 20 Mo
    client.force_login(intrapreneur)
    response = upload(client, startup, f"mois;{FILED}\n{FIRST};3\n")
    assert response.status_code == 200
    assert response.context["form"].errors["fichier"] == ["Le fichier pèse 0,0 Mo : 20 Mo au plus."]


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("mesures.xlsx", b"PK\x03\x04", "Seuls les fichiers .csv sont acceptés."),
        (
            "mesures.csv",
            b"PK\x03\x04\x14\x00\x06\x00",
            "Ce fichier n’est pas un CSV : enregistrez-le au format CSV depuis le tableur.",
        ),
    ],
)
def test_only_csv_text_files_are_accepted(client, intrapreneur, startup, name, data, error, media):
    client.force_login(intrapreneur)
    response = upload(client, startup, data, name=name)
    assert response.context["form"].errors["fichier"] == [error]
    assert kept_files(media) == []


def test_no_file_is_refused_in_french(client, intrapreneur, startup):
    client.force_login(intrapreneur)
    response = client.post(reverse("metrics:csv-upload", args=[startup.slug]))
    assert response.context["form"].errors["fichier"] == ["Choisissez un fichier CSV."]


def test_the_template_lists_the_metrics_and_the_last_months_and_reads_back(
    client, intrapreneur, startup, filed, users, media
):
    add_measurements(filed, {month(-1): "1234.5"})
    client.force_login(intrapreneur)
    response = client.get(reverse("metrics:csv-template", args=[startup.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == f"mois;{FILED};{USERS}"
    assert len(lines) == 13  # the twelve months before this one
    assert [line.partition(";")[0] for line in lines[1:]] == [month(n) for n in range(-12, 0)]
    assert lines[-2:] == [f"{month(-2)};;", f"{month(-1)};1234,5;"]
    # The template goes back in as it is: nothing to change.
    upload(client, startup, response.content, name="modele.csv")
    assert (
        client.get(reverse("metrics:csv-preview", args=[startup.slug])).context["outcome"].is_empty
    )


def test_the_template_neutralises_a_label_that_looks_like_a_formula_and_reads_it_back(
    client, intrapreneur, startup, media
):
    MetricFactory(startup=startup, label="=1+1 usagers")
    client.force_login(intrapreneur)
    response = client.get(reverse("metrics:csv-template", args=[startup.slug]))
    header = response.content.decode("utf-8").lstrip("\ufeff").splitlines()[0]
    assert header == "mois;'=1+1 usagers"
    upload(client, startup, response.content, name="modele.csv")
    assert (
        client.get(reverse("metrics:csv-preview", args=[startup.slug])).context["outcome"].is_empty
    )


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=A1", "'=A1"),
        ("+33 1", "'+33 1"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("-12,5", "-12,5"),
        ("-", "'-"),
        ("Dossiers", "Dossiers"),
        (None, ""),
    ],
)
def test_csv_cells_that_would_run_as_formulas_get_a_quote(value, cell):
    assert csv_import.csv_cell(value) == cell


# Permissions ----------------------------------------------------------------------------------------


URLS = ["metrics:csv-upload", "metrics:csv-preview", "metrics:csv-template"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("intrapreneur", {200, 302}),
        ("staff", {200, 302}),
        ("superuser", {200, 302}),
        ("sponsor", {403}),
        ("outsider", {403}),
        ("other_team", {403}),
    ],
)
def test_only_the_team_and_its_incubator_import(request, client, startup, url, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(url, args=[startup.slug])).status_code in status


@pytest.mark.parametrize("persona", ["sponsor", "outsider", "other_team"])
def test_others_cannot_post_a_file_or_apply(request, client, startup, filed, persona):
    client.force_login(request.getfixturevalue(persona))
    assert upload(client, startup, f"mois;{FILED}\n{FIRST};3\n").status_code == 403
    response = client.post(reverse("metrics:csv-apply", args=[startup.slug]), {"jeton": "x"})
    assert response.status_code == 403
    assert stored(startup) == {}


def test_anonymous_people_are_sent_to_the_login(client, startup):
    response = client.get(reverse("metrics:csv-upload", args=[startup.slug]))
    assert response["Location"].startswith(reverse("accounts:login"))


# Query counts ---------------------------------------------------------------------------------------


def many_metrics(startup, n):
    return [MetricFactory(startup=startup, is_north_star=False) for _ in range(n)]


def test_upload_page_queries_do_not_grow_with_the_metrics(client, intrapreneur, startup, filed):
    client.force_login(intrapreneur)
    url = reverse("metrics:csv-upload", args=[startup.slug])
    get_page(client, url, queries=8)
    many_metrics(startup, 20)
    get_page(client, url, queries=8)


# Session, user, savepoint ×2, startup, may edit, metrics, the header's staff check; then the
# comparison: one query on SQLite; on PostgreSQL a savepoint and its release, the temporary
# table, COPY, ANALYZE, the counts, the listed rows, DROP.
PREVIEW_QUERIES = {"sqlite": 9, "postgresql": 16}


def test_preview_queries_do_not_grow_with_the_file(client, intrapreneur, startup, filed):
    client.force_login(intrapreneur)
    url = reverse("metrics:csv-preview", args=[startup.slug])
    upload(client, startup, f"mois;{FILED}\n{FIRST};3\n")
    get_page(client, url, queries=PREVIEW_QUERIES[connection.vendor])
    metrics = many_metrics(startup, 10)
    months = [month(n) for n in range(-24, 0)]
    for metric in metrics[:5]:
        add_measurements(metric, dict.fromkeys(months[:12], 7))
    header = ";".join(["mois", *(m.label for m in metrics)])
    rows = "".join(f"{month};" + ";".join(["8"] * 10) + "\n" for month in months)
    upload(client, startup, f"{header}\n{rows}")
    get_page(client, url, queries=PREVIEW_QUERIES[connection.vendor])


# No bytes make the upload answer 500 ---------------------------------------------------------------


PIECES = [
    "mois", "indicateur", "valeur", FILED, USERS, "Inconnu", "2026-01", "01/2026", "2026-13",
    "2099-01", "12", "1 204,5", "1e400", "NaN", "-0", "12a", "", " ", ";", ",", "\t", '"', "\n",
    "\r\n", "\r", "\ufeff", "\x00", "é", "\u202f",
]  # fmt: skip
CSV_LIKE = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
ENCODED = st.tuples(CSV_LIKE, st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])).map(
    lambda pair: pair[0].encode(pair[1], errors="replace")
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.one_of(st.binary(max_size=300), ENCODED))
def test_no_uploaded_bytes_make_the_upload_answer_500(
    client, intrapreneur, startup, users, media, data
):
    client.force_login(intrapreneur)
    response = upload(client, startup, data)
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        preview = client.get(response["Location"])
        assert preview.status_code == 200
        applied = client.post(
            reverse("metrics:csv-apply", args=[startup.slug]), {"jeton": preview.context["token"]}
        )
        assert applied.status_code == 302
    assert kept_files(media) == []
