"""No dead links: on the real demo (the beta.gouv.fr portfolio with the demo accounts, sessions,
reports and metrics, as `make run` builds it), each demo person follows every link their pages
show, three clicks deep from their home page, and none answers 403, 404 or 500.

A link a person cannot open should not be shown to them. Links are followed by URL name (at most
a few per name, so that 400 startups' rows do not make 400 visits) and downloads (PDF, CSV,
.ics) are asked for like pages.
"""

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import User
from tests.crawl import DEMO_PEOPLE, crawl, demo_build


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, built once for the module in the test database, and flushed after it."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("m")):
        demo_build()
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("email", DEMO_PEOPLE)
def test_no_link_a_demo_person_is_shown_leads_to_a_refusal(demo, db, email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    visited, dead = crawl(client, depth=3, per_url_name=3)
    assert len(visited) > 10, "the crawl saw too few pages to mean anything"
    assert not dead, "\n".join(dead)
