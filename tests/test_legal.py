"""The pages a State service publishes, linked from every page's footer, and the retention
durations they state, enforced by the nightly job."""

import datetime
import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session as SignedInSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committees.models import Assessment
from committees.tasks import apply_retention
from tests.factories import (
    CommitteeMemberFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    persona_user,
)

PAGES = ["legal-notice", "accessibility", "personal-data", "site-map"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_each_page_is_public_and_linked_from_the_footer(client, name):
    page = client.get(reverse(name))
    assert page.status_code == 200
    login = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse(name)}"' in login


@pytest.mark.django_db
def test_the_accessibility_status_is_a_legal_one_until_an_audit(client):
    page = client.get(reverse("accessibility")).content.decode()
    assert "<strong>non conforme</strong>" in page
    assert "en cours d’évaluation" not in page
    assert "Accessibilité : non conforme" in page  # the footer says it on every page


@pytest.mark.django_db
def test_the_personal_data_page_states_the_durations_the_job_enforces(client, settings):
    settings.PRIVATE_NOTES_RETENTION_DAYS = 45
    page = client.get(reverse("personal-data")).content.decode()
    assert "Effacées 45 jours après la clôture de la séance" in page
    assert "14 jours ; les sessions expirées sont supprimées chaque nuit" in page
    assert "Valable 30 minutes, une seule fois" in page
    assert "30 jours après l’envoi" in page
    assert "mailto:contact@beta.gouv.fr" in page


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "outsider", "team", "sponsor", "staff"])
def test_the_site_map_links_only_what_the_person_can_open(persona):
    startup = StartupFactory(sponsors=[OrganisationFactory()])
    user = persona_user(persona, startup=startup)
    if persona == "sponsor":
        CommitteeMemberFactory(user=user)
    client = Client()
    if user is not None:
        client.force_login(user)
    page = client.get(reverse("site-map")).content.decode()
    main = page[page.index('<main id="content"') : page.index("</main>")]
    links = set(re.findall(r'href="(/[^"]*)"', main))
    assert len(links) >= (4 if user is None else 6)
    for link in links:
        assert client.get(link).status_code == 200, link
    assert (reverse("committees:sessions") in links) == (persona in ("sponsor", "staff"))
    assert (reverse("committees:reports") in links) == (persona == "staff")


@pytest.mark.django_db
def test_retention_deletes_expired_sessions_and_old_private_notes(settings):
    settings.PRIVATE_NOTES_RETENTION_DAYS = 90
    now = timezone.now()
    expired, current = SessionStore(), SessionStore()
    expired.set_expiry(now - datetime.timedelta(seconds=1))
    expired.create()
    current.create()
    old = ReviewFactory(session=SessionFactory(closed=True))
    recent = ReviewFactory(session=SessionFactory(closed=True))
    sitting = ReviewFactory(session=SessionFactory(open=True))
    type(old.session).objects.filter(pk=old.session.pk).update(
        closed_at=now - datetime.timedelta(days=91)
    )
    type(recent.session).objects.filter(pk=recent.session.pk).update(
        closed_at=now - datetime.timedelta(days=89)
    )
    for review in (old, recent, sitting):
        member = CommitteeMemberFactory(committee=review.session.committee)
        Assessment.objects.create(review=review, member=member, scores={"priorities": 4}, notes="…")

    assert apply_retention() == {"sessions": 1, "private_notes": 1}

    assert list(SignedInSession.objects.values_list("pk", flat=True)) == [current.session_key]
    kept = dict(Assessment.objects.values_list("review_id", "notes"))
    assert kept == {old.pk: "", recent.pk: "…", sitting.pk: "…"}
    assert Assessment.objects.get(review=old).scores == {"priorities": 4}
    assert apply_retention() == {"sessions": 0, "private_notes": 0}  # nothing twice
