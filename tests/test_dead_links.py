"""No dead links: on the real demo (the beta.gouv.fr portfolio with the demo accounts, sessions,
reports and metrics, as `make run` builds it), each demo person follows every link their pages
show, three clicks deep from their home page, and none answers 403, 404 or 500.

A link a person cannot open should not be shown to them. Links are followed by URL name (at most
a few per name, so that 400 startups' rows do not make 400 visits) and downloads (PDF, CSV,
.ics) are asked for like pages.
"""

from collections import Counter
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from accounts.models import User
from tests.utils import TODAY, frozen_at

DEPTH = 3
PER_URL_NAME = 3
# Links that do something other than show a page, or leave Comité's pages; Django's admin has
# its own links.
SKIPPED = {"accounts:logout", "accounts:proconnect-login", "accounts:proconnect-logout"}
PEOPLE = [
    "admin@comite.example",
    "incubateur@comite.example",
    "sponsor@comite.example",
    "sponsor2@comite.example",
    "intrapreneur@comite.example",
]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return [
        href
        for href in parser.hrefs
        if href.startswith("/") and not href.startswith(("//", "/static/", "/media/"))
    ]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, built once for the module in the test database, and flushed after it."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), time_machine.travel(frozen_at(TODAY), tick=True), media:
        call_command("setup_demo", stdout=StringIO())
        for command in ("setup_demo_metrics", "setup_demo_reports"):
            call_command(command, "--today", TODAY.isoformat(), stdout=StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("email", PEOPLE)
def test_no_link_a_demo_person_is_shown_leads_to_a_refusal(demo, db, email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    seen, per_name, dead = {"/"}, Counter(), []
    frontier = [("/", "accueil")]
    for _ in range(DEPTH + 1):  # the home page, then each click
        following = []
        for path, origin in frontier:
            response = client.get(path)
            response.close()  # a download's file
            if response.status_code >= 400:
                dead.append(f"{path} ({response.status_code}), lien de {origin}")
                continue
            if "text/html" not in response.get("Content-Type", ""):
                continue
            for href in links_of(response.content.decode()):
                url = urlsplit(href)
                target = url.path + (f"?{url.query}" if url.query else "")
                try:
                    name = resolve(url.path).view_name
                except Resolver404:
                    dead.append(f"{target} (pas d’URL), lien de {path}")
                    continue
                if (
                    target in seen
                    or name in SKIPPED
                    or name.startswith("admin:")
                    or per_name[name] >= PER_URL_NAME
                ):
                    continue
                seen.add(target)
                per_name[name] += 1
                following.append((target, path))
        frontier = following
    assert len(seen) > 20, "the crawl saw too few pages to mean anything"
    assert not dead, "\n".join(dead)
