"""Bringing people in: incubator staff invite a team member, a sponsor's representative or a
colleague by e-mail; the invited person signs in with the e-mailed link; staff see who has not
signed in yet, send the invitation again (not twice in ten minutes) and end memberships."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.invitations import account_for_invitation
from accounts.models import Invitation, OutboxMessage, User
from comite.french import de
from committees.enums import MemberRole
from committees.models import CommitteeMember
from startups.enums import TeamRole
from startups.models import IncubatorStaff, SponsorRepresentative, TeamMembership
from tests.factories import CommitteeFactory, OrganisationFactory, StartupFactory, UserFactory
from tests.utils import TODAY, frozen_at

LINK = re.compile(r"https?://[^/\s]+(/comptes/lien/\?sesame=\S+)")


@pytest.fixture
def invite(client, staff, django_capture_on_commit_callbacks):
    """POST as the startup's staff, its e-mails sent; the answer, read after the commit."""
    client.force_login(staff)

    def invite(url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return invite


def team_url(startup):
    return reverse("startups:team", args=[startup.slug])


def signs_in_with_the_emailed_link(email, address) -> str:
    """The invited person opens the link in their own browser and lands signed in; the home
    page they see."""
    from django.test import Client

    assert email.to == [address]
    browser = Client()
    assert browser.get(LINK.search(email.body).group(1)).status_code == 302
    return browser.get(reverse("home")).content.decode()


def test_staff_invite_a_team_member_who_signs_in_with_the_link_and_finds_their_startup(
    invite, client, startup, staff
):
    response = invite(team_url(startup), {"email": "Marie.Curie@Example.org", "role": "designer"})
    assert response.status_code == 302
    user = User.objects.get(email="marie.curie@example.org")
    assert not user.has_usable_password() and user.is_active
    membership = TeamMembership.objects.get(user=user, startup=startup)
    assert membership.role == TeamRole.DESIGNER
    page = client.get(team_url(startup)).content.decode()
    assert "Invitation envoyée à Marie.Curie@Example.org." in page
    assert "Invitation en attente" in page and str(staff) in page
    [email] = mail.outbox
    assert email.subject == "Invitation à rejoindre l’équipe de Mon Service dans Comité"
    assert "ProConnect" in email.body and f"{staff} vous invite" in email.body
    home = signs_in_with_the_emailed_link(email, "marie.curie@example.org")
    assert "Mon Service" in home
    assert "Connecté·e" in client.get(team_url(startup)).content.decode()


def test_an_existing_account_is_invited_whatever_the_case_of_its_address(invite, startup):
    person = UserFactory(email="anne@example.org")
    invite(team_url(startup), {"email": "ANNE@example.org", "role": "coach"})
    assert TeamMembership.objects.get(startup=startup).user == person
    assert User.objects.filter(email__iexact="anne@example.org").count() == 1


def test_inviting_a_member_twice_is_refused_and_writes_nothing(invite, startup):
    invite(team_url(startup), {"email": "anne@example.org", "role": "coach"})
    before = Invitation.objects.count(), OutboxMessage.objects.count()
    response = invite(team_url(startup), {"email": "anne@example.org", "role": "designer"})
    assert response.status_code == 422
    assert "anne@example.org en fait déjà partie." in response.content.decode()
    assert (Invitation.objects.count(), OutboxMessage.objects.count()) == before
    assert TeamMembership.objects.get(startup=startup).role == TeamRole.COACH


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "pas une adresse", "role": "coach"}, "Adresse électronique invalide."),
        ({"email": "", "role": "coach"}, "Indiquez l’adresse de la personne."),
        ({"email": "a@example.org", "role": "président"}, "Sélectionnez un choix valide."),
        ({"email": "a" * 250 + "@example.org", "role": "coach"}, "254 caractères"),
    ],
)
def test_bad_input_gets_a_french_error_next_to_its_field_and_writes_nothing(
    invite, startup, data, error
):
    response = invite(team_url(startup), data)
    assert response.status_code == 422 and error in response.content.decode()
    assert not TeamMembership.objects.exists() and not Invitation.objects.exists()
    assert User.objects.filter(email__startswith="a").count() == 0


def test_a_deactivated_account_is_not_reopened_by_an_invitation(invite, startup):
    UserFactory(email="partie@example.org", is_active=False)
    response = invite(team_url(startup), {"email": "partie@example.org", "role": "coach"})
    assert response.status_code == 422
    assert "Ce compte est désactivé" in response.content.decode()
    assert not TeamMembership.objects.exists() and not mail.outbox


def test_resending_waits_ten_minutes_then_sends_a_new_link(invite, client, startup, clock):
    invite(team_url(startup), {"email": "anne@example.org", "role": "coach"})
    membership = TeamMembership.objects.get()
    url = reverse("startups:team-membership", args=[startup.slug, "equipe", membership.pk])
    invite(url, {"action": "renvoyer"})
    page = client.get(team_url(startup)).content.decode()
    assert "attendez 10 minutes avant de la renvoyer" in page
    assert len(mail.outbox) == 1
    clock.move_to(frozen_at(TODAY) + datetime.timedelta(minutes=11))
    invite(url, {"action": "renvoyer"})
    assert len(mail.outbox) == 2 and Invitation.objects.count() == 2
    assert (
        "Invitation renvoyée à anne@example.org." in client.get(team_url(startup)).content.decode()
    )


def test_ending_a_membership_keeps_the_account(invite, startup):
    invite(team_url(startup), {"email": "anne@example.org", "role": "coach"})
    membership = TeamMembership.objects.get()
    url = reverse("startups:team-membership", args=[startup.slug, "equipe", membership.pk])
    assert invite(url, {"action": "retirer"}).status_code == 302
    assert not TeamMembership.objects.exists()
    assert User.objects.filter(email="anne@example.org", is_active=True).exists()


def test_a_membership_of_another_startup_cannot_be_reached_from_this_one(invite, startup):
    other = TeamMembership.objects.create(
        user=UserFactory(), startup=StartupFactory(incubator=startup.incubator)
    )
    url = reverse("startups:team-membership", args=[startup.slug, "equipe", other.pk])
    assert invite(url, {"action": "retirer"}).status_code == 404
    url = reverse("startups:team-membership", args=[startup.slug, "inconnu", other.pk])
    assert invite(url, {"action": "retirer"}).status_code == 404
    assert TeamMembership.objects.filter(pk=other.pk).exists()


def test_a_sponsor_representative_is_invited_for_a_sponsor_of_the_startup_only(
    invite, startup, sponsor_organisation
):
    stranger = OrganisationFactory(slug="autre-sponsor")
    url = reverse("startups:sponsor-invite", args=[startup.slug])
    response = invite(
        url, {"sponsor-email": "dir@example.org", "sponsor-organisation": stranger.pk}
    )
    assert response.status_code == 422
    assert "Ce sponsor ne finance pas la startup." in response.content.decode()
    assert not SponsorRepresentative.objects.filter(user__email="dir@example.org").exists()
    response = invite(
        url, {"sponsor-email": "dir@example.org", "sponsor-organisation": sponsor_organisation.pk}
    )
    assert response.status_code == 302
    assert SponsorRepresentative.objects.get(user__email="dir@example.org").organisation == (
        sponsor_organisation
    )
    [email] = mail.outbox
    assert f"l’espace sponsor {de(sponsor_organisation)} dans Comité" in email.subject


def test_staff_invite_a_colleague_to_their_incubator(invite, client, incubator):
    url = reverse("startups:incubator-team", args=[incubator.slug])
    assert client.get(url).status_code == 200
    assert invite(url, {"email": "collegue@example.org"}).status_code == 302
    colleague = IncubatorStaff.objects.get(user__email="collegue@example.org")
    assert colleague.incubator == incubator
    [email] = mail.outbox
    home = signs_in_with_the_emailed_link(email, "collegue@example.org")
    assert "Aucun rattachement" not in home and "n’est encore rattaché" not in home
    end = reverse("startups:incubator-membership", args=[incubator.slug, colleague.pk])
    assert invite(end, {"action": "retirer"}).status_code == 302
    assert not IncubatorStaff.objects.filter(pk=colleague.pk).exists()


def test_a_secretary_adds_a_committee_member_who_has_no_account_yet(
    client, staff, incubator, django_capture_on_commit_callbacks
):
    committee = CommitteeFactory(incubator=incubator)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("committees:member-add", args=[committee.pk]),
            {"email": "votante@example.org", "role": MemberRole.VOTER},
        )
    assert response.status_code == 302
    member = CommitteeMember.objects.get(committee=committee, user__email="votante@example.org")
    assert member.role == MemberRole.VOTER
    invitation = [e for e in mail.outbox if e.to == ["votante@example.org"] and LINK.search(e.body)]
    assert len(invitation) == 1 and committee.name in invitation[0].subject
    assert "n’est encore rattaché" not in signs_in_with_the_emailed_link(
        invitation[0], "votante@example.org"
    )


def test_a_member_who_already_signed_in_is_added_without_an_invitation(
    client, staff, incubator, outsider, django_capture_on_commit_callbacks
):
    committee = CommitteeFactory(incubator=incubator)
    client.force_login(outsider)  # signs in once: last_login
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("committees:member-add", args=[committee.pk]),
            {"email": outsider.email, "role": MemberRole.VOTER},
        )
    assert committee.members.filter(user=outsider).exists()
    assert not Invitation.objects.exists()


def test_an_address_invited_twice_at_once_is_one_account(db):
    first = account_for_invitation("nouvelle@example.org")
    assert account_for_invitation("NOUVELLE@example.org") == first
