"""IDOR and CSRF: ids changed in URLs and forms are refused and write nothing; every
state-changing URL of the permission table refuses a POST without the CSRF token.

Each IDOR attempt is made by a person who has the right on their own objects (so a refusal
comes from the id check, not from the role), with the id of the other incubator's object.
"""

import json

from django.core import mail
from django.test import Client
from django.urls import reverse

from committees.models import Attendance, CommitteeMember, Conflict, Document, Review
from metrics.models import ApiToken, BudgetLine, Measurement, Metric
from tests.factories import ReviewFactory, StartupFactory
from tests.test_permissions import TABLE, client_for, codes, database_state, url_of
from tests.utils import month


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refused_without_writing(client, url, data=None, *, status=404, **extra):
    before = database_state()
    response = client.post(url, data or {}, **extra)
    assert response.status_code == status, (url, response.status_code)
    assert database_state() == before, f"{url}: refused, yet something was written"
    assert not mail.outbox


# Ids in URLs


def test_another_sessions_item_under_ones_own_session_is_not_found(world):
    own, other = world.own, world.other
    tampered = [own.session.pk, other.review.pk]
    sponsor, staff, chair = as_user(own.sponsor), as_user(own.staff), as_user(own.chair)
    assert sponsor.get(reverse("committees:review-prepare", args=tampered)).status_code == 404
    assert staff.get(reverse("committees:agenda-item", args=tampered)).status_code == 404
    assert chair.get(reverse("committees:review-decide", args=tampered)).status_code == 404
    for client, name, data in [
        (sponsor, "committees:session-live-vote", {"choice": "stop"}),
        (sponsor, "committees:review-assessment", {"positioning": "5"}),
        (sponsor, "committees:review-conflict", {"reason": "Ancien membre de l’équipe"}),
        (sponsor, "committees:review-question", {"body": "Combien d’usagers ?"}),
        (staff, "committees:agenda-remove", {}),
        (staff, "committees:agenda-move", {"direction": "up"}),
        (staff, "committees:agenda-item", {"duration": "10"}),
        (chair, "committees:session-live-vote-open", {}),
        (chair, "committees:session-live-vote-close", {}),
        (chair, "committees:review-decide", {"outcome": "stop"}),
    ]:
        refused_without_writing(client, reverse(name, args=tampered), data)
    assert Review.objects.filter(pk=other.review.pk, session=other.session).exists()


def test_another_sessions_question_under_ones_own_item_is_not_found(world):
    own, other = world.own, world.other
    url = reverse(
        "committees:question-answer", args=[own.session.pk, own.review.pk, other.question.pk]
    )
    field = f"question-{other.question.pk}-answer"
    refused_without_writing(as_user(own.team), url, {field: "Une autre réponse"})


def test_another_committees_member_under_ones_own_committee_is_not_found(world):
    own, other = world.own, world.other
    staff = as_user(own.staff)
    tampered = [own.committee.pk, other.member.pk]
    refused_without_writing(
        staff, reverse("committees:member-role", args=tampered), {"role": "observer"}
    )
    refused_without_writing(staff, reverse("committees:member-remove", args=tampered))
    assert CommitteeMember.objects.filter(pk=other.member.pk, role="voter").exists()


def test_another_startups_metric_budget_line_and_token_under_ones_own_startup_are_not_found(
    world,
):
    own, other = world.own, world.other
    staff = as_user(own.staff)
    metric = reverse("metrics:edit", args=[own.startup.slug, other.metric.pk])
    assert staff.get(metric).status_code == 404
    refused_without_writing(staff, metric, {"label": "Détourné", "unit": "x"})
    for name in ("metrics:budget_edit", "metrics:budget_delete"):
        url = reverse(name, args=[own.startup.slug, other.budget_line.pk])
        assert staff.get(url).status_code == 404
        refused_without_writing(staff, url, {"committed": "1", "paid": "1"})
    revoke = reverse("metrics:api-token-revoke", args=[own.startup.slug, other.token.pk])
    assert staff.get(revoke).status_code == 404
    refused_without_writing(staff, revoke)
    assert Metric.objects.get(pk=other.metric.pk).label == other.metric.label
    assert BudgetLine.objects.filter(pk=other.budget_line.pk).exists()
    assert ApiToken.objects.get(pk=other.token.pk).revoked_at is None


def test_another_sessions_documents_are_refused(world):
    staff = as_user(world.own.staff)
    document = world.other.document
    for name in ("committees:document-status", "committees:document-download"):
        assert staff.get(reverse(name, args=[document.pk])).status_code == 403
    refused_without_writing(
        staff, reverse("committees:document-retry", args=[document.pk]), status=403
    )


def test_another_startups_report_is_refused_to_a_team(world):
    """The team of one startup writing into another startup's report section."""
    team = as_user(world.own.team)
    slug = world.other.startup.slug
    for url in [
        reverse("committees:report-section", args=[slug, "2026-S2", "identity"]),
        reverse("committees:report-submit", args=[slug, "2026-S2"]),
        reverse("committees:report-start", args=[slug]),
    ]:
        refused_without_writing(team, url, {"identity-pitch": "Détourné"}, status=403)
    unknown = reverse("committees:report-section", args=[world.own.startup.slug, "2026-S2", "x"])
    assert team.post(unknown, {}).status_code in (403, 404)


# Ids in forms


def test_another_sessions_item_posted_in_the_document_form_is_not_found(world):
    staff = as_user(world.own.staff)
    url = reverse("committees:document-request", args=[world.own.session.pk, "dossier"])
    refused_without_writing(staff, url, {"review": world.other.review.pk})
    assert Document.objects.count() == 2


def test_another_startups_metric_in_the_month_form_records_nothing(world):
    own, other = world.own, world.other
    team = as_user(own.team)
    before = Measurement.objects.filter(metric=other.metric).count()
    team.post(
        reverse("metrics:values", args=[own.startup.slug]),
        {"mois": month(-1), f"indicateur-{other.metric.pk}": "999999"},
    )
    assert Measurement.objects.filter(metric=other.metric).count() == before
    assert not Measurement.objects.filter(metric=other.metric, value=999999).exists()


def test_another_committees_member_in_the_attendance_form_is_ignored(world):
    own, other = world.own, world.other
    chair = as_user(own.chair)
    chair.post(
        reverse("committees:session-live-attendance", args=[own.session.pk]),
        {"present": [other.member.pk, *own.committee.members.values_list("pk", flat=True)]},
    )
    assert not Attendance.objects.filter(session=own.session, member=other.member).exists()
    assert not Attendance.objects.filter(session=other.session, present=False).exists()


def test_another_committees_member_in_the_conflict_form_is_not_found(world):
    own, other = world.own, world.other
    staff = as_user(own.staff)
    url = reverse("committees:review-conflict", args=[own.session.pk, own.review.pk])
    refused_without_writing(staff, url, {"reason": "Détourné", "member": other.member.pk})
    assert not Conflict.objects.exists()


def test_a_vote_is_cast_only_for_oneself(world):
    """The vote form has no member field: a posted one is ignored, the vote is the sender's."""
    own = world.own
    review = ReviewFactory(
        session=own.session,
        startup=StartupFactory(incubator=own.incubator),
        position=1,
        voting=True,
    )
    chair_seat = own.committee.members.get(user=own.chair)
    as_user(own.sponsor).post(
        reverse("committees:session-live-vote", args=[own.session.pk, review.pk]),
        {"choice": "stop", "member": chair_seat.pk},
    )
    assert list(review.votes.values_list("member", "choice")) == [(own.member.pk, "stop")]


def test_a_token_cannot_record_another_startups_metric(world):
    own, other = world.own, world.other
    body = {"measurements": [{"metric": other.metric.pk, "month": month(-1), "value": 1}]}
    before = database_state()
    response = Client().post(
        reverse("metrics:api-measurements"),
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {own.secret}"},
    )
    assert 400 <= response.status_code < 500
    after = database_state()
    # Only the token's "last used" stamp may move.
    after.pop("metrics.ApiToken"), before.pop("metrics.ApiToken")
    assert after == before


def test_decisions_exports_hold_only_the_staffs_own_incubators(world):
    staff = as_user(world.other.staff)
    for name in ("committees:decisions-csv", "committees:decisions-json"):
        content = staff.get(reverse(name)).content.decode()
        assert world.other.startup.name in content
        assert world.own.startup.name not in content


# CSRF


def csrf_cases():
    """Every POST entry of the table but the token APIs, with someone who may post it (or
    the chair, for the chair's actions), so the refusal can only come from the missing token."""
    for name, entry in TABLE.items():
        if entry.post is None or entry.token_api:
            continue
        allowed = [p for p, code in codes(entry.post).items() if code == "+"]
        yield name, (allowed[-1] if allowed else "chair")


def test_token_apis_are_the_only_csrf_exempt_posts():
    """A csrf_exempt view is safe only if no cookie authenticates it: the table says which."""
    exempt = [name for name, entry in TABLE.items() if entry.token_api]
    assert exempt == ["metrics:api-measurements", "metrics:api-metrics"]


def test_every_state_changing_url_refuses_a_post_without_the_csrf_token(world):
    wrong = []
    cases = list(csrf_cases())
    assert len(cases) > 40
    for name, persona in cases:
        if persona == "chair":
            client = Client(enforce_csrf_checks=True)
            client.force_login(world.own.chair)
        else:
            client = client_for(world, persona, enforce_csrf_checks=True)
        before = database_state()
        response = client.post(url_of(name, world), {})
        if response.status_code != 403 or b"CSRF" not in response.content:
            wrong.append(f"{name} as {persona}: {response.status_code} without the CSRF token")
        if database_state() != before:
            wrong.append(f"{name} as {persona}: something was written without the CSRF token")
    assert not wrong, "\n".join(wrong)
