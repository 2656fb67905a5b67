"""The decision, the close of the session, the minutes, the exports and the open data."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from pytest_django.asserts import assertContains

from accounts.models import OutboxMessage
from accounts.outbox import outbox_relay
from committees.enums import AuditAction, MemberRole, Outcome, ReviewStatus, SessionStatus
from committees.models import (
    Assessment,
    Attendance,
    AuditEvent,
    Ballot,
    CommitteeMember,
    Decision,
    Vote,
    Voter,
)
from committees.sessions import decisions
from committees.sessions.decisions import (
    Terms,
    decision_correct,
    decision_record,
    session_close,
    split_amount,
)
from metrics.models import Objective
from startups.dates import round_end
from startups.enums import EventKind, FundingSource, Lifecycle
from startups.models import Contribution, FundingRound, StartupEvent
from tests.factories import (
    CommitteeFactory,
    MetricFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
    factory_round,
)
from tests.utils import SEMESTER, SESSION_IN_DAYS, TODAY, get_page

SESSION_DAY = TODAY + datetime.timedelta(days=SESSION_IN_DAYS)
# The next round starts the day after the factories' round ends, for six months.
NEXT_ROUND_START = factory_round(TODAY)[1] + datetime.timedelta(days=1)
NEXT_ROUND_END = round_end(NEXT_ROUND_START, 6)
# An objective due at the end of the semester after the one reviewed.
DUE_ON = (SEMESTER + 1).end


@pytest.fixture
def chair(db):
    return UserFactory(email="chair@example.org", first_name="Camille", last_name="Président")


@pytest.fixture
def committee(startup, chair, sponsor):
    committee = CommitteeFactory(name="Comité de la Fabrique", incubator=startup.incubator)
    CommitteeMember.objects.create(committee=committee, user=chair, role=MemberRole.CHAIR)
    CommitteeMember.objects.create(committee=committee, user=sponsor, role=MemberRole.VOTER)
    CommitteeMember.objects.create(
        committee=committee,
        user=UserFactory(email="voter2@example.org", last_name="Deuxième"),
        role=MemberRole.VOTER,
    )
    return committee


@pytest.fixture
def session(committee):
    session = SessionFactory(committee=committee, open=True)
    for member in committee.members.all():
        Attendance.objects.create(session=session, member=member, present=True)
    return session


def add_item(session, startup, choices=("refinance", "refinance", "adjust"), amount="240000"):
    """An agenda item whose vote is closed, with these votes (chair first), under the
    committee's rules (by secret ballot: who voted apart from the ballots)."""
    secret = session.committee.secret_ballot
    review = ReviewFactory(
        session=session,
        startup=startup,
        position=session.reviews.count(),
        voted=True,
        requested_amount=Decimal("250000"),
        requested_months=6,
        secret_ballot=secret,
    )
    members = list(session.committee.members.order_by("role", "id"))
    for member, choice in zip(members, choices, strict=False):
        ballot = {
            "choice": choice,
            "amount": None if choice == "stop" else Decimal(amount),
            "months": None if choice == "stop" else 6,
        }
        if secret:
            Voter.objects.create(review=review, member=member, cast_at=timezone.now())
            Ballot.objects.create(review=review, **ballot)
        else:
            Vote.objects.create(review=review, member=member, **ballot)
    return review


@pytest.fixture
def review(session, startup):
    return add_item(session, startup)


def record(review, chair, today=None, **kwargs):
    values = {"outcome": Outcome.REFINANCE, "amount": Decimal("240000")}
    return decision_record(review=review, terms=Terms(**(values | kwargs)), by=chair, today=today)


# The transaction


def test_recording_a_decision_creates_round_objectives_phase_and_event(review, chair, startup):
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    Assessment.objects.create(
        review=review,
        member=review.session.committee.members.get(role=MemberRole.CHAIR),
        scores={"positioning": 4, "adjusts": 2},
    )
    decision = record(
        review,
        chair,
        conditions="Recruter un·e développeur·se",
        objectives=[(metric, Decimal("1500"), DUE_ON)],
        phase_change=Lifecycle.ACCELERATION,
        today=TODAY,
    )

    funding_round = decision.funding_round
    assert funding_round.source == FundingSource.DECISION
    assert funding_round.label == f"Décision du comité du {SESSION_DAY:%d/%m/%Y}"
    assert (funding_round.start, funding_round.end) == (NEXT_ROUND_START, NEXT_ROUND_END)
    assert decision.months == 6
    assert funding_round.amount_granted == Decimal("240000")
    contributions = list(funding_round.contributions.all())
    assert sum(c.amount for c in contributions) == Decimal("240000")
    assert {c.organisation for c in contributions} == set(startup.sponsors.all())
    objective = decision.objectives.get()
    assert (objective.metric, objective.target) == (metric, Decimal("1500"))
    phases = list(startup.phases.order_by("position"))
    assert phases[-2].end == SESSION_DAY - datetime.timedelta(days=1)
    assert (phases[-1].lifecycle, phases[-1].name, phases[-1].start, phases[-1].end) == (
        Lifecycle.ACCELERATION,
        "acceleration",
        SESSION_DAY,
        None,
    )
    event = startup.events.filter(kind=EventKind.COMMITTEE).latest("date")
    assert event.date == SESSION_DAY
    assert "Refinancer" in event.comment
    # Derived fields refreshed (as of the session day: the new phase has begun).
    decisions.Startup.refresh_derived(startup, today=SESSION_DAY)
    startup.refresh_from_db()
    assert startup.current_phase == Lifecycle.ACCELERATION
    assert startup.last_committee_on == SESSION_DAY
    # The next committee: 45 days before the new round's money runs out.
    assert decision.next_committee_on == NEXT_ROUND_END - datetime.timedelta(days=45)
    review.refresh_from_db()
    assert review.status == ReviewStatus.DECIDED
    snapshot = decision.snapshot
    assert snapshot["tally"]["counts"] == {"refinance": 2, "adjust": 1, "stop": 0}
    assert snapshot["tally"]["outcome"] == "refinance"
    assert snapshot["figures"]["identity"]["sponsors"] == [str(s) for s in startup.sponsors.all()]
    grid = {row["key"]: row["average"] for row in snapshot["grid"]}
    assert (grid["positioning"], grid["adjusts"], grid["targets_met"]) == (4, 2, None)
    assert snapshot["report"] == {"semester": SEMESTER.key, "version": None}
    event = AuditEvent.objects.get(action=AuditAction.DECISION_RECORDED)
    assert (event.actor, event.review, event.detail["outcome"]) == (chair, review, "refinance")


def test_startup_page_refreshed_in_the_same_transaction(review, chair, startup):
    before = startup.last_committee_on
    record(review, chair, today=SESSION_DAY)
    startup.refresh_from_db()
    assert before != startup.last_committee_on == SESSION_DAY


def test_everything_or_nothing_when_a_later_step_fails(review, chair, startup, monkeypatch):
    metric = MetricFactory(startup=startup)
    rounds, events = FundingRound.objects.count(), StartupEvent.objects.count()

    def fail(*args, **kwargs):
        raise IntegrityError("objectives unavailable")

    monkeypatch.setattr(decisions, "create_objectives", fail)
    with pytest.raises(IntegrityError):
        record(review, chair, objectives=[(metric, Decimal("10"), DUE_ON)])
    review.refresh_from_db()
    assert review.status == ReviewStatus.VOTED
    assert FundingRound.objects.count() == rounds
    assert StartupEvent.objects.count() == events
    assert not Decision.objects.exists()
    assert not Objective.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DECISION_RECORDED).exists()


def test_split_follows_the_last_rounds_organisations_and_adds_up_exactly(startup):
    first, second = OrganisationFactory(name="A"), OrganisationFactory(name="B")
    last = FundingRound.objects.create(
        startup=startup,
        label="Dernier",
        source=FundingSource.MANUAL,
        start=TODAY,
        end=TODAY + datetime.timedelta(days=180),
        amount_granted=Decimal("300000"),
    )
    Contribution.objects.create(funding_round=last, organisation=first, amount=Decimal("100000"))
    Contribution.objects.create(funding_round=last, organisation=second, amount=Decimal("200000"))
    Contribution.objects.create(funding_round=last, funder="Fonds FAST", amount=Decimal("5"))
    shares = split_amount(Decimal("100000"), startup)
    assert shares == [(first.pk, Decimal("33333.34")), (second.pk, Decimal("66666.66"))]


def test_a_decision_s_round_is_funded_as_the_last_round_was(review, chair, startup):
    """The split reads the round before the decision's own (an empty one would give equal
    shares whatever the funders paid)."""
    first, second = OrganisationFactory(name="A"), OrganisationFactory(name="B")
    last = startup.funding_rounds.get()
    last.contributions.all().delete()
    Contribution.objects.create(funding_round=last, organisation=first, amount=Decimal("150000"))
    Contribution.objects.create(funding_round=last, organisation=second, amount=Decimal("100000"))
    decision = record(review, chair, amount=Decimal("120000"))
    shares = dict(decision.funding_round.contributions.values_list("organisation_id", "amount"))
    assert shares == {first.pk: Decimal("72000"), second.pk: Decimal("48000")}


def test_split_is_equal_between_sponsors_without_organisation_contributions(startup):
    startup.sponsors.add(OrganisationFactory(name="ZZ"), OrganisationFactory(name="AA"))
    shares = split_amount(Decimal("100"), startup)
    assert [s for _, s in shares] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(s for _, s in shares) == Decimal("100")


def test_provisional_budget_is_one_or_two_months(review, chair):
    with pytest.raises(ValidationError) as error:
        record(review, chair, outcome=Outcome.REFINANCE, is_provisional=True, months=3)
    assert "months" in error.value.message_dict
    decision = record(review, chair, is_provisional=True)
    assert (decision.months, decision.funding_round.is_provisional) == (2, True)


def test_stop_grants_nothing_and_stops_the_startup(session, chair, startup):
    review = add_item(session, startup, choices=("stop", "stop", "adjust"))
    decision = record(review, chair, outcome=Outcome.STOP, amount=Decimal("5000"), today=TODAY)
    assert (decision.amount, decision.funding_round, decision.months) == (Decimal(0), None, None)
    phase = startup.phases.order_by("position").last()
    assert (phase.lifecycle, phase.name) == (Lifecycle.STOPPED, "abandon")


def test_a_different_outcome_needs_a_reason(review, chair):
    with pytest.raises(ValidationError) as error:
        record(review, chair, outcome=Outcome.ADJUST, amount=Decimal("100000"))
    assert "motif" in error.value.message_dict["reason"][0]
    decision = record(
        review, chair, outcome=Outcome.ADJUST, amount=Decimal("100000"), reason="Budget serré"
    )
    assert decision.reason == "Budget serré"


def test_an_objective_on_another_startups_metric_is_refused(review, chair):
    other = MetricFactory(startup=StartupFactory())
    with pytest.raises(ValidationError) as error:
        record(review, chair, objectives=[(other, Decimal("1"), TODAY)])
    assert "objectives" in error.value.message_dict


@pytest.mark.parametrize("state", [{}, {"voting": True}], ids=["pending", "voting"])
def test_no_decision_before_the_vote_is_closed(session, chair, startup, state):
    review = ReviewFactory.set_state(add_item(session, startup, choices=()), **state)
    with pytest.raises(ValidationError, match="vote clos"):
        record(review, chair)


@pytest.mark.parametrize("persona", ["sponsor", "staff", "intrapreneur", "outsider", "superuser"])
def test_only_the_chair_decides(review, persona, request):
    with pytest.raises(PermissionDenied):
        record(review, request.getfixturevalue(persona))
    assert not Decision.objects.exists()


def test_a_decision_is_recorded_once_and_corrected_after_the_close(review, chair):
    decision = record(review, chair)
    with pytest.raises(ValidationError, match="déjà sa décision"):
        record(review, chair)
    with pytest.raises(ValidationError, match="séance close"):
        decision_correct(
            decision=decision,
            terms=Terms(outcome=Outcome.ADJUST, amount=Decimal("1"), reason="x"),
            by=chair,
        )
    session_close(session=review.session, by=chair)
    with pytest.raises(ValidationError) as error:
        decision_correct(
            decision=decision,
            terms=Terms(outcome=Outcome.ADJUST, amount=Decimal("1"), reason=""),
            by=chair,
        )
    assert "reason" in error.value.message_dict
    correction = decision_correct(
        decision=decision,
        terms=Terms(
            outcome=Outcome.ADJUST, amount=Decimal("200000"), reason="Erreur de saisie du montant"
        ),
        by=chair,
    )
    original = Decision.objects.get(pk=decision.pk)
    assert (original.outcome, original.amount) == (Outcome.REFINANCE, Decimal("240000"))
    assert correction.corrects == original
    assert correction.funding_round.amount_granted == Decimal("200000")
    assert sum(c.amount for c in correction.funding_round.contributions.all()) == Decimal("200000")
    # The corrected decision's round no longer counts.
    original.funding_round.refresh_from_db()
    assert original.funding_round.amount_granted == 0
    assert AuditEvent.objects.filter(action=AuditAction.DECISION_CORRECTED).count() == 1
    with pytest.raises(ValidationError, match="déjà été corrigée"):
        decision_correct(
            decision=original, terms=Terms(outcome=Outcome.STOP, reason="encore"), by=chair
        )


def test_close_is_refused_while_an_item_is_undecided(review, chair, session):
    other = add_item(session, StartupFactory(name="Autre service"))
    record(review, chair)
    with pytest.raises(ValidationError, match="Autre service"):
        session_close(session=session, by=chair)
    record(other, chair)
    session_close(session=session, by=chair)
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED and session.closed_at
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_CLOSED).count() == 1


@pytest.mark.parametrize("persona", ["sponsor", "staff", "intrapreneur", "superuser"])
def test_only_the_chair_closes(review, chair, persona, request):
    record(review, chair)
    with pytest.raises(PermissionDenied):
        session_close(session=review.session, by=request.getfixturevalue(persona))


def test_close_sends_the_minutes_to_members_and_teams(
    review, chair, intrapreneur, django_capture_on_commit_callbacks
):
    record(review, chair, conditions="Publier la page de statistiques")
    with django_capture_on_commit_callbacks(execute=True):
        session_close(session=review.session, by=chair)
    assert len(mail.outbox) == 2
    members, team = mail.outbox
    assert members.subject.startswith("Relevé de décisions : Comité de la Fabrique")
    assert sorted(members.to) == ["chair@example.org", "sponsor@example.org", "voter2@example.org"]
    assert team.to == ["intra@example.org"]
    assert "Refinancer" in members.body and "Publier la page de statistiques" in members.body
    html = members.alternatives[0][0]
    assert "Relevé de décisions" in html and "<strong>Refinancer</strong>" in html


# Pages


def decide_url(review):
    return reverse("committees:review-decide", args=[review.session_id, review.pk])


def minutes_url(session):
    return reverse("committees:session-minutes", args=[session.pk])


def text(response) -> str:
    content = response.content.decode().replace("\xa0", " ").replace("\u202f", " ")
    return " ".join(content.split())


def test_decision_form_preselects_the_majority_and_shows_the_tally(client, review, chair):
    client.force_login(chair)
    response = client.get(decide_url(review))
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    checked = page.cssselect("input[name=outcome][checked]")
    assert [radio.get("value") for radio in checked] == ["refinance"]
    assert page.cssselect("#id_amount")[0].get("value") == "240000"
    next_committee_on = NEXT_ROUND_END - datetime.timedelta(days=45)
    assert page.cssselect("#id_next_committee_on")[0].get("value") == next_committee_on.isoformat()
    content = text(response)
    assert "Refinancer : 2" in content and "Ajuster : 1" in content


def test_decision_form_records_and_redirects(client, review, chair, startup):
    metric = MetricFactory(startup=startup, label="Dossiers")
    client.force_login(chair)
    data = {
        "outcome": "refinance",
        "amount": "240000",
        "months": "6",
        "conditions": "Ouvrir les statistiques",
        "objective_1_metric": metric.pk,
        "objective_1_target": "1200",
        "objective_1_due_on": DUE_ON.isoformat(),
    }
    response = client.post(decide_url(review), data)
    assert response.status_code == 302
    decision = Decision.objects.get(review=review)
    assert decision.conditions == "Ouvrir les statistiques"
    assert decision.objectives.get().target == Decimal("1200")


def test_a_different_outcome_without_reason_is_refused_next_to_the_field(client, review, chair):
    client.force_login(chair)
    response = client.post(decide_url(review), {"outcome": "adjust", "amount": "100000"})
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    errors = page.cssselect("#id_reason-desc-error .fr-error-text")
    assert "indiquer le motif" in errors[0].text_content()
    assert not Decision.objects.exists()


def test_an_incomplete_objective_is_refused_next_to_its_fields(client, review, chair, startup):
    metric = MetricFactory(startup=startup)
    client.force_login(chair)
    response = client.post(
        decide_url(review),
        {"outcome": "refinance", "amount": "1000", "objective_1_metric": metric.pk},
    )
    page = lxml_html.fromstring(response.content)
    assert page.cssselect("#id_objective_1_target-desc-error .fr-error-text")
    assert not Decision.objects.exists()


@pytest.mark.parametrize("persona", ["sponsor", "staff", "intrapreneur", "outsider"])
def test_only_the_chair_opens_the_decision_form_and_closes(client, review, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(decide_url(review)).status_code == 403
    assert client.post(decide_url(review), {"outcome": "refinance"}).status_code == 403
    close = reverse("committees:session-close", args=[review.session_id])
    assert client.post(close).status_code == 403
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("chair", 200), ("sponsor", 200), ("staff", 200), ("intrapreneur", 200), ("outsider", 403)],
)
def test_who_reads_the_minutes(client, review, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(minutes_url(review.session)).status_code == status


def test_close_button_refuses_with_the_undecided_items_then_closes(client, review, chair):
    client.force_login(chair)
    close = reverse("committees:session-close", args=[review.session_id])
    response = client.post(close, follow=True)
    assert "Mon Service" in text(response) and "pas encore de décision" in text(response)
    record(review, chair)
    response = client.post(close)
    assert response.url == minutes_url(review.session)
    review.session.refresh_from_db()
    assert review.session.status == SessionStatus.CLOSED


@pytest.mark.django_db(transaction=True)  # the request's own commit, as in production
def test_closing_with_the_broker_away_succeeds_and_keeps_the_minutes_emails(
    client, review, chair, intrapreneur, broker, mailoutbox
):
    record(review, chair)
    client.force_login(chair)
    broker.down()
    response = client.post(reverse("committees:session-close", args=[review.session_id]))
    assert response.url == minutes_url(review.session)
    page = text(client.get(response.url))
    assert "Séance close" in page and "Envoi en attente" in page
    waiting = OutboxMessage.objects.filter(about=review.session.outbox_about, done_at=None)
    assert waiting.count() == 2 and mailoutbox == []  # the members, the team

    broker.back()
    assert outbox_relay() == 2
    assert {address for m in mailoutbox for address in m.to} >= {
        "chair@example.org",
        "intra@example.org",
    }
    assert not waiting.exists()
    assert outbox_relay() == 0


def test_minutes_content_with_named_votes_and_corrections(client, review, chair, startup):
    metric = MetricFactory(startup=startup, label="Dossiers déposés", unit="dossiers")
    decision = record(
        review,
        chair,
        conditions="Recruter",
        objectives=[(metric, Decimal("1500"), DUE_ON)],
    )
    session_close(session=review.session, by=chair)
    decision_correct(
        decision=decision,
        terms=Terms(
            outcome=Outcome.ADJUST, amount=Decimal("120000"), reason="Montant revu avec le sponsor"
        ),
        by=chair,
    )
    client.force_login(chair)
    content = text(client.get(minutes_url(review.session)))
    for expected in (
        "Relevé de décisions",
        "Comité de la Fabrique",
        "Ségur, salle 4012",
        "Camille Président",
        "Ajuster",
        "120 000 €",
        "Décision corrigée",
        "Montant revu avec le sponsor",
        "Corrige la décision",
        "Refinancer 2, Ajuster 1, Arrêter 0",
    ):
        assert expected in content, expected
    assert "Camille Président : Refinancer" in content


def test_secret_ballot_minutes_give_counts_only(client, session, startup, chair):
    session.committee.secret_ballot = True
    session.committee.save()
    review = add_item(session, startup)
    record(review, chair)
    client.force_login(chair)
    content = text(client.get(minutes_url(review.session)))
    assert "Refinancer 2" in content and "bulletin secret" in content
    assert "voter2@example.org :" not in content


# session and user (2), savepoint and release (2), access (3), attendance, items, decisions,
# objectives, votes, conflicts of interest, questions to the teams, proxies (8), the header's
# navigation (1)
MINUTES_QUERIES = 17


def test_minutes_query_count_is_pinned_with_1_and_10_items(client, review, chair, session):
    metric = MetricFactory(startup=review.startup)
    record(review, chair, objectives=[(metric, Decimal("1"), TODAY)])
    client.force_login(chair)
    get_page(client, minutes_url(session), queries=MINUTES_QUERIES)
    for _ in range(9):
        item = add_item(session, StartupFactory())
        record(item, chair)
    get_page(client, minutes_url(session), queries=MINUTES_QUERIES)


# Exports and open data


def test_staff_exports_csv_and_json(client, review, chair, staff):
    record(review, chair)
    other_incubator = StartupFactory()  # another incubator's decision is not exported
    client.force_login(staff)
    response = client.get(reverse("committees:decisions-csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["startup"], row["session_date"], row["outcome"], row["amount"]) == (
        "Mon Service",
        SESSION_DAY.isoformat(),
        "refinance",
        "240000.00",
    )
    assert (row["start"], row["end"], row["months"], row["provisional"]) == (
        NEXT_ROUND_START.isoformat(),
        NEXT_ROUND_END.isoformat(),
        "6",
        "non",
    )
    assert row["sponsors"] == "Direction générale des finances publiques"
    data = client.get(reverse("committees:decisions-json")).json()
    assert [d["startup_slug"] for d in data["decisions"]] == ["mon-service"]
    assert other_incubator.slug not in str(data)


def test_exports_filter_by_dates_and_incubator(client, review, chair, superuser):
    record(review, chair)
    client.force_login(superuser)
    url = reverse("committees:decisions-json")
    around = {"du": SESSION_DAY.replace(day=1), "au": SESSION_DAY}
    assert len(client.get(url, around).json()["decisions"]) == 1
    assert (
        client.get(url, {"du": SESSION_DAY + datetime.timedelta(days=1)}).json()["decisions"] == []
    )
    assert client.get(url, {"incubateur": "ailleurs"}).json()["decisions"] == []
    assert len(client.get(url, {"incubateur": "fabrique"}).json()["decisions"]) == 1


@pytest.mark.parametrize("persona", ["sponsor", "intrapreneur", "outsider"])
def test_exports_are_for_staff(client, review, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("committees:decisions-csv")).status_code == 403
    assert client.get(reverse("committees:decisions-json")).status_code == 403


def test_open_data_lists_public_startups_only_without_login(client, session, chair, startup):
    public = StartupFactory(name="Service public ouvert", public_page=True)
    record(add_item(session, public), chair)
    record(add_item(session, startup), chair)
    open_data = reverse("committees:decisions-open-data")
    # Not while the session sits: a decision may still change until the close.
    assert client.get(open_data).json()["decisions"] == []
    session_close(session=session, by=chair)
    response = client.get(open_data)
    assert response.status_code == 200
    names = [d["startup"] for d in response.json()["decisions"]]
    assert names == ["Service public ouvert"]


def test_the_csv_export_neutralises_formulas(client, session, chair, staff, startup):
    """OWASP's CSV injection: a cell a spreadsheet would run as a formula starts with a quote."""
    startup.name = '=HYPERLINK("https://example.org","Cliquez")'
    startup.save(update_fields=["name"])
    record(add_item(session, startup), chair)
    client.force_login(staff)
    [row] = csv.DictReader(io.StringIO(client.get(reverse("committees:decisions-csv")).text))
    assert row["startup"] == "'" + startup.name
    assert row["amount"] == "240000.00"


def test_startup_page_shows_the_decision_and_the_minutes_link(client, review, chair, outsider):
    record(review, chair, conditions="Publier le budget")
    client.force_login(chair)
    content = text(client.get(review.startup.get_absolute_url()))
    assert "Décisions des comités" in content and "Publier le budget" in content
    assert minutes_url(review.session) in content
    client.force_login(outsider)
    content = text(client.get(review.startup.get_absolute_url()))
    assert "Publier le budget" in content and minutes_url(review.session) not in content


def test_sponsor_page_and_portfolio_show_the_last_decision(client, review, chair, sponsor):
    record(review, chair)
    client.force_login(sponsor)
    content = text(client.get(review.startup.sponsors.first().get_absolute_url()))
    assert "Dernières décisions sur les startups financées" in content
    assert "240 000 € sur 6 mois" in content
    content = text(client.get(reverse("startups:portfolio")))
    assert "Dernière décision" in content and "Refinancer" in content


def test_the_chair_corrects_a_decision_after_closing_through_the_form(client, review, chair):
    decision = record(review, chair)
    session = review.session
    session_close(session=session, by=chair)
    client.force_login(chair)
    url = reverse("committees:review-decide", args=[session.pk, review.pk])
    assertContains(client.get(reverse("committees:session-minutes", args=[session.pk])), url)
    page = client.get(url)
    assertContains(page, "Enregistrer la correction")
    response = client.post(
        url,
        {
            "outcome": "adjust",
            "amount": "100000",
            "months": "2",
            "is_provisional": "on",
            "reason": "Budget réduit après relecture des comptes.",
        },
    )
    assert response.status_code == 302
    correction = Decision.objects.get(corrects=decision)
    assert (correction.outcome, correction.amount) == ("adjust", Decimal("100000"))
    decision.refresh_from_db()
    assert decision.funding_round.amount_granted == 0
