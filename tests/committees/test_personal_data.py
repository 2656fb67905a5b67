"""Erasing a person: the account closed for good and its personal data gone, the decisions it
took part in intact."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from sesame.utils import get_query_string

from accounts.services import magic_link_send
from committees.enums import MemberRole
from committees.models import Assessment, Attendance, CommitteeMember, Decision, Vote
from committees.sessions.people import person_erase
from startups.models import TeamMembership
from tests.committees.reports import submitted_report
from tests.committees.test_decisions import add_item, record
from tests.factories import SessionFactory


@pytest.fixture
def world(session, startup, sponsor, intrapreneur):
    """The sponsor chairs and votes, scores with private notes and records a decision; the
    intrapreneur submitted the report."""
    SessionFactory.set_state(session, open=True)
    chair = CommitteeMember.objects.create(
        committee=session.committee, user=sponsor, role=MemberRole.CHAIR
    )
    Attendance.objects.create(session=session, member=chair, present=True)
    report = submitted_report(startup, intrapreneur)
    session.reviews.all().delete()
    review = add_item(session, startup, choices=("refinance",))
    Assessment.objects.create(
        review=review, member=chair, scores={"positioning": 4}, notes="Mon avis personnel"
    )
    decision = record(review, sponsor)
    return {"chair": chair, "review": review, "decision": decision, "report": report}


def test_erasing_keeps_the_votes_scores_decisions_and_reports(world, sponsor):
    before = Decision.objects.values().get(), Vote.objects.values().get()

    person_erase(user=sponsor)

    assert (Decision.objects.values().get(), Vote.objects.values().get()) == before
    assessment = Assessment.objects.get()
    assert (assessment.scores, assessment.notes) == ({"positioning": 4}, "")
    sponsor.refresh_from_db()
    assert str(sponsor) == "Compte supprimé"
    assert (sponsor.first_name, sponsor.last_name, sponsor.is_active) == ("", "", False)
    assert sponsor.email == f"compte-supprime-{sponsor.pk}@comite.invalid"
    assert not sponsor.has_usable_password()
    assert not sponsor.sponsor_roles.exists()
    assert CommitteeMember.objects.filter(user=sponsor).exists()  # the votes' member


def test_an_erased_team_member_keeps_the_report_and_loses_the_team(world, intrapreneur):
    person_erase(user=intrapreneur)

    version = world["report"].versions.get()
    assert version.submitted_by_id == intrapreneur.pk
    assert not TeamMembership.objects.filter(user=intrapreneur).exists()


def test_an_erased_person_cannot_sign_in_by_any_means(world, sponsor, client):
    link = reverse("accounts:magic-login") + get_query_string(sponsor)
    sponsor.set_password("secret-2026")
    sponsor.save()
    email = sponsor.email

    person_erase(user=sponsor)

    assert not client.login(email=email, password="secret-2026")
    assert not magic_link_send(email=email, base_url="http://testserver")
    client.get(link)
    assert "_auth_user_id" not in client.session


def test_the_minutes_show_an_erased_voter_as_such(world, sponsor, staff, client):
    person_erase(user=sponsor)

    client.force_login(staff)
    page = client.get(reverse("committees:session-minutes", args=[world["review"].session_id]))
    assert "Compte supprimé" in page.content.decode()


def test_the_command_erases_by_address_and_says_when_there_is_none(world, sponsor):
    out = StringIO()
    call_command("erase_person", sponsor.email.upper(), stdout=out)
    assert f"compte n° {sponsor.pk}" in out.getvalue()
    with pytest.raises(CommandError, match="Aucun compte"):
        call_command("erase_person", "personne@example.org")


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, staff):
    client.force_login(staff)
    assert client.get(reverse("committees:reports")).status_code == 200

    staff.is_active = False
    staff.save()

    response = client.get(reverse("committees:reports"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
