"""The JSON API and its tokens: every way in is refused with a 4xx and a French reason, never a
500; good measurements are recorded all or nothing, idempotently, in a constant number of
queries; the token pages belong to the incubator's staff."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from lxml import html as lxml_html

from metrics.enums import MeasurementSource
from metrics.models import ApiToken, Measurement
from metrics.tokens import api_token_authenticate, api_token_issue, api_token_revoke, token_digest
from metrics.views_api import MAX_BODY_BYTES, MAX_ITEMS
from tests.factories import MetricFactory, StartupFactory, UserFactory, add_measurements
from tests.utils import assert_queries, get_page, month, month_start

URL = "/api/v1/measurements"
# Four past months, oldest first: what teams' scripts send.
M1, M2, M3, M4 = (month(n) for n in range(-4, 0))


@pytest.fixture
def metric(startup):
    return MetricFactory(startup=startup, label="Dossiers déposés")


@pytest.fixture
def secret(startup, staff):
    return api_token_issue(startup=startup, label="Script Metabase", by=staff)[1]


def post(client, body, *, secret=None, content_type="application/json", **headers):
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.generic("POST", URL, data, content_type=content_type, headers=headers)


def item(metric="Dossiers déposés", month=M2, value=1234.5):
    return {"metric": metric, "month": month, "value": value}


def errors(response) -> list[dict]:
    assert response["Content-Type"] == "application/json"
    return response.json()["errors"]


# Tokens


def test_issued_token_is_shown_once_and_only_its_digest_is_stored(startup, staff):
    token, secret = api_token_issue(startup=startup, label="Script", by=staff)
    assert secret.startswith("comite_") and len(secret) == len("comite_") + 43
    token.refresh_from_db()
    assert token.digest == token_digest(secret) != secret
    assert token.prefix == secret[len("comite_") :][:8]
    assert secret not in {str(value) for value in ApiToken.objects.values().get().values()}
    assert api_token_authenticate(secret) == token


def test_two_tokens_are_different(startup, staff):
    assert (
        api_token_issue(startup=startup, label="a", by=staff)[1]
        != (api_token_issue(startup=startup, label="b", by=staff)[1])
    )


def test_revoked_token_is_refused_and_revoking_twice_changes_nothing(startup, staff, secret):
    token = ApiToken.objects.get()
    assert api_token_revoke(token=token, by=staff)
    revoked_at = ApiToken.objects.get().revoked_at
    assert revoked_at is not None
    assert not api_token_revoke(token=token, by=staff)
    assert ApiToken.objects.get().revoked_at == revoked_at
    assert api_token_authenticate(secret) is None


def test_last_use_is_written_at_most_once_a_minute(secret):
    assert ApiToken.objects.get().last_used_at is None
    api_token_authenticate(secret)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with assert_queries(1):  # the look-up, no write
        api_token_authenticate(secret)
    ApiToken.objects.update(last_used_at=first - datetime.timedelta(minutes=2))
    api_token_authenticate(secret)
    assert ApiToken.objects.get().last_used_at > first - datetime.timedelta(minutes=1)


@pytest.mark.parametrize("secret", ["", "comite_", "comite_nope", "x" * 10_000, "\udcff"])
def test_unknown_secrets_authenticate_nobody(db, secret):
    assert api_token_authenticate(secret) is None


# Recording


def test_good_measurements_are_recorded_from_the_api(client, metric, secret):
    body = {
        "measurements": [
            item(),
            item(metric=metric.pk, month=M3, value="1 310,25"),
            item(month=f"{month_start(-1):%m/%Y}", value=7),  # M4, written MM/AAAA
        ]
    }
    response = post(client, body, secret=secret)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    stored = dict(Measurement.objects.values_list("month", "value"))
    assert stored == {
        month_start(-3): Decimal("1234.5"),
        month_start(-2): Decimal("1310.25"),
        month_start(-1): Decimal("7"),
    }
    assert set(Measurement.objects.values_list("source", flat=True)) == {MeasurementSource.API}
    assert ApiToken.objects.get().last_used_at is not None


def test_sending_the_same_payload_twice_changes_nothing_the_second_time(client, metric, secret):
    body = {"measurements": [item(), item(month=M3, value=12)]}
    assert post(client, body, secret=secret).json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert post(client, body, secret=secret).json() == {"created": 0, "updated": 0, "unchanged": 2}
    body["measurements"][1]["value"] = 13
    assert post(client, body, secret=secret).json() == {"created": 0, "updated": 1, "unchanged": 1}


def test_an_empty_list_records_nothing(client, metric, secret):
    response = post(client, {"measurements": []}, secret=secret)
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 0}


def test_one_bad_item_rejects_the_whole_payload_with_every_error(client, metric, secret):
    add_measurements(metric, {M1: 10})
    body = {
        "measurements": [
            item(month=M1, value=99),
            item(month=M2),
            item(month="2026-13"),
            item(value="abc"),
            item(metric="Inconnu"),
            item(month=month(1)),
        ]
    }
    response = post(client, body, secret=secret)
    assert response.status_code == 422
    assert errors(response) == [
        {"index": 2, "field": "month", "message": "« 2026-13 » n’est pas un mois valide."},
        {"index": 3, "field": "value", "message": "« abc » n’est pas un nombre."},
        {
            "index": 4,
            "field": "metric",
            "message": "« Inconnu » n’est pas un indicateur de cette startup.",
        },
        {
            "index": 5,
            "field": "month",
            "message": f"Le mois {month_start(1):%m/%Y} n’est pas encore commencé.",
        },
    ]
    assert dict(Measurement.objects.values_list("month", "value")) == {
        month_start(-4): Decimal("10")
    }


def test_a_metric_of_another_startup_is_refused_by_id_and_by_label(client, metric, secret):
    other = MetricFactory(startup=StartupFactory(), label="Autre indicateur")
    body = {"measurements": [item(metric=other.pk), item(metric=other.label, month=M3)]}
    response = post(client, body, secret=secret)
    assert response.status_code == 422
    assert [e["message"] for e in errors(response)] == [
        f"« {other.pk} » n’est pas un indicateur de cette startup.",
        "« Autre indicateur » n’est pas un indicateur de cette startup.",
    ]
    assert not Measurement.objects.exists()


SHAPE_ERRORS = {
    "not an object": ([item()], 400, None, 'Le corps est un objet {"measurements": [...]}.'),
    "no measurements": ({}, 400, None, 'Le corps est un objet {"measurements": [...]}.'),
    "extra key": (
        {"measurements": [], "startup": "x"},
        400,
        "startup",
        "Champ inconnu : seul « measurements » est attendu.",
    ),
    "measurements not a list": (
        {"measurements": {"0": item()}},
        400,
        "measurements",
        "« measurements » est une liste.",
    ),
    "item not an object": (
        {"measurements": [[1, 2, 3]]},
        422,
        None,
        'Une mesure est un objet {"metric", "month", "value"}.',
    ),
    "missing value": (
        {"measurements": [{"metric": "Dossiers déposés", "month": M2}]},
        422,
        "value",
        "Champ obligatoire.",
    ),
    "unknown key": (
        {"measurements": [{**item(), "valeur": 3}]},
        422,
        "valeur",
        "Champ inconnu : une mesure a les champs metric, month et value.",
    ),
    "boolean value": (
        {"measurements": [item(value=True)]},
        422,
        "value",
        "La valeur est un nombre (1234.5) ou un texte (« 1 234,5 »).",
    ),
    "null value": (
        {"measurements": [item(value=None)]},
        422,
        "value",
        "La valeur est un nombre (1234.5) ou un texte (« 1 234,5 »).",
    ),
    "nested value": (
        {"measurements": [item(value={"amount": [1]})]},
        422,
        "value",
        "La valeur est un nombre (1234.5) ou un texte (« 1 234,5 »).",
    ),
    "too many decimals": (
        {"measurements": [item(value=0.12345)]},
        422,
        "value",
        "« 0.12345 » a plus de 4 décimales.",
    ),
    "huge value": (
        {"measurements": [item(value=1e300)]},
        422,
        "value",
        "« 1E+300 » n’est pas un nombre utilisable.",
    ),
    "boolean metric": (
        {"measurements": [item(metric=True)]},
        422,
        "metric",
        "L’indicateur se désigne par son identifiant (un nombre entier) ou son libellé (un texte).",
    ),
    "decimal metric": (
        {"measurements": [item(metric=1.5)]},
        422,
        "metric",
        "L’indicateur se désigne par son identifiant (un nombre entier) ou son libellé (un texte).",
    ),
    "month as a number": (
        {"measurements": [item(month=202603)]},
        422,
        "month",
        "Le mois est un texte AAAA-MM, par exemple « 2026-03 ».",
    ),
    "duplicate month": (
        {"measurements": [item(), item(month=f"{M2}-01", value=3)]},
        422,
        "month",
        "Ce mois de cet indicateur figure déjà à l’index 0.",
    ),
}


@pytest.mark.parametrize("case", SHAPE_ERRORS)
def test_wrong_shapes_get_a_4xx_with_a_french_reason(client, metric, secret, case):
    body, status, field, text = SHAPE_ERRORS[case]
    response = post(client, body, secret=secret)
    assert response.status_code == status
    error = errors(response)[-1]
    assert error["message"] == text
    assert error.get("field") == field
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b"{", "Le corps n’est pas du JSON valide (ligne 1, colonne 2)."),
        (b" ", "Le corps n’est pas du JSON valide (ligne 1, colonne 2)."),
        (b'{"measurements": [NaN]}', "Le corps n’est pas du JSON valide."),
        (b"\xff\xfe{}", "Le corps n’est pas encodé en UTF-8."),
        (b"[" * 100_000 + b"]" * 100_000, "Le corps n’est pas du JSON valide."),
        (b'{"measurements": [' + b"1" * 5000 + b"]}", "Le corps n’est pas du JSON valide."),
    ],
)
def test_bad_json_gets_a_400(client, metric, secret, body, text):
    response = post(client, body, secret=secret)
    assert response.status_code == 400
    assert errors(response) == [{"message": text}]


def test_a_byte_order_mark_is_accepted(client, metric, secret):
    response = post(
        client, b"\xef\xbb\xbf" + json.dumps({"measurements": [item()]}).encode(), secret=secret
    )
    assert response.status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_declared_json_gets_a_415(client, metric, secret, content_type):
    response = post(client, {"measurements": []}, secret=secret, content_type=content_type)
    assert response.status_code == 415
    assert errors(response) == [
        {"message": "Le corps doit être du JSON : en-tête « Content-Type: application/json »."}
    ]


def test_json_with_a_charset_is_fine(client, metric, secret):
    response = post(
        client, {"measurements": []}, secret=secret, content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 200


def test_a_body_over_the_limit_gets_a_413_unread(client, metric, secret):
    body = b'{"measurements": [' + b" " * MAX_BODY_BYTES + b"]}"
    response = post(client, body, secret=secret)
    assert response.status_code == 413
    assert errors(response) == [
        {"message": "Le corps dépasse 2 Mo : envoyez-le en plusieurs fois."}
    ]


def test_too_many_items_get_a_400(client, metric, secret):
    body = {"measurements": [0] * (MAX_ITEMS + 1)}
    response = post(client, body, secret=secret)
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "measurements"


def test_errors_are_capped_at_a_hundred_and_say_how_many_more(client, metric, secret):
    response = post(client, {"measurements": [item(value="x")] * 150}, secret=secret)
    assert response.status_code == 422
    listed = errors(response)
    assert len(listed) == 101
    assert listed[-1] == {"message": "… et 50 autres erreurs."}


# Authentication


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, 'Bearer realm="comite"'),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 'Bearer realm="comite"'),
        ({"Authorization": "Bearer"}, 'Bearer realm="comite"'),
        (
            {"Authorization": "Bearer comite_inconnu"},
            'Bearer realm="comite", error="invalid_token"',
        ),
    ],
)
def test_missing_or_unknown_tokens_get_a_401(client, metric, headers, challenge):
    response = post(client, {"measurements": [item()]}, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == challenge
    assert errors(response)[0]["message"] in {
        "Jeton manquant : envoyez l’en-tête « Authorization: Bearer <jeton> ».",
        "Jeton inconnu ou révoqué.",
    }
    assert not Measurement.objects.exists()


def test_a_revoked_token_gets_a_401(client, metric, secret, staff):
    api_token_revoke(token=ApiToken.objects.get(), by=staff)
    response = post(client, {"measurements": [item()]}, secret=secret)
    assert response.status_code == 401
    assert errors(response) == [{"message": "Jeton inconnu ou révoqué."}]


def test_the_scheme_is_case_insensitive(client, metric, secret):
    response = post(client, {"measurements": []}, Authorization=f"bearer  {secret} ")
    assert response.status_code == 200


def test_a_session_is_not_a_token(client, metric, superuser):
    client.force_login(superuser)
    response = post(client, {"measurements": [item()]})
    assert response.status_code == 401
    response = client.get("/api/v1/metrics")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("PUT", URL, "GET, POST"),
        ("DELETE", URL, "GET, POST"),
        ("POST", "/api/v1/metrics", "GET"),
        ("PATCH", "/api/v1/metrics", "GET"),
        ("POST", "/api/v1/openapi.json", "GET"),
    ],
)
def test_wrong_methods_get_a_json_405(client, secret, method, url, allow):
    response = client.generic(method, url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert "non permise" in errors(response)[0]["message"]


# Reading


def test_metrics_lists_the_tokens_startup_metrics_only(client, startup, metric, secret):
    other = MetricFactory(startup=startup, active_users=True)
    MetricFactory(startup=StartupFactory(), label="Ailleurs")
    response = client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json() == {
        "startup": {"slug": "mon-service", "name": "Mon Service"},
        "metrics": [
            {
                "id": metric.pk,
                "label": "Dossiers déposés",
                "unit": "dossiers",
                "dimension": "impactful",
                "north_star": True,
                "direction": "higher",
                "aggregation": "sum",
            },
            {
                "id": other.pk,
                "label": "Utilisateurs actifs mensuels",
                "unit": "utilisateurs",
                "dimension": "used",
                "north_star": False,
                "direction": "higher",
                "aggregation": "average",
            },
        ],
    }


def test_measurements_can_be_read_back_filtered(client, startup, metric, secret):
    add_measurements(metric, {M1: "10.5", M2: 1000, M3: 30})
    add_measurements(MetricFactory(startup=StartupFactory()), {M1: 1})
    auth = {"Authorization": f"Bearer {secret}"}
    everything = client.get(URL, headers=auth).json()["measurements"]
    assert [(m["month"], m["value"]) for m in everything] == [
        (M1, "10.5"),
        (M2, "1000"),
        (M3, "30"),
    ]
    assert everything[0] == {
        "metric": metric.pk,
        "label": "Dossiers déposés",
        "month": M1,
        "value": "10.5",
        "source": "form",
    }
    some = client.get(URL, {"metric": "Dossiers déposés", "from": M2, "to": M2}, headers=auth)
    assert [m["month"] for m in some.json()["measurements"]] == [M2]
    by_id = client.get(URL, {"metric": str(metric.pk), "from": M3}, headers=auth)
    assert [m["month"] for m in by_id.json()["measurements"]] == [M3]


def test_bad_read_parameters_get_a_400(client, metric, secret):
    response = client.get(
        URL, {"metric": "Inconnu", "from": "hier"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 400
    assert errors(response) == [
        {"field": "metric", "message": "« Inconnu » n’est pas un indicateur de cette startup."},
        {
            "field": "from",
            "message": "« hier » n’est pas un mois (attendu AAAA-MM, par exemple 2026-03).",
        },
    ]


# Query counts, pinned: the request's savepoint and release (2), the token (1; its last use is
# written at most once a minute), the startup's metrics (1), the stored values (1), then the
# writes' savepoint and release (2), the service's (2), the definitions (1 a metric), one INSERT
# or one UPDATE (for each slice of 200 values).


def months(n: int) -> list[str]:
    """The `n` months before this one, oldest first."""
    return [month(i - n) for i in range(n)]


def test_the_posts_query_count_does_not_grow_with_the_items(client, metric, secret):
    post(client, {"measurements": []}, secret=secret)  # its last use is written now
    for n in (1, 50):
        Measurement.objects.all().delete()
        for value in (1, 2):  # new rows, then changed ones
            body = {"measurements": [item(month=m, value=value) for m in months(n)]}
            with assert_queries(11):
                response = post(client, body, secret=secret)
            assert response.status_code == 200, response.content


def test_values_are_written_in_slices_all_together(client, metric, secret, monkeypatch):
    monkeypatch.setattr("metrics.views_api.APPLY_SLICE", 2)
    body = {"measurements": [item(month=m, value=1) for m in months(5)]}
    assert post(client, body, secret=secret).json() == {"created": 5, "updated": 0, "unchanged": 0}
    body = {"measurements": [item(month=m, value=i % 2) for i, m in enumerate(months(7))]}
    assert post(client, body, secret=secret).json() == {"created": 2, "updated": 3, "unchanged": 2}
    assert Measurement.objects.count() == 7


@pytest.mark.parametrize("url", [URL, "/api/v1/metrics"])
def test_the_read_endpoints_query_counts_are_pinned(client, startup, metric, secret, url):
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get(url, headers=bearer).status_code == 200  # its last use is written now
    for n in (1, 50):
        add_measurements(metric, dict.fromkeys(months(n), 3))
        for _ in range(n):
            MetricFactory(startup=startup, is_north_star=False)
        get_page(client, url, queries=4, headers=bearer)


# No input makes the API answer 500 (the test client raises any exception the view lets out).

ANSWERS = {200, 400, 401, 413, 415, 422}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
near_items = st.dictionaries(
    st.sampled_from(["metric", "month", "value", "valeur"]),
    st.one_of(
        json_values,
        st.sampled_from(["Dossiers déposés", M2, "03/2026", month(1), "1 234,5", "-0", "1e999"]),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.decimals(allow_nan=True).map(str),
    ),
)
HYPOTHESIS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_json_answer(response):
    assert response.status_code in ANSWERS, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body.keys() in ({"errors"}, {"created", "updated", "unchanged"})


@HYPOTHESIS
@given(body=json_values | st.fixed_dictionaries({"measurements": st.lists(near_items, max_size=8)}))
def test_no_json_body_gets_a_500(client, metric, secret, body):
    assert_json_answer(post(client, json.dumps(body), secret=secret))


@HYPOTHESIS
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_no_bytes_get_a_500(client, metric, secret, body):
    assert_json_answer(post(client, body, secret=secret))


@HYPOTHESIS
@given(
    authorization=st.one_of(st.text(max_size=80), st.just("Bearer ").map(lambda s: s)),
    content_type=st.text(max_size=60)
    | st.sampled_from(["application/json", "application/json; charset=latin-1"]),
    content_length=st.none()
    | st.sampled_from(["", "abc", "-5", "0", "1e3", "99999999999999999999"]),
    use_token=st.booleans(),
)
def test_no_headers_get_a_500(
    client, metric, secret, authorization, content_type, content_length, use_token
):
    headers = {"Authorization": f"Bearer {secret}" if use_token else authorization}
    extra = {} if content_length is None else {"CONTENT_LENGTH": content_length}
    response = client.generic(
        "POST", URL, b'{"measurements": []}', content_type=content_type, headers=headers, **extra
    )
    assert_json_answer(response)


# The token pages


def tokens_url(startup):
    return reverse("metrics:api-tokens", args=[startup.slug])


def revoke_url(token):
    return reverse("metrics:api-token-revoke", args=[token.startup.slug, token.pk])


@pytest.mark.parametrize(
    ("persona", "status", "may_issue"),
    [
        ("staff", 200, True),
        ("superuser", 200, True),
        ("intrapreneur", 200, False),
        ("sponsor", 403, False),
        ("outsider", 403, False),
    ],
)
def test_who_sees_the_tokens_and_who_issues_them(
    client, request, startup, secret, persona, status, may_issue
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(tokens_url(startup))
    assert response.status_code == status
    if status == 200:
        page = lxml_html.fromstring(response.content)
        assert page.cssselect("tbody code")[0].text == f"comite_{ApiToken.objects.get().prefix}…"
        assert bool(page.cssselect("form[method=post] input[name=label]")) == may_issue
        assert bool(page.cssselect("a[href$='/revoquer/']")) == may_issue
    response = client.post(tokens_url(startup), {"label": "Mon script"})
    assert response.status_code == (200 if may_issue else 403)
    assert ApiToken.objects.count() == (2 if may_issue else 1)


@pytest.mark.parametrize("persona", ["intrapreneur", "sponsor", "outsider"])
def test_only_staff_revoke(client, request, startup, secret, persona):
    client.force_login(request.getfixturevalue(persona))
    token = ApiToken.objects.get()
    assert client.get(revoke_url(token)).status_code == 403
    assert client.post(revoke_url(token)).status_code == 403
    assert ApiToken.objects.get().is_active


def test_staff_of_another_incubator_cannot_see_or_issue(client, startup):
    client.force_login(UserFactory(staff_of=StartupFactory().incubator))
    assert client.get(tokens_url(startup)).status_code == 403
    assert client.post(tokens_url(startup), {"label": "x"}).status_code == 403


def test_co_incubator_staff_issue_tokens(client, startup):
    other = StartupFactory().incubator
    startup.co_incubators.add(other)
    client.force_login(UserFactory(staff_of=other))
    assert client.post(tokens_url(startup), {"label": "Mon script"}).status_code == 200


def test_the_tokens_page_requires_login(client, startup):
    response = client.get(tokens_url(startup))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_issuing_shows_the_secret_once_with_a_curl_example(client, startup, metric, staff):
    client.force_login(staff)
    response = client.post(tokens_url(startup), {"label": "Export Metabase"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = lxml_html.fromstring(response.content)
    secret = page.cssselect(".comite-code--secret code")[0].text
    token = ApiToken.objects.get()
    assert token.digest == token_digest(secret)
    assert (token.label, token.created_by) == ("Export Metabase", staff)
    curl = page.cssselect(".comite-code:not(.comite-code--secret) code")[0].text
    assert f"Bearer {secret}" in curl
    assert "http://testserver/api/v1/measurements" in curl
    assert "Dossiers déposés" in curl
    # The label field is empty again; the secret never comes back.
    assert not page.cssselect("input[name=label]")[0].get("value")
    again = client.get(tokens_url(startup))
    assert secret not in again.content.decode()
    assert "Export Metabase" in again.content.decode()


def test_the_curl_example_works(client, startup, metric, staff):
    """The command the page shows, run through the test client, records its measurement."""
    client.force_login(staff)
    page = lxml_html.fromstring(client.post(tokens_url(startup), {"label": "x"}).content)
    curl = page.cssselect(".comite-code:not(.comite-code--secret) code")[0].text
    secret = curl.split("Bearer ")[1].split('"')[0]
    body = curl.split("-d '")[1].rstrip("'")
    client.logout()
    response = post(client, body.encode(), secret=secret)
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_a_token_needs_a_label(client, startup, staff):
    client.force_login(staff)
    response = client.post(tokens_url(startup), {"label": " "})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert "Ce champ est obligatoire." in response.content.decode()
    assert "comite-code" not in response.content.decode()


def test_revoking_asks_for_confirmation_then_refuses_the_token(
    client, startup, metric, staff, secret
):
    client.force_login(staff)
    token = ApiToken.objects.get()
    confirmation = client.get(revoke_url(token))
    assert confirmation.status_code == 200
    assert ApiToken.objects.get().is_active
    response = client.post(revoke_url(token), follow=True)
    assert response.redirect_chain == [(tokens_url(startup), 302)]
    assert f"Le jeton comite_{token.prefix}… est révoqué" in response.content.decode()
    assert "Révoqué le" in response.content.decode()
    assert not ApiToken.objects.get().is_active
    client.logout()
    assert post(client, {"measurements": [item()]}, secret=secret).status_code == 401


def test_a_token_of_another_startup_is_not_found(client, startup, staff):
    client.force_login(staff)
    other_startup = StartupFactory(incubator=startup.incubator)
    token, _ = api_token_issue(startup=other_startup, label="x", by=staff)
    url = reverse("metrics:api-token-revoke", args=[startup.slug, token.pk])
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("url", ["tokens", "revoke"])
def test_token_pages_query_counts_are_pinned(client, startup, staff, url):
    client.force_login(staff)
    for n in (1, 50):
        for _ in range(n if n == 1 else n - 1):
            token, _ = api_token_issue(startup=startup, label="x", by=UserFactory())
        target = tokens_url(startup) if url == "tokens" else revoke_url(token)
        # session, user, savepoint pair, startup, may read, may manage, the tokens or the token.
        get_page(client, target, queries=9)


# The OpenAPI description: served without login, every reference resolves, every example and
# every real answer of these tests matches its schema.


@pytest.fixture
def openapi(client, db):
    response = client.get(reverse("metrics:openapi"))
    assert response.status_code == 200
    return response.json()


def matches(document, schema, instance) -> None:
    """Validate against a schema of the description, its $refs resolved in the description."""
    Draft202012Validator({**schema, "components": document["components"]}).validate(instance)


def response_schema(document, path, method, status):
    answer = document["paths"][path][method.lower()]["responses"][str(status)]
    return answer["content"]["application/json"]["schema"]


def test_the_openapi_description_is_served_without_login(openapi):
    assert openapi["openapi"] == "3.1.0"
    assert openapi["servers"] == [{"url": "http://testserver/api/v1"}]
    assert openapi["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert set(openapi["paths"]) == {"/measurements", "/metrics", "/openapi.json"}


def test_every_reference_resolves_and_every_example_matches_its_schema(openapi):
    Draft202012Validator.check_schema({"$defs": openapi["components"]["schemas"]})
    text = json.dumps(openapi)
    for name in re.findall(r'"#/components/schemas/(\w+)"', text):
        assert name in openapi["components"]["schemas"]
    examples = 0
    for operations in openapi["paths"].values():
        for operation in operations.values():
            bodies = [operation.get("requestBody", {}).get("content", {})]
            bodies += [answer.get("content", {}) for answer in operation["responses"].values()]
            for content in bodies:
                for media in content.values():
                    if "example" in media:
                        matches(openapi, media["schema"], media["example"])
                        examples += 1
    assert examples >= 10


def test_real_answers_match_the_description(client, openapi, startup, metric, secret):
    auth = {"Authorization": f"Bearer {secret}"}
    answers = [
        ("/measurements", "POST", post(client, {"measurements": [item()]}, secret=secret)),
        ("/measurements", "POST", post(client, {"measurements": [item(value="x")]}, secret=secret)),
        ("/measurements", "POST", post(client, b"{", secret=secret)),
        ("/measurements", "POST", post(client, {}, secret="nope")),
        ("/measurements", "POST", post(client, {}, secret=secret, content_type="text/csv")),
        ("/measurements", "GET", client.get(URL, headers=auth)),
        ("/measurements", "GET", client.get(URL, {"to": "x"}, headers=auth)),
        ("/measurements", "PUT", client.put(URL, headers=auth)),
        ("/metrics", "GET", client.get("/api/v1/metrics", headers=auth)),
        ("/metrics", "GET", client.get("/api/v1/metrics")),
    ]
    for path, method, response in answers:
        operation = "POST" if method == "PUT" else method
        matches(
            openapi,
            response_schema(openapi, path, operation, response.status_code),
            response.json(),
        )


def test_a_number_beyond_any_decimal_context_is_refused_in_french(client, metric, secret):
    body = '{"measurements": [{"metric": "Dossiers déposés", "month": "%s", "value": 1e999999999}]}'
    response = post(client, body % M2, secret=secret)
    assert response.status_code == 422  # read, but not a measurement: as any bad value
    assert "n’est pas un nombre utilisable" in str(errors(response))


def test_a_lone_surrogate_in_a_metric_name_is_refused_in_french(client, metric, secret):
    body = '{"measurements": [{"metric": "\\ud800", "month": "%s", "value": 1}]}'
    response = post(client, body % M2, secret=secret)
    assert response.status_code == 400
    assert "caractère qui n’existe pas" in str(errors(response))
