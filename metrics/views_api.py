"""The JSON API under /api/v1/: teams' scripts push their monthly measurements with a token.

No session, no cookie, no CSRF: a request is authenticated by its `Authorization: Bearer` header
alone. Every answer is JSON; every error is a 4xx with `{"errors": [{"message": ...}]}` whose
items may name the `index` of the measurement and the `field` at fault. Values are checked by
the same `parse_month` / `parse_value` as the form and the CSV upload, and recorded through
`measurements_diff` then `measurements_apply` (source API), all or nothing.
"""

import datetime
import functools
import json
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from dsfr.forms import DsfrBaseForm

from accounts import limits
from startups.access import get_startup_for_editor

from .enums import MeasurementSource
from .models import Measurement, Metric
from .openapi import openapi_document
from .services import (
    MeasurementDiff,
    measurements_apply,
    measurements_diff,
    parse_month,
    parse_value,
)
from .tokens import (
    TOKEN_MARKER,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    can_manage_tokens,
)

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 10_000
MAX_ERRORS = 100
APPLY_SLICE = 200
# Longer texts are not months or values: refused without echoing them whole.
MAX_TEXT = 40
ITEM_KEYS = ("metric", "month", "value")


def api_json(data: dict, *, status: int = 200, headers: dict | None = None) -> JsonResponse:
    """UTF-8 JSON, French accents as they are."""
    return JsonResponse(
        data, status=status, headers=headers, json_dumps_params={"ensure_ascii": False}
    )


def api_error(status: int, *errors: dict, headers: dict | None = None) -> JsonResponse:
    return api_json({"errors": list(errors)}, status=status, headers=headers)


def message(text: str, **where) -> dict:
    return {**where, "message": text}


def unauthorized(text: str, *, invalid: bool) -> JsonResponse:
    challenge = 'Bearer realm="comite"' + (', error="invalid_token"' if invalid else "")
    return api_error(401, message(text), headers={"WWW-Authenticate": challenge})


def bearer_secret(request) -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def api_endpoint(*methods):
    """JSON only, no login page, no CSRF, no session: the view gets the request's token."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return api_error(
                    405,
                    message(f"Méthode {request.method} non permise : {', '.join(methods)}."),
                    headers={"Allow": ", ".join(methods)},
                )
            secret = bearer_secret(request)
            if secret is None:
                return unauthorized(
                    "Jeton manquant : envoyez l’en-tête « Authorization: Bearer <jeton> ».",
                    invalid=False,
                )
            token = api_token_authenticate(secret)
            if token is None:
                return unauthorized("Jeton inconnu ou révoqué.", invalid=True)
            return view(request, token, *args, **kwargs)

        return csrf_exempt(login_not_required(wrapper))

    return decorate


def read_json(request) -> tuple[object, JsonResponse | None]:
    """The request's JSON document, or the 4xx answer saying why it cannot be read."""
    if request.content_type != "application/json":
        text = "Le corps doit être du JSON : en-tête « Content-Type: application/json »."
        return None, api_error(415, message(text))
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not (declared.isascii() and declared.isdigit()):
        text = f"En-tête Content-Length invalide : « {declared[:MAX_TEXT]} »."
        return None, api_error(400, message(text))
    if int(declared) > MAX_BODY_BYTES:
        # Refused before reading it.
        text = f"Le corps dépasse {MAX_BODY_BYTES // 2**20} Mo : envoyez-le en plusieurs fois."
        return None, api_error(413, message(text))
    try:
        body = request.body
    except OSError:
        return None, api_error(400, message("Le corps de la requête n’a pas pu être lu."))
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, api_error(400, message("Le corps n’est pas encodé en UTF-8."))
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=refuse_constant)
    except (ValueError, RecursionError) as error:
        where = (
            f" (ligne {error.lineno}, colonne {error.colno})" if hasattr(error, "lineno") else ""
        )
        return None, api_error(400, message(f"Le corps n’est pas du JSON valide{where}."))
    try:  # a lone surrogate ("\ud800") is valid JSON but no text: it cannot be stored nor shown
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        text = "Le corps contient un caractère qui n’existe pas (un « \\ud800 » seul)."
        return None, api_error(400, message(text))
    return data, None


def refuse_constant(name):
    raise ValueError(f"{name} n’est pas un nombre JSON.")


def is_number(value) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def is_metric_reference(value) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def find_metric(reference: int | str, metrics: list[Metric]) -> Metric | None:
    """A metric of the token's startup by its id (a whole number) or its label (a text)."""
    if isinstance(reference, int):
        return next((m for m in metrics if m.pk == reference), None)
    return next((m for m in metrics if m.label == reference.strip()), None)


def parse_item(item, metrics: list[Metric]) -> tuple[tuple | None, list[dict]]:
    """((metric, month), value) from one measurement object, or its errors by field."""
    if not isinstance(item, dict):
        return None, [message('Une mesure est un objet {"metric", "month", "value"}.')]
    errors = [
        message("Champ inconnu : une mesure a les champs metric, month et value.", field=str(key))
        for key in item
        if key not in ITEM_KEYS
    ]
    errors += [message("Champ obligatoire.", field=key) for key in ITEM_KEYS if key not in item]
    metric = month = value = None
    if "metric" in item:
        reference = item["metric"]
        if not is_metric_reference(reference):
            errors.append(
                message(
                    "L’indicateur se désigne par son identifiant (un nombre entier) ou son libellé (un texte).",
                    field="metric",
                )
            )
        elif (metric := find_metric(reference, metrics)) is None:
            shown = str(reference)[:MAX_TEXT]
            errors.append(
                message(f"« {shown} » n’est pas un indicateur de cette startup.", field="metric")
            )
    if "month" in item:
        if not isinstance(item["month"], str) or len(item["month"]) > MAX_TEXT:
            errors.append(
                message("Le mois est un texte AAAA-MM, par exemple « 2026-03 ».", field="month")
            )
        else:
            try:
                month = parse_month(item["month"])
            except ValidationError as error:
                errors.append(message(error.messages[0], field="month"))
    if "value" in item:
        raw = item["value"]
        if not (is_number(raw) or isinstance(raw, str)) or len(str(raw)) > MAX_TEXT:
            errors.append(
                message(
                    "La valeur est un nombre (1234.5) ou un texte (« 1 234,5 »).", field="value"
                )
            )
        else:
            try:
                value = parse_value(raw)
            except ValidationError as error:
                errors.append(message(error.messages[0], field="value"))
    if errors:
        return None, errors
    return ((metric, month), value), []


def overlong_text(items: list) -> dict | None:
    """The first name or value longer than limits.SHORT (no metric's name is), as an error that
    does not echo it."""
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            for text in (key, value):
                if isinstance(text, str) and len(text) > limits.SHORT:
                    where = {"field": key} if text is value else {}
                    text = limits.too_long(limits.SHORT, len(text))
                    return {"index": index, **message(text, **where)}
    return None


def parse_measurements(document, metrics: list[Metric]) -> tuple[dict, list[dict], int]:
    """The values to record, the errors (with the item's index), the HTTP status of errors."""
    if not isinstance(document, dict) or "measurements" not in document:
        return {}, [message('Le corps est un objet {"measurements": [...]}.')], 400
    unknown = [key for key in document if key != "measurements"]
    if unknown:
        return (
            {},
            [message("Champ inconnu : seul « measurements » est attendu.", field=unknown[0])],
            400,
        )
    items = document["measurements"]
    if not isinstance(items, list):
        return {}, [message("« measurements » est une liste.", field="measurements")], 400
    if len(items) > MAX_ITEMS:
        text = f"Au plus {MAX_ITEMS} mesures par requête ({len(items)} reçues) : envoyez-les en plusieurs fois."
        return {}, [message(text, field="measurements")], 400
    if too_long := overlong_text(items):
        return {}, [too_long], 400
    values, errors, seen = {}, [], {}
    for index, item in enumerate(items):
        parsed, item_errors = parse_item(item, metrics)
        if parsed:
            key, value = parsed
            if key in seen:
                text = f"Ce mois de cet indicateur figure déjà à l’index {seen[key]}."
                item_errors = [message(text, field="month")]
            else:
                seen[key] = index
                values[key] = value
        errors += [{"index": index, **error} for error in item_errors]
    return values, errors, 422


@api_endpoint("GET", "POST")
def measurements(request, token):
    if request.method == "GET":
        return measurements_list(request, token)
    document, error = read_json(request)
    if error:
        return error
    metrics = list(Metric.objects.filter(startup=token.startup_id))
    values, errors, status = parse_measurements(document, metrics)
    if errors:
        if len(errors) > MAX_ERRORS:
            more = len(errors) - MAX_ERRORS
            errors = [*errors[:MAX_ERRORS], message(f"… et {more} autres erreurs.")]
        return api_error(status, *errors)
    diff = measurements_diff(values)
    # The stored rows come without their metric: give them the one already loaded, or applying
    # the diff loads it once per changed row.
    by_id = {metric.pk: metric for metric in metrics}
    for row, _ in diff.changed:
        row.metric = by_id[row.metric_id]
    try:
        with transaction.atomic():
            # bulk_update writes one CASE WHEN per row: its cost grows with the square of the
            # rows it is given (10,000 changed values: 354 s on SQLite). Slices keep it linear.
            for start in range(0, max(len(diff.new), len(diff.changed)), APPLY_SLICE):
                piece = MeasurementDiff(
                    new=diff.new[start : start + APPLY_SLICE],
                    changed=diff.changed[start : start + APPLY_SLICE],
                )
                measurements_apply(piece, source=MeasurementSource.API)
    except IntegrityError:
        # Two requests recorded the same new month at the same time: the other one won.
        return api_error(
            409, message("Une autre requête a écrit ces mesures en même temps : réessayez.")
        )
    return api_json(
        {"created": len(diff.new), "updated": len(diff.changed), "unchanged": diff.unchanged}
    )


def decimal_text(value: Decimal) -> str:
    """1234.5000 → "1234.5", 1000.0000 → "1000": exact, without trailing zeros."""
    return format(value.normalize(), "f")


def measurements_list(request, token):
    rows = Measurement.objects.filter(metric__startup=token.startup_id).select_related("metric")
    errors = []
    if "metric" in request.GET:
        reference = request.GET["metric"]
        metrics = list(Metric.objects.filter(startup=token.startup_id))
        metric = find_metric(
            int(reference)
            if reference.isascii() and reference.isdigit() and len(reference) < 19
            else reference,
            metrics,
        )
        if metric is None:
            shown = reference[:MAX_TEXT]
            errors.append(
                message(f"« {shown} » n’est pas un indicateur de cette startup.", field="metric")
            )
        rows = rows.filter(metric=metric)
    for field, lookup in (("from", "month__gte"), ("to", "month__lte")):
        if field in request.GET:
            try:
                rows = rows.filter(**{lookup: parse_month(request.GET[field][:MAX_TEXT])})
            except ValidationError as error:
                errors.append(message(error.messages[0], field=field))
    if errors:
        return api_error(400, *errors)
    return api_json(
        {
            "measurements": [
                {
                    "metric": row.metric_id,
                    "label": row.metric.label,
                    "month": f"{row.month:%Y-%m}",
                    "value": decimal_text(row.value),
                    "source": row.source,
                }
                for row in rows.order_by("metric__position", "metric_id", "month")
            ]
        }
    )


@api_endpoint("GET")
def metrics(request, token):
    return api_json(
        {
            "startup": {"slug": token.startup.slug, "name": token.startup.name},
            "metrics": [
                {
                    "id": metric.pk,
                    "label": metric.label,
                    "unit": metric.unit,
                    "dimension": metric.dimension,
                    "north_star": metric.is_north_star,
                    "direction": metric.direction,
                    "aggregation": metric.aggregation,
                }
                for metric in Metric.objects.filter(startup=token.startup_id).order_by(
                    "-is_north_star", "position", "id"
                )
            ],
        }
    )


@login_not_required
def openapi(request):
    if request.method not in ("GET", "HEAD"):
        text = f"Méthode {request.method} non permise : GET."
        return api_error(405, message(text), headers={"Allow": "GET"})
    server = request.build_absolute_uri("/api/v1")
    return api_json(
        openapi_document(server=server, max_items=MAX_ITEMS, max_body_bytes=MAX_BODY_BYTES)
    )


# The token pages: the team sees its tokens; its incubator's staff issue and revoke them.


class ApiTokenForm(DsfrBaseForm):
    label = forms.CharField(
        label="Usage du jeton",
        max_length=100,
        help_text="Ce qui l’utilisera, pour le reconnaître plus tard : « Export Metabase mensuel ».",
    )


def get_startup_for_token_admin(request, slug):
    """The startup whose tokens this person issues and revokes, or 404 / 403."""
    startup = get_startup_for_editor(request, slug)
    if not can_manage_tokens(request.user, startup):
        raise PermissionDenied("Seule l’équipe de l’incubateur de la startup gère ses jetons.")
    return startup


def curl_example(request, startup, secret: str) -> str:
    """The command that pushes a first measurement, filled in with the new secret."""
    metric = startup.metrics.order_by("-is_north_star", "position", "id").first()
    label = metric.label if metric else "Mon indicateur"
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    body = json.dumps(
        {"measurements": [{"metric": label, "month": f"{last_month:%Y-%m}", "value": 1234.5}]},
        ensure_ascii=False,
    ).replace("'", "'\\''")
    url = request.build_absolute_uri(reverse("metrics:api-measurements"))
    return (
        f"curl -X POST {url} \\\n"
        f'  -H "Authorization: Bearer {secret}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{body}'"
    )


@require_http_methods(["GET", "POST"])
def api_tokens(request, slug):
    startup = get_startup_for_editor(request, slug)
    may_manage = can_manage_tokens(request.user, startup)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    issued = secret = None
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("Seule l’équipe de l’incubateur de la startup émet ses jetons.")
        if form.is_valid():
            issued, secret = api_token_issue(
                startup=startup, label=form.cleaned_data["label"], by=request.user
            )
            form = ApiTokenForm()
    tokens = startup.api_tokens.select_related("created_by").order_by("-created_at", "-pk")
    response = render(
        request,
        "metrics/tokens.html",
        {
            "startup": startup,
            "tokens": tokens,
            "form": form,
            "may_manage": may_manage,
            "issued": issued,
            "secret": secret,
            "curl": curl_example(request, startup, secret) if secret else "",
            "marker": TOKEN_MARKER,
            "docs_url": reverse("metrics:openapi"),
        },
    )
    if secret:
        # The secret is in this answer only: no cache keeps it.
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def api_token_revoke_view(request, slug, pk):
    startup = get_startup_for_token_admin(request, slug)
    token = get_object_or_404(startup.api_tokens.select_related("created_by"), pk=pk)
    if request.method == "POST":
        if api_token_revoke(token=token, by=request.user):
            messages.success(
                request,
                f"Le jeton {TOKEN_MARKER}{token.prefix}… est révoqué : il est refusé dès maintenant.",
            )
        else:
            messages.info(request, f"Le jeton {TOKEN_MARKER}{token.prefix}… était déjà révoqué.")
        return redirect("metrics:api-tokens", slug=startup.slug)
    return render(
        request,
        "metrics/tokens_revoke.html",
        {"startup": startup, "token": token, "marker": TOKEN_MARKER},
    )
