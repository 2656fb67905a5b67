"""Before the session: the voting members' grid and private notes, conflicts of interest and the
recusals Comité proposes."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from lxml import html
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from committees.enums import AuditAction, MemberRole
from committees.models import Assessment, AuditEvent, Conflict, Review
from committees.sessions.preparation import (
    assessment_save,
    conflict_declare,
    conflict_withdraw,
    proposed_recusals,
)
from tests.committees.reports import submitted_report
from tests.factories import (
    CommitteeFactory,
    CommitteeMemberFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
)
from tests.utils import assert_queries, get_page

SCORES = {"positioning": 4, "usable_useful_used": 5, "adjusts": 2}


@pytest.fixture
def review(session):
    return session.reviews.get()


@pytest.fixture
def voter(session):
    return CommitteeMemberFactory(
        committee=session.committee, user=UserFactory(first_name="Vera", email="voter@example.org")
    )


@pytest.fixture
def chair(session):
    return CommitteeMemberFactory(
        committee=session.committee,
        user=UserFactory(first_name="Claire", email="chair@example.org"),
        role=MemberRole.CHAIR,
    )


@pytest.fixture
def observer(session):
    return CommitteeMemberFactory(
        committee=session.committee,
        user=UserFactory(email="observer@example.org"),
        role=MemberRole.OBSERVER,
    )


@pytest.fixture
def people(voter, chair, observer, staff, outsider, intrapreneur):
    return {
        "voter": voter.user,
        "chair": chair.user,
        "observer": observer.user,
        "staff": staff,
        "outsider": outsider,
        "intrapreneur": intrapreneur,
    }


def url(name, review, *, item=True):
    args = [review.session_id, review.pk] if item else [review.session_id]
    return reverse(f"committees:{name}", args=args)


def grid_post(scores: dict, notes: str = "") -> dict:
    return {**{key: str(value) for key, value in scores.items()}, "notes": notes}


# Who prepares


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("voter", 200),
        ("chair", 200),
        ("staff", 200),
        ("observer", 403),
        ("outsider", 403),
        ("intrapreneur", 403),
    ],
)
def test_who_opens_the_preparation_pages(client, people, review, persona, status):
    client.force_login(people[persona])
    assert client.get(url("session-prepare", review, item=False)).status_code == status
    assert client.get(url("review-prepare", review)).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("voter", 302),
        ("chair", 302),
        ("staff", 403),
        ("observer", 403),
        ("outsider", 403),
        ("intrapreneur", 403),
    ],
)
def test_only_voting_members_fill_in_the_grid(client, people, review, persona, status):
    client.force_login(people[persona])
    response = client.post(url("review-assessment", review), grid_post(SCORES))
    assert response.status_code == status
    assert Assessment.objects.exists() == (status == 302)


def test_staff_see_the_items_without_a_grid(client, staff, review, voter):
    client.force_login(staff)
    page = client.get(url("review-prepare", review))
    assertNotContains(page, "Ma grille d’arbitrage")
    assertContains(page, "Conflits d’intérêts des membres votants")
    assertContains(page, str(voter.user))


# The grid


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"positioning": 0}, "Chaque question se note de 1 à 5."),
        ({"positioning": 6}, "Chaque question se note de 1 à 5."),
        ({"positioning": "beaucoup"}, "Chaque question se note de 1 à 5."),
        ({"originality": 3}, "Question inconnue dans la grille : « originality »."),
    ],
)
def test_the_grid_refuses_what_is_not_a_score_of_one_to_five(review, voter, scores, message):
    with pytest.raises(ValidationError) as refused:
        assessment_save(review=review, member=voter, scores=scores, notes="", by=voter.user)
    assert refused.value.messages == [message]
    assert not Assessment.objects.exists()


def test_saving_the_grid_again_updates_the_same_assessment(review, voter):
    assessment_save(review=review, member=voter, scores=SCORES, notes="a", by=voter.user)
    assessment_save(
        review=review, member=voter, scores={"positioning": 1}, notes="b", by=voter.user
    )
    assessment = Assessment.objects.get()
    assert (assessment.scores, assessment.notes) == ({"positioning": 1}, "b")


def test_nobody_fills_in_the_grid_of_someone_else(review, voter, chair):
    with pytest.raises(PermissionDenied):
        assessment_save(review=review, member=voter, scores=SCORES, notes="", by=chair.user)


def test_the_grid_is_frozen_once_the_vote_is_closed(client, review, voter):
    ReviewFactory.set_state(review, voted=True)
    with pytest.raises(ValidationError, match="clos"):
        assessment_save(review=review, member=voter, scores=SCORES, notes="", by=voter.user)
    client.force_login(voter.user)
    assertContains(client.get(url("review-prepare", review)), "la grille et les notes ne changent")


def test_autosave_answers_with_the_time(client, review, voter):
    client.force_login(voter.user)
    response = client.post(
        url("review-assessment", review),
        grid_post(SCORES, "À creuser : le coût par dossier."),
        headers={"HX-Request": "true"},
    )
    assertContains(response, "Enregistré à")
    assessment = Assessment.objects.get()
    assert assessment.scores == SCORES
    assert assessment.notes == "À creuser : le coût par dossier."


def test_autosave_and_a_fresh_page_agree(client, review, voter):
    """htmx equivalence: the status line autosave swaps in is the one a full GET shows, and
    the page shows the saved answers checked."""
    client.force_login(voter.user)
    swapped = client.post(
        url("review-assessment", review), grid_post(SCORES), headers={"HX-Request": "true"}
    )
    page = html.fromstring(client.get(url("review-prepare", review)).content)
    fragment = html.fragment_fromstring(swapped.content.decode(), create_parent="div")
    assert " ".join(page.cssselect("#status-grid")[0].text_content().split()) == " ".join(
        fragment.cssselect(".fr-message")[0].text_content().split()
    )
    checked = {e.get("name"): int(e.get("value")) for e in page.cssselect("input[checked]")}
    assert checked == SCORES


def test_a_score_out_of_range_gets_its_error_next_to_the_question(client, review, voter):
    client.force_login(voter.user)
    data = grid_post({**SCORES, "targets_met": 6}, "mes notes")
    response = client.post(url("review-assessment", review), data, headers={"HX-Request": "true"})
    assertContains(response, "Non enregistré")
    fragment = html.fragment_fromstring(response.content.decode(), create_parent="div")
    [messages] = fragment.cssselect("#id_targets_met-messages")
    assert messages.get("hx-swap-oob") == "true"
    assert "Sélectionnez un choix valide" in messages.text_content()
    assert not Assessment.objects.exists()
    # Without JavaScript: the page again, the error next to the question, the notes kept.
    page = client.post(url("review-assessment", review), data)
    assertContains(page, "Sélectionnez un choix valide", status_code=422)
    assertContains(page, "mes notes</textarea>", status_code=422)


def test_saving_without_javascript_comes_back_to_the_grid(client, review, voter):
    client.force_login(voter.user)
    response = client.post(url("review-assessment", review), grid_post(SCORES))
    assertRedirects(response, url("review-prepare", review) + "#grille")


def test_private_notes_are_read_by_their_author_only(client, review, voter, chair, staff):
    assessment_save(
        review=review, member=voter, scores=SCORES, notes="Note secrète de Vera", by=voter.user
    )
    other = CommitteeMemberFactory(committee=review.session.committee)
    for user in (voter.user, other.user, chair.user, staff):
        client.force_login(user)
        for page in (
            client.get(url("review-prepare", review)),
            client.get(url("session-prepare", review, item=False)),
        ):
            if user == voter.user and "passages" in page.request["PATH_INFO"]:
                assertContains(page, "Note secrète de Vera")
            else:
                assertNotContains(page, "Note secrète de Vera")


# The report


def test_a_report_not_submitted_is_not_shown(client, review, voter, startup, intrapreneur):
    from committees.reports.services import report_start
    from tests.committees.reports import fill
    from tests.utils import SEMESTER

    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    fill(report, intrapreneur)
    client.force_login(voter.user)
    page = client.get(url("review-prepare", review))
    assertContains(page, "Bilan non soumis")
    assertNotContains(page, "Des formulaires papier ressaisis à la main.")


def test_members_read_the_submitted_report_with_its_frozen_figures(
    client, review, voter, startup, intrapreneur
):
    report = submitted_report(startup, intrapreneur)
    client.force_login(voter.user)
    page = client.get(url("review-prepare", review))
    assertContains(page, "Des formulaires papier ressaisis à la main.")
    assertContains(page, "figés à la soumission")
    assertContains(page, "Chiffres clés")
    assertContains(page, "Accordé depuis le début")
    # Not a sponsor of the startup: the report's own page stays closed to them, so no link.
    assertNotContains(page, reverse("committees:report", args=[startup.slug, report.semester]))
    listing = client.get(url("session-prepare", review, item=False))
    assertContains(listing, "Soumis")


# Conflicts of interest


def test_declaring_a_conflict_twice_records_it_once(client, review, voter):
    client.force_login(voter.user)
    for _ in range(2):
        response = client.post(url("review-conflict", review), {"reason": "Ancien employeur"})
        assertRedirects(response, url("review-prepare", review) + "#conflit")
    conflict = Conflict.objects.get()
    assert (conflict.member, conflict.reason, conflict.declared_by) == (
        voter,
        "Ancien employeur",
        voter.user,
    )
    assert AuditEvent.objects.filter(action=AuditAction.CONFLICT).count() == 1
    assertContains(client.get(url("review-prepare", review)), "Vous êtes déporté·e")


def test_no_conflict_once_the_vote_is_open(client, review, voter):
    ReviewFactory.set_state(review, voting=True)
    with pytest.raises(ValidationError, match="trop tard"):
        conflict_declare(review=review, member=voter, reason="Ancien employeur", by=voter.user)
    client.force_login(voter.user)
    client.post(url("review-conflict", review), {"reason": "Ancien employeur"})
    assert not Conflict.objects.exists()


def test_a_conflict_needs_a_reason(client, review, voter):
    client.force_login(voter.user)
    response = client.post(url("review-conflict", review), {"reason": ""})
    assertContains(response, "Ce champ est obligatoire", status_code=422)
    assert not Conflict.objects.exists()


@pytest.mark.parametrize(("persona", "allowed"), [("chair", True), ("staff", True)])
def test_the_chair_and_staff_declare_a_conflict_for_a_member(
    client, people, review, voter, persona, allowed
):
    client.force_login(people[persona])
    client.post(url("review-conflict", review), {"reason": "Sponsor", "member": voter.pk})
    conflict = Conflict.objects.get()
    assert (conflict.member, conflict.declared_by) == (voter, people[persona])


def test_a_member_does_not_declare_a_conflict_for_another(client, review, voter, chair):
    client.force_login(voter.user)
    response = client.post(url("review-conflict", review), {"reason": "x", "member": chair.pk})
    assert response.status_code == 403
    assert not Conflict.objects.exists()


def test_a_conflict_is_withdrawn_before_the_vote(client, review, voter):
    conflict_declare(review=review, member=voter, reason="Erreur", by=voter.user)
    client.force_login(voter.user)
    client.post(url("review-conflict-withdraw", review))
    assert not Conflict.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.CONFLICT).count() == 2
    assert conflict_withdraw(review=review, member=voter, by=voter.user) is False


# Proposed recusals


def recusal_cases(session):
    """A member in the team of the first startup, one speaking for its sponsor, one who
    represents that sponsor, one with no tie; the startups after the first have other sponsors."""
    startup = session.reviews.get().startup
    organisation = startup.sponsors.get()
    committee = session.committee
    teammate = CommitteeMemberFactory(
        committee=committee, user=UserFactory(first_name="Théo", member_of=startup)
    )
    speaker = CommitteeMemberFactory(committee=committee, organisation=organisation)
    representative = CommitteeMemberFactory(
        committee=committee, user=UserFactory(sponsor_of=organisation)
    )
    unrelated = CommitteeMemberFactory(
        committee=committee, organisation=OrganisationFactory(), user=UserFactory()
    )
    return startup, teammate, speaker, representative, unrelated


def test_members_tied_to_the_startup_are_proposed_for_recusal(session):
    startup, teammate, speaker, representative, unrelated = recusal_cases(session)
    other = ReviewFactory(session=session, startup=StartupFactory(sponsors=[OrganisationFactory()]))
    proposed = proposed_recusals(session)
    review = session.reviews.get(startup=startup)
    reasons = {r.member: r.reason for r in proposed[review.pk]}
    assert reasons == {
        teammate: "membre de l’équipe de Mon Service",
        speaker: "représente DGFiP, sponsor de Mon Service",
        representative: "représentant·e de DGFiP, sponsor de Mon Service",
    }
    assert proposed[other.pk] == []


def test_proposed_recusals_take_five_queries_whatever_the_agenda(session):
    recusal_cases(session)
    with assert_queries(5):
        proposed_recusals(session)
    for _ in range(9):
        startup = StartupFactory(sponsors=[OrganisationFactory(), OrganisationFactory()])
        ReviewFactory(session=session, startup=startup)
        CommitteeMemberFactory(committee=session.committee, user=UserFactory(member_of=startup))
    with assert_queries(5):
        proposed = proposed_recusals(session)
    assert sum(len(recusals) for recusals in proposed.values()) == 3 + 9


def test_the_proposed_recusal_is_shown_with_a_button(client, session, review):
    _, teammate, *_ = recusal_cases(session)
    client.force_login(teammate.user)
    page = client.get(url("review-prepare", review))
    assertContains(page, "Déport proposé")
    assertContains(page, "Me déporter")
    client.post(url("review-conflict", review), {"reason": "Membre de l’équipe de Mon Service"})
    assert Conflict.objects.get().member == teammate
    listing = client.get(url("session-prepare", review, item=False))
    assertContains(listing, "Vous êtes déporté·e")


# Query counts


def grow(session, n):
    """n more items on the agenda, each with a submitted-looking tie, and n more members."""
    for _ in range(n):
        startup = StartupFactory(sponsors=[OrganisationFactory()])
        ReviewFactory(session=session, startup=startup)
        member = CommitteeMemberFactory(
            committee=session.committee, user=UserFactory(member_of=startup)
        )
        Conflict.objects.create(review=session.reviews.last(), member=member, reason="Équipe")


@pytest.mark.parametrize(
    ("persona", "page", "queries"),
    [
        ("voter", "session-prepare", 17),
        ("staff", "session-prepare", 15),
        ("voter", "review-prepare", 21),
        ("staff", "review-prepare", 20),
    ],
)
def test_pages_take_a_fixed_number_of_queries(
    client, people, session, review, voter, startup, intrapreneur, persona, page, queries
):
    """The same count with 1 item and 10 on the agenda, 4 voting members and 13.

    Each page: session, user, savepoint and release (4), the header's links (1 or 2), the session
    and the person's roles (4), the agenda (1), the proposed recusals (4); then the list: the
    reports (1) and a voter's grids and conflicts (2); one item: the report, its version and
    sections (3), the voter's grid (1), the conflicts (1), who may open the report's page (1),
    the questions to the team (1)."""
    submitted_report(startup, intrapreneur)
    assessment_save(review=review, member=voter, scores=SCORES, notes="", by=voter.user)
    client.force_login(people[persona])
    target = url(page, review, item=page == "review-prepare")
    get_page(client, target, queries=queries)
    grow(session, 9)
    get_page(client, target, queries=queries)


# Home page


def test_members_find_their_upcoming_sessions_on_the_home_page(client, review, voter, observer):
    client.force_login(voter.user)
    page = client.get(reverse("home"))
    assertContains(page, "Mes séances")
    assertContains(page, url("session-prepare", review, item=False))
    client.force_login(observer.user)
    page = client.get(reverse("home"))
    assertContains(page, "Mes séances")
    assertNotContains(page, url("session-prepare", review, item=False))


def test_no_sessions_block_for_who_sits_on_no_committee(client, review, outsider):
    client.force_login(outsider)
    assertNotContains(client.get(reverse("home")), "Mes séances")


# Concurrency, on PostgreSQL

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"
)


def in_threads(count, target) -> list[Exception]:
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait()
            target(index)
        except Exception as error:  # noqa: BLE001 — collected and asserted by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def crowd(transactional_db, startup):
    """Twenty voting members on one item, its vote not open yet."""
    committee = CommitteeFactory(incubator=startup.incubator)
    review = ReviewFactory(session=SessionFactory(committee=committee), startup=startup)
    members = [CommitteeMemberFactory(committee=committee) for _ in range(20)]
    review = Review.objects.select_related("session__committee").get(pk=review.pk)
    return review, members


@postgres_only
def test_two_tabs_declaring_the_same_conflict_at_once_make_one(crowd):
    review, members = crowd
    member = members[0]

    def declare(index):
        conflict_declare(review=review, member=member, reason=f"Onglet {index}", by=member.user)

    assert in_threads(10, declare) == []
    assert Conflict.objects.filter(review=review, member=member).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CONFLICT).count() == 1


@postgres_only
def test_twenty_members_autosaving_at_once_each_keep_one_grid(crowd):
    review, members = crowd

    def save(index):
        member = members[index % 20]
        scores = {"positioning": index % 5 + 1}
        assessment_save(review=review, member=member, scores=scores, notes="", by=member.user)

    assert in_threads(40, save) == []
    assert Assessment.objects.filter(review=review).count() == 20
