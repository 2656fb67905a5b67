"""The money after the decision: the purchasing notice, the order's steps, the late orders, the
order window of December and January."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from accounts.models import OutboxMessage
from accounts.outbox import outbox_relay
from committees.enums import AuditAction, MemberRole, Outcome
from committees.models import Attendance, AuditEvent, CommitteeMember, Vote
from committees.sessions.decisions import Terms, decision_correct, decision_record, session_close
from committees.sessions.purchasing import (
    NO_CONTACT,
    OrderSteps,
    order_loaded,
    round_order_update,
)
from startups.enums import FundingSource
from startups.models import Contribution, FundingRound, IncubatorStaff, Organisation
from startups.orders import (
    closed_period,
    order_deadline,
    order_window,
    purchasing_emails_clean,
)
from startups.templatetags.portfolio import euros
from tests.factories import (
    CommitteeFactory,
    IncubatorFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
    persona_user,
)
from tests.utils import frozen_at, get_page

PURCHASING_PAGE_QUERIES = 9  # the session, the person, the organisation, their right, the layout

ACHATS = "achats@dgfip.gouv.fr"


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def text(response) -> str:
    content = lxml_html.fromstring(response.content).text_content()
    return " ".join(content.replace("\xa0", " ").replace("\u202f", " ").split())


def plain(value: str) -> str:
    return " ".join(value.replace("\xa0", " ").replace("\u202f", " ").split())


@pytest.fixture
def chair(db):
    return UserFactory(email="chair@example.org")


@pytest.fixture
def second_sponsor(startup):
    organisation = OrganisationFactory(
        slug="anct", name="Agence nationale de la cohésion des territoires", acronym="ANCT"
    )
    startup.sponsors.add(organisation)
    return organisation


@pytest.fixture
def review(startup, chair, sponsor, second_sponsor):
    committee = CommitteeFactory(name="Comité de la Fabrique", incubator=startup.incubator)
    CommitteeMember.objects.create(committee=committee, user=chair, role=MemberRole.CHAIR)
    CommitteeMember.objects.create(committee=committee, user=sponsor, role=MemberRole.VOTER)
    session = SessionFactory(committee=committee, open=True)
    review = ReviewFactory(
        session=session, startup=startup, position=0, voted=True, requested_amount=240000
    )
    for member in committee.members.all():
        Attendance.objects.create(session=session, member=member, present=True)
        Vote.objects.create(
            review=review, member=member, choice="refinance", amount=Decimal(240000), months=6
        )
    return review


@pytest.fixture
def with_addresses(sponsor_organisation):
    sponsor_organisation.purchasing_emails = ACHATS
    sponsor_organisation.save(update_fields=["purchasing_emails"])
    return sponsor_organisation


def record(review, chair, *, today=None, **terms):
    values = {"outcome": Outcome.REFINANCE, "amount": Decimal("240000")} | terms
    return decision_record(
        review=review, terms=Terms(**values), by=chair, today=today or timezone.localdate()
    )


def round_url(funding_round) -> str:
    return reverse("committees:funding-round", args=[funding_round.pk])


# The order window (pure)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2026-11-30", None),
        ("2026-12-01", ("2026-12-15", "2027-02-01", False)),
        ("2026-12-14", ("2026-12-15", "2027-02-01", False)),
        ("2026-12-15", ("2026-12-15", "2027-02-01", True)),
        ("2026-12-31", ("2026-12-15", "2027-02-01", True)),
        ("2027-01-01", ("2026-12-15", "2027-02-01", True)),
        ("2027-01-20", ("2026-12-15", "2027-02-01", True)),
        ("2027-01-31", ("2026-12-15", "2027-02-01", True)),
        ("2027-02-01", None),
        ("2027-06-15", None),
    ],
)
def test_the_order_window_around_a_day(on, expected):
    window = order_window(day(on), closes="12-15", reopens="02-01")
    if expected is None:
        assert window is None
    else:
        closes, reopens, closed = expected
        assert (window.closes, window.reopens, window.closed) == (day(closes), day(reopens), closed)


def test_the_order_window_messages():
    assert order_window(day("2026-12-14")).message.startswith(
        "La fenêtre des bons de commande ferme le 15/12/2026 :"
    )
    assert order_window(day("2026-12-31")).message.startswith(
        "La fenêtre des bons de commande est fermée jusqu’au 01/02/2027 :"
    )


def test_an_order_window_within_one_year_and_a_leap_day():
    assert closed_period(day("2027-07-20"), closes="07-14", reopens="08-16") == (
        day("2027-07-14"),
        day("2027-08-16"),
    )
    assert order_window(day("2027-08-16"), closes="07-14", reopens="08-16") is None
    assert order_window(day("2027-02-10"), closes="02-29", reopens="03-10").closes == day(
        "2027-02-28"
    )


@pytest.mark.parametrize(
    ("start", "today", "deadline"),
    [
        ("2026-10-01", "2026-06-01", "2026-09-01"),  # a month ahead
        ("2026-06-10", "2026-06-01", "2026-06-01"),  # too late for a month: at once
        ("2027-01-20", "2026-11-23", "2026-12-14"),  # would fall in the window: before it
        ("2027-01-25", "2026-12-20", "2027-02-01"),  # the window is closed: when it reopens
        ("2027-04-01", "2026-12-20", "2027-03-02"),
    ],
)
def test_the_order_deadline(start, today, deadline):
    assert order_deadline(
        start=day(start), today=day(today), closes="12-15", reopens="02-01"
    ) == day(deadline)


# The purchasing addresses


def test_purchasing_addresses_are_normalised_and_deduplicated():
    cleaned = purchasing_emails_clean(
        f" Achats@DGFIP.gouv.fr \n\n{ACHATS}\nCommandes@dgfip.gouv.fr"
    )
    assert cleaned.splitlines() == [ACHATS, "commandes@dgfip.gouv.fr"]


def test_the_purchasing_form_names_the_bad_line_and_saves_nothing(
    client, staff, startup, sponsor_organisation
):
    client.force_login(staff)
    url = reverse("committees:purchasing-contacts", args=[sponsor_organisation.slug])
    response = client.post(
        url, {"purchasing_emails": f"{ACHATS}\npas-une-adresse\n", "loaded": loaded(url, client)}
    )
    assert response.status_code == 400
    assert "Ligne 2 : « pas-une-adresse » n’est pas une adresse électronique valide." in text(
        response
    )
    sponsor_organisation.refresh_from_db()
    assert sponsor_organisation.purchasing_emails == ""


def test_staff_set_the_purchasing_addresses_from_the_sponsor_page(
    client, staff, startup, sponsor_organisation
):
    client.force_login(staff)
    sponsor_page = reverse("startups:sponsor", args=[sponsor_organisation.slug])
    url = reverse("committees:purchasing-contacts", args=[sponsor_organisation.slug])
    assert url in client.get(sponsor_page).content.decode()
    response = client.post(
        url, {"purchasing_emails": f"Achats@DGFiP.gouv.fr\n{ACHATS}", "loaded": loaded(url, client)}
    )
    assert response.url == sponsor_page
    sponsor_organisation.refresh_from_db()
    assert sponsor_organisation.purchasing_addresses == [ACHATS]
    assert ACHATS in text(client.get(sponsor_page))


def loaded(url, client) -> str:
    """The hidden `loaded` value of the purchasing form, as the page renders it."""
    page = client.get(url).content.decode()
    return re.search(r'name="loaded" value="([^"]*)"', page).group(1)


def test_two_colleagues_saving_the_addresses_at_once_never_lose_one(
    client, staff, startup, sponsor_organisation
):
    """The second save, over addresses the first changed, is refused and shows them."""
    client.force_login(staff)
    url = reverse("committees:purchasing-contacts", args=[sponsor_organisation.slug])
    first = second = loaded(url, client)
    assert client.post(url, {"purchasing_emails": ACHATS, "loaded": first}).status_code == 302
    response = client.post(url, {"purchasing_emails": "commandes@dgfip.gouv.fr", "loaded": second})
    assert response.status_code == 409
    assert "Quelqu’un a modifié ces adresses pendant que vous les éditiez" in text(response)
    assert ACHATS in text(response)
    sponsor_organisation.refresh_from_db()
    assert sponsor_organisation.purchasing_addresses == [ACHATS]
    # A POST that does not say what it loaded saves nothing either.
    assert client.post(url, {"purchasing_emails": "x@dgfip.gouv.fr"}).status_code == 409
    sponsor_organisation.refresh_from_db()
    assert sponsor_organisation.purchasing_addresses == [ACHATS]


@pytest.mark.parametrize("persona", ["team", "sponsor", "other_staff"])
def test_only_the_staff_following_a_sponsor_set_its_addresses(
    client, startup, sponsor_organisation, persona
):
    user = persona_user(persona, startup=startup)
    client.force_login(user)
    url = reverse("committees:purchasing-contacts", args=[sponsor_organisation.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"purchasing_emails": "pirate@example.org"}).status_code == 403
    sponsor_organisation.refresh_from_db()
    assert sponsor_organisation.purchasing_emails == ""
    assert (
        url
        not in client.get(
            reverse("startups:sponsor", args=[sponsor_organisation.slug])
        ).content.decode()
    )


# The notice


def test_a_decision_granting_money_tells_the_funders_purchasing_teams(
    review, chair, with_addresses, second_sponsor, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        decision = record(review, chair, is_provisional=True, months=2)
    funding_round = FundingRound.objects.get(pk=decision.funding_round_id)
    assert funding_round.purchasing_notified_at is not None
    [notice] = mail.outbox
    assert notice.to == [ACHATS]
    assert notice.subject == "Financement accordé à Mon Service : bon de commande à préparer"
    share = Contribution.objects.get(funding_round=funding_round, organisation=with_addresses)
    body = plain(notice.body)
    deadline = order_deadline(start=funding_round.start, today=today)
    for expected in [
        "Startup : Mon Service",
        f"Montant accordé : {plain(euros(Decimal(240000)))}",
        f"Part de {with_addresses.name} : {plain(euros(share.amount))}",
        f"Période : du {funding_round.start:%d/%m/%Y} au {funding_round.end:%d/%m/%Y}",
        "Budget provisoire : oui",
        f"Bon de commande à envoyer au plus tard le {deadline:%d/%m/%Y}",
        round_url(funding_round),
    ]:
        assert expected in body
    assert share.amount == Decimal(120000)
    window = order_window(today)
    assert (window.message in body) if window else ("fenêtre" not in body)
    html = notice.alternatives[0][0]
    assert "Mon Service" in html and round_url(funding_round) in html
    event = AuditEvent.objects.get(action=AuditAction.PURCHASING_NOTIFIED)
    assert event.review_id == review.pk and event.actor == chair
    assert event.detail["told"] == [with_addresses.name]
    assert event.detail["by_hand"] == [second_sponsor.name]


def test_funders_without_addresses_are_told_by_hand(
    client,
    review,
    chair,
    staff,
    second_sponsor,
    sponsor_organisation,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = record(review, chair)
    assert mail.outbox == []
    funding_round = FundingRound.objects.get(pk=decision.funding_round_id)
    assert funding_round.purchasing_notified_at is None
    client.force_login(chair)
    page = text(
        client.get(reverse("committees:review-decide", args=[review.session_id, review.pk]))
    )
    assert f"{second_sponsor.name}, {sponsor_organisation.name} : {NO_CONTACT}." in page
    client.force_login(staff)
    page = text(client.get(round_url(funding_round)))
    assert f"{second_sponsor.name} : {plain(euros(Decimal(120000)))} — {NO_CONTACT}" in page
    assert "Aucun avis envoyé aux services des achats." in page


@pytest.mark.django_db(transaction=True)  # the decision's own commit, as in production
def test_with_the_broker_away_the_notice_waits_in_the_outbox(
    review, chair, with_addresses, broker, mailoutbox
):
    broker.down()
    decision = record(review, chair)
    waiting = OutboxMessage.objects.filter(about=f"round:{decision.funding_round_id}", done_at=None)
    assert waiting.count() == 1 and mailoutbox == []
    broker.back()
    assert outbox_relay() == 1
    assert [message.to for message in mailoutbox] == [[ACHATS]]
    assert not waiting.exists()


def test_a_correction_tells_again_and_a_stop_withdraws(
    review, chair, with_addresses, django_capture_on_commit_callbacks
):
    decision = record(review, chair)
    session_close(session=review.session, by=chair)
    with django_capture_on_commit_callbacks(execute=True):
        correction = decision_correct(
            decision=decision,
            terms=Terms(outcome=Outcome.ADJUST, amount=Decimal(100000), reason="Montant revu"),
            by=chair,
        )
    [notice] = mail.outbox
    assert notice.subject.startswith("Correction : Financement accordé à Mon Service")
    body = plain(notice.body)
    assert "ramené à 0 €" in body and f"Montant accordé : {plain(euros(Decimal(100000)))}" in body
    assert round_url(correction.funding_round) in body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision_correct(
            decision=correction, terms=Terms(outcome=Outcome.STOP, reason="Arrêt"), by=chair
        )
    [withdrawn] = mail.outbox
    assert withdrawn.to == [ACHATS]
    assert "aucun bon de commande n’est à envoyer" in withdrawn.body
    assert AuditEvent.objects.filter(action=AuditAction.PURCHASING_NOTIFIED).count() == 3


def test_a_stop_tells_nobody(review, chair, with_addresses, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record(review, chair, outcome=Outcome.STOP, amount=None, reason="Arrêt")
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditAction.PURCHASING_NOTIFIED).exists()


# The December warning on the decision


@pytest.mark.today("2026-12-10")
def test_a_decision_in_december_warns_that_the_window_closes(
    client, review, chair, with_addresses, django_capture_on_commit_callbacks
):
    client.force_login(chair)
    url = reverse("committees:review-decide", args=[review.session_id, review.pk])
    message = "La fenêtre des bons de commande ferme le 15/12/2026 :"
    assert message in text(client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"outcome": "refinance", "amount": "240000", "months": "6"})
    assert response.status_code == 302
    assert message in text(client.get(url))
    [notice] = mail.outbox
    assert message in notice.body


@pytest.mark.today("2026-12-20")
def test_a_decision_inside_the_window_says_when_it_reopens(client, review, chair):
    client.force_login(chair)
    url = reverse("committees:review-decide", args=[review.session_id, review.pk])
    record(review, chair)
    page = text(client.get(url))
    assert "La fenêtre des bons de commande est fermée jusqu’au 01/02/2027 :" in page


# The order's steps


@pytest.fixture
def granted(review, chair):
    return FundingRound.objects.get(pk=record(review, chair).funding_round_id)


def order_data(funding_round, **values) -> dict:
    return {
        "loaded": order_loaded(funding_round),
        "order_sent_on": "",
        "order_reference": "",
        "service_done_on": "",
        "invoiced_on": "",
    } | {name: str(value) for name, value in values.items()}


def order_events() -> list[dict]:
    events = AuditEvent.objects.filter(action=AuditAction.ORDER_CHANGED).order_by("at", "id")
    return [event.detail["changes"] for event in events]


def test_staff_record_the_order_steps_in_order(client, granted, staff, clock):
    url = round_url(granted)
    decided = timezone.localdate()
    clock.move_to(frozen_at(decided + datetime.timedelta(days=40)))
    client.force_login(staff)  # after the clock moved: a session lasts two weeks
    sent, done, invoiced = (decided + datetime.timedelta(days=n) for n in (5, 20, 30))
    response = client.post(url, order_data(granted, order_sent_on=sent, order_reference="BC-42"))
    assert response.url == url
    granted.refresh_from_db()
    response = client.post(
        url, order_data(granted, order_sent_on=sent, order_reference="BC-42", service_done_on=done)
    )
    assert response.status_code == 302
    granted.refresh_from_db()
    values = {"order_sent_on": sent, "order_reference": "BC-42", "service_done_on": done}
    response = client.post(url, order_data(granted, **values, invoiced_on=invoiced))
    assert response.status_code == 302
    granted.refresh_from_db()
    assert (granted.order_sent_on, granted.order_reference) == (sent, "BC-42")
    assert (granted.service_done_on, granted.invoiced_on) == (done, invoiced)
    assert order_events() == [
        {"order_sent_on": ["", str(sent)], "order_reference": ["", "BC-42"]},
        {"service_done_on": ["", str(done)]},
        {"invoiced_on": ["", str(invoiced)]},
    ]
    page = text(client.get(url))
    assert f"le {sent:%d/%m/%Y}, référence BC-42" in page and f"le {invoiced:%d/%m/%Y}" in page


@pytest.mark.parametrize(
    ("values", "field", "error"),
    [
        (
            {"service_done_on": 0},
            "service_done_on",
            "Le service fait suit l’envoi du bon de commande.",
        ),
        ({"order_sent_on": 0}, "order_reference", "Indiquer la référence du bon de commande."),
        (
            {"order_sent_on": 0, "order_reference": "BC", "invoiced_on": 0},
            "invoiced_on",
            "La facture suit le service fait.",
        ),
        ({"order_sent_on": 1, "order_reference": "BC"}, "order_sent_on", "Une date à venir"),
        ({"order_sent_on": -1, "order_reference": "BC"}, "order_sent_on", "avant la décision"),
        (
            {"order_sent_on": 0, "order_reference": "BC", "service_done_on": -1},
            "service_done_on",
            "avant la décision",
        ),
    ],
)
def test_a_step_out_of_order_is_refused_next_to_its_field(
    client, granted, staff, values, field, error
):
    today = timezone.localdate()
    data = {
        name: (today + datetime.timedelta(days=value) if isinstance(value, int) else value)
        for name, value in values.items()
    }
    client.force_login(staff)
    response = client.post(round_url(granted), order_data(granted, **data))
    assert response.status_code == 400
    page = lxml_html.fromstring(response.content)
    [message] = page.xpath(
        f'//*[@id="id_{field}"]/ancestor::div[contains(@class, "fr-input-group")]'
    )
    assert error in plain(message.text_content())
    granted.refresh_from_db()
    assert granted.order_sent_on is None and granted.service_done_on is None
    assert order_events() == []


def test_dates_in_order_between_the_steps(granted, staff, clock):
    decided = timezone.localdate()
    clock.move_to(frozen_at(decided + datetime.timedelta(days=10)))
    steps = OrderSteps(
        order_sent_on=decided + datetime.timedelta(days=5),
        order_reference="BC",
        service_done_on=decided + datetime.timedelta(days=2),
    )
    with pytest.raises(Exception, match="Les étapes se suivent"):
        round_order_update(
            funding_round=granted, steps=steps, loaded=order_loaded(granted), by=staff
        )
    assert order_events() == []


def test_a_save_over_another_is_refused_and_a_double_click_does_it_once(
    client, granted, staff, incubator
):
    today = timezone.localdate()
    colleague = persona_user("staff", incubator=incubator, email="collegue@example.org")
    loaded = order_loaded(granted)
    round_order_update(
        funding_round=granted,
        steps=OrderSteps(order_sent_on=today, order_reference="BC-1"),
        loaded=loaded,
        by=colleague,
    )
    client.force_login(staff)
    data = order_data(granted, order_sent_on=today, order_reference="BC-2") | {"loaded": loaded}
    response = client.post(round_url(granted), data)
    assert response.status_code == 409
    assert "a changé depuis l’affichage de la page" in text(response)
    granted.refresh_from_db()
    assert granted.order_reference == "BC-1"
    # The page shows the current state: saving again from it works, twice is once.
    data = order_data(granted, order_sent_on=today, order_reference="BC-2")
    assert client.post(round_url(granted), data).status_code == 302
    assert client.post(round_url(granted), data).status_code == 302
    granted.refresh_from_db()
    assert granted.order_reference == "BC-2"
    assert len(order_events()) == 2


@pytest.mark.parametrize("persona", ["team", "sponsor"])
def test_the_team_and_sponsors_read_the_order_but_cannot_change_it(
    client, granted, request, persona
):
    client.force_login(request.getfixturevalue({"team": "intrapreneur"}.get(persona, persona)))
    response = client.get(round_url(granted))
    assert response.status_code == 200
    assert "Suivi de la commande" in text(response)
    assert b'name="order_sent_on"' not in response.content
    today = timezone.localdate()
    data = order_data(granted, order_sent_on=today, order_reference="BC")
    assert client.post(round_url(granted), data).status_code == 403
    granted.refresh_from_db()
    assert granted.order_sent_on is None and order_events() == []


def test_another_incubators_staff_cannot_read_nor_change_the_order(client, granted):
    other = persona_user("staff", incubator=IncubatorFactory(), email="ailleurs@example.org")
    client.force_login(other)
    assert client.get(round_url(granted)).status_code == 403
    today = timezone.localdate()
    data = order_data(granted, order_sent_on=today, order_reference="BC")
    assert client.post(round_url(granted), data).status_code == 403
    granted.refresh_from_db()
    assert granted.order_sent_on is None and order_events() == []


def test_staff_who_lost_their_role_since_the_page_cannot_save(client, granted, staff):
    client.force_login(staff)
    data = order_data(granted, order_sent_on=timezone.localdate(), order_reference="BC")
    assert client.get(round_url(granted)).status_code == 200
    IncubatorStaff.objects.filter(user=staff).delete()
    assert client.post(round_url(granted), data).status_code == 403
    granted.refresh_from_db()
    assert granted.order_sent_on is None and order_events() == []


def test_a_corrected_rounds_order_is_followed_on_the_correction(client, review, chair, staff):
    decision = record(review, chair)
    session_close(session=review.session, by=chair)
    decision_correct(
        decision=decision,
        terms=Terms(outcome=Outcome.ADJUST, amount=Decimal(100000), reason="Montant revu"),
        by=chair,
    )
    corrected = FundingRound.objects.get(pk=decision.funding_round_id)
    client.force_login(staff)
    page = client.get(round_url(corrected))
    assert "Financement ramené à 0 €" in text(page)
    assert b'name="order_sent_on"' not in page.content
    data = order_data(corrected, order_sent_on=timezone.localdate(), order_reference="BC")
    response = client.post(round_url(corrected), data)
    assert response.status_code == 400
    assert "Ce financement a été corrigé" in text(response)
    corrected.refresh_from_db()
    assert corrected.order_sent_on is None and order_events() == []


def test_a_round_not_granted_by_a_committee_has_no_order_page(client, startup, staff):
    manual = startup.funding_rounds.get(source=FundingSource.MANUAL)
    client.force_login(staff)
    assert client.get(round_url(manual)).status_code == 404


# Late orders


def late_round(startup, *, days_ago: int, label: str, amount=Decimal(100000), **fields):
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    funding_round = FundingRound.objects.create(
        startup=startup,
        label=label,
        source=FundingSource.DECISION,
        start=start,
        end=start + datetime.timedelta(days=180),
        amount_granted=amount,
        **fields,
    )
    for organisation in startup.sponsors.all():
        Contribution.objects.create(
            funding_round=funding_round, organisation=organisation, amount=amount
        )
    return funding_round


LATE_QUERIES = 8


def test_the_late_orders_of_the_staffs_incubators(client, staff, startup, incubator):
    today = timezone.localdate()
    late_round(startup, days_ago=12, label="En retard")
    late_round(startup, days_ago=3, label="Commandé", order_sent_on=today, order_reference="BC")
    late_round(startup, days_ago=-10, label="Pas commencé")
    late_round(startup, days_ago=30, label="Corrigé", amount=Decimal(0))
    elsewhere = StartupFactory(incubator=IncubatorFactory(), sponsors=[OrganisationFactory()])
    late_round(elsewhere, days_ago=40, label="Ailleurs")
    client.force_login(staff)
    url = reverse("committees:late-orders")
    page = text(get_page(client, url, queries=LATE_QUERIES))
    assert "1 commande en retard" in page
    assert "En retard" in page and "12 jours" in page
    for hidden in ["Commandé", "Pas commencé", "Corrigé", "Ailleurs"]:
        assert hidden not in page
    for n in range(10):
        other = StartupFactory(incubator=incubator, sponsors=[OrganisationFactory()])
        late_round(other, days_ago=n, label=f"Tour {n}")
    page = text(get_page(client, url, queries=LATE_QUERIES))
    assert "11 commandes en retard" in page
    client.force_login(UserFactory(is_superuser=True, email="root@example.org"))
    assert "Ailleurs" in text(client.get(url))


@pytest.mark.parametrize("persona", ["team", "sponsor", "outsider"])
def test_the_late_orders_list_is_for_staff(client, startup, persona):
    client.force_login(persona_user(persona, startup=startup))
    assert client.get(reverse("committees:late-orders")).status_code == 403


ROUND_QUERIES = 9


def test_the_sponsor_sees_a_late_order_on_the_round_page(client, granted, startup, sponsor, clock):
    clock.move_to(frozen_at(granted.start + datetime.timedelta(days=5)))
    client.force_login(sponsor)
    page = text(get_page(client, round_url(granted), queries=ROUND_QUERIES))
    assert "Commande en retard de 5 jours" in page
    for _ in range(5):
        Contribution.objects.create(
            funding_round=granted, organisation=OrganisationFactory(), amount=Decimal(1)
        )
    get_page(client, round_url(granted), queries=ROUND_QUERIES)
    assert Organisation.objects.count() >= 7


def test_the_demo_sponsors_have_purchasing_addresses_that_reach_nobody(db):
    dinum = OrganisationFactory(slug="dinum")
    other = OrganisationFactory(slug="ministere", purchasing_emails="achats@ministere.gouv.fr")
    StartupFactory(slug="demarches-simplifiees.fr", sponsors=[dinum, other])
    call_command("setup_demo", stdout=StringIO())
    dinum.refresh_from_db()
    other.refresh_from_db()
    assert dinum.purchasing_addresses == ["achats-dinum@demo.comite.example"]
    assert other.purchasing_addresses == ["achats@ministere.gouv.fr"]  # kept


def test_a_round_is_late_once_begun_without_an_order_unless_brought_to_nothing(startup):
    today = timezone.localdate()
    late = late_round(startup, days_ago=1, label="En retard")
    corrected = late_round(startup, days_ago=1, label="Corrigé", amount=Decimal(0))
    ahead = late_round(startup, days_ago=-1, label="À venir")
    assert late.order_is_late(today)
    assert not corrected.order_is_late(today) and not ahead.order_is_late(today)
    assert list(FundingRound.objects.filter(FundingRound.late_order(today))) == [late]


def test_the_purchasing_page_query_count_is_pinned(client, staff, startup, sponsor_organisation):
    client.force_login(staff)
    url = reverse("committees:purchasing-contacts", args=[sponsor_organisation.slug])
    client.get(url)  # the session's first read
    page = get_page(client, url, queries=PURCHASING_PAGE_QUERIES)
    assert 'name="loaded"' in page.content.decode()
