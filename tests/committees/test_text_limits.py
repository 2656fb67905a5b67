"""Every free text people type has a limit: the form shows it (`maxlength`, a hint) and the
server refuses a longer text with a French message next to the field, writing nothing. A 1 MB
vote comment or a 2 MB recommendation is refused, not stored."""

import json
from html import unescape

import pytest
from django.apps import apps
from django.urls import reverse
from lxml import html

from accounts import limits
from committees.reports.services import report_start
from metrics.tokens import api_token_issue
from tests.committees.test_fuzz_forms import NEXT, world  # noqa: F401 (the fixture)
from tests.factories import ReviewFactory, StartupFactory
from tests.utils import SEMESTER

MEGABYTE = 1024 * 1024
TABLES = [
    ("committees", name)
    for name in (
        "Session",
        "Review",
        "Vote",
        "Voter",
        "Ballot",
        "Decision",
        "Conflict",
        "Assessment",
        "ReportSection",
        "ReportComment",
        "SemesterReport",
        "ReportVersion",
    )
] + [("metrics", name) for name in ("Metric", "MetricDefinition", "BudgetLine", "Measurement")]


def everything() -> dict:
    return {
        name: list(apps.get_model(app, name).objects.order_by("pk").values())
        for app, name in TABLES
    }


def item_url(name):
    return lambda w: reverse(f"committees:{name}", args=[w["session"].pk, w["review"].pk])


def voting_url(w):
    other = StartupFactory(incubator=w["startup"].incubator)
    voting = ReviewFactory(session=w["session"], startup=other, voting=True)
    return reverse("committees:session-live-vote", args=[w["session"].pk, voting.pk])


def pending_url(name):
    def url(w):
        other = StartupFactory(incubator=w["startup"].incubator)
        pending = ReviewFactory(session=w["session"], startup=other)
        return reverse(f"committees:{name}", args=[w["session"].pk, pending.pk])

    return url


def draft_url(w):
    return reverse("committees:report-section", args=[w["startup"].slug, NEXT.key, "identity"])


# case: (persona, its URL in the world, the form's data, the over-long field, its limit)
CASES = {
    "agenda item": (
        "staff",
        item_url("agenda-item"),
        {"duration_minutes": "50"},
        "recommendation",
        limits.LONG,
    ),
    "new session": (
        "staff",
        lambda w: reverse("committees:session-create"),
        {"committee": "{committee}", "date": "2099-01-05", "time": "14:00"},
        "place",
        limits.SHORT,
    ),
    "vote": ("chair", voting_url, {"choice": "refinance"}, "comment", limits.COMMENT),
    "decision": ("chair", item_url("review-decide"), {"outcome": "stop"}, "reason", limits.COMMENT),
    "decision conditions": (
        "chair",
        item_url("review-decide"),
        {"outcome": "stop"},
        "conditions",
        limits.LONG,
    ),
    "grid notes": ("chair", item_url("review-assessment"), {}, "notes", limits.LONG),
    "conflict": ("chair", pending_url("review-conflict"), {}, "reason", limits.COMMENT),
    "report section": ("intrapreneur", draft_url, {}, "identity-problem", limits.SECTION),
    "report review": (
        "staff",
        lambda w: reverse("committees:report-review", args=[w["startup"].slug, SEMESTER.key]),
        {"action": "changes"},
        "comment-identity",
        limits.COMMENT,
    ),
    "metric": (
        "intrapreneur",
        lambda w: reverse("metrics:create", args=[w["startup"].slug]),
        {"label": "Démarches", "unit": "démarches", "direction": "higher"},
        "definition",
        limits.COMMENT,
    ),
    "budget line": (
        "intrapreneur",
        lambda w: reverse("metrics:budget_add", args=[w["startup"].slug]),
        {"year": "2025", "nature": "actual", "committed": "1000", "paid": "1000"},
        "label",
        200,
    ),
}


@pytest.fixture
def people(staff, sponsor, intrapreneur, world):  # noqa: F811
    report_start(startup=world["startup"], semester=NEXT, by=intrapreneur)
    return {"staff": staff, "chair": sponsor, "intrapreneur": intrapreneur}


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("case", CASES)
def test_an_over_long_text_is_refused_in_french_and_writes_nothing(
    case,
    htmx,
    client,
    people,
    world,  # noqa: F811
):
    persona, url, data, field, limit = CASES[case]
    client.force_login(people[persona])
    address = url(world)
    data = {
        name: value.format(committee=world["session"].committee_id) for name, value in data.items()
    }
    size = MEGABYTE if limit >= limits.COMMENT else limit + 1
    data[field] = "x" * size
    before = everything()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(address, data, **headers)
    assert response.status_code in (200, 422), response.status_code
    expected = limits.too_long(limit, size)
    assert expected in unescape(response.content.decode()), case
    assert everything() == before


# page: (persona, its URL in the world, the field, its limit)
PAGES = {
    "agenda item": ("staff", item_url("agenda-item"), "recommendation", limits.LONG),
    "new session": ("staff", lambda w: reverse("committees:session-create"), "place", 300),
    "live vote": (
        "chair",
        lambda w: reverse("committees:session-live", args=[w["session"].pk]),
        "comment",
        limits.COMMENT,
    ),
    "decision": ("chair", item_url("review-decide"), "conditions", limits.LONG),
    "grid": ("chair", item_url("review-prepare"), "notes", limits.LONG),
    "conflict": ("chair", pending_url("review-prepare"), "reason", limits.COMMENT),
    "report": (
        "intrapreneur",
        lambda w: reverse("committees:report-edit", args=[w["startup"].slug, NEXT.key]),
        "identity-problem",
        limits.SECTION,
    ),
    "report review": (
        "staff",
        lambda w: reverse("committees:report", args=[w["startup"].slug, SEMESTER.key]),
        "comment-identity",
        limits.COMMENT,
    ),
    "metric": (
        "intrapreneur",
        lambda w: reverse("metrics:create", args=[w["startup"].slug]),
        "definition",
        limits.COMMENT,
    ),
    "budget line": (
        "intrapreneur",
        lambda w: reverse("metrics:budget_add", args=[w["startup"].slug]),
        "label",
        200,
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_the_form_shows_each_texts_limit(page, client, people, world):  # noqa: F811
    persona, url, field, limit = PAGES[page]
    if page == "live vote":
        voting_url(world)
    client.force_login(people[persona])
    response = client.get(url(world))
    assert response.status_code == 200
    tree = html.fromstring(response.content)
    (widget,) = tree.xpath(f'//*[@name="{field}"]')
    assert widget.get("maxlength") == str(limit)
    assert limits.hint(limit) in unescape(response.content.decode())


def test_the_api_refuses_an_over_long_metric_name_in_french(client, world, staff):  # noqa: F811
    secret = api_token_issue(startup=world["startup"], label="Script", by=staff)[1]
    before = everything()
    body = {"measurements": [{"metric": "x" * MEGABYTE, "month": "2026-01", "value": 1}]}
    response = client.post(
        "/api/v1/measurements",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error == {
        "index": 0,
        "field": "metric",
        "message": limits.too_long(limits.SHORT, MEGABYTE),
    }
    assert everything() == before


def test_a_line_break_counts_as_one_character_as_the_browser_counts_it():
    limit = limits.TextLimit(3)
    limit("a\r\nb")  # the browser counted 3 characters: accepted
    with pytest.raises(Exception, match="il en compte 4"):
        limit("ab\r\nc")
