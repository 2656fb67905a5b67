"""Following the links a person's pages show, as they would click them: for the dead-links test
and the browser's every-page test, on the real demo."""

from collections import Counter
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import urlsplit

import time_machine
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import Resolver404, resolve

from tests.utils import TODAY, frozen_at

# The demo's people (`make run`): a superuser, incubator staff, a sponsor's representative, a
# voting committee member with no other role, an intrapreneur.
DEMO_PEOPLE = [
    "admin@comite.example",
    "incubateur@comite.example",
    "sponsor@comite.example",
    "sponsor2@comite.example",
    "intrapreneur@comite.example",
]
# Links that do something other than show a page, or leave Comité's pages; Django's admin has
# its own links.
SKIPPED = {"accounts:logout", "accounts:proconnect-login", "accounts:proconnect-logout"}


def demo_build() -> None:
    """The demo as `make run` builds it: the real beta.gouv.fr portfolio, the demo accounts,
    metrics, sessions and reports (its PDFs rendered)."""
    with time_machine.travel(frozen_at(TODAY), tick=True):
        call_command("setup_demo", stdout=StringIO())
        for command in ("setup_demo_metrics", "setup_demo_reports"):
            call_command(command, "--today", TODAY.isoformat(), stdout=StringIO())


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


def close_download(response) -> None:
    """Close a download's file as the test client closes a response: without the
    `request_finished` handler that would close the test's own connection (PostgreSQL)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def crawl(client, *, depth: int, per_url_name: int) -> tuple[dict[str, list[str]], list[str]]:
    """({URL name: the paths visited}, the dead links) of what `client`'s person reaches from
    the home page in `depth` clicks, visiting at most `per_url_name` paths per URL name."""
    visited: dict[str, list[str]] = {}
    seen, per_name, dead = {"/"}, Counter(), []
    frontier = [("/", "home", "accueil")]
    for _ in range(depth + 1):  # the home page, then each click
        following = []
        for path, name, origin in frontier:
            response = client.get(path)
            if response.streaming:
                close_download(response)
            if response.status_code >= 400:
                dead.append(f"{path} ({response.status_code}), lien de {origin}")
                continue
            if "text/html" not in response.get("Content-Type", ""):
                continue
            visited.setdefault(name, []).append(path)
            for href in links_of(response.content.decode()):
                url = urlsplit(href)
                target = url.path + (f"?{url.query}" if url.query else "")
                try:
                    name = resolve(url.path).view_name
                except Resolver404:
                    dead.append(f"{target} (pas d’URL), lien de {path}")
                    continue
                skipped = name in SKIPPED or name.startswith("admin:")
                if target in seen or skipped or per_name[name] >= per_url_name:
                    continue
                seen.add(target)
                per_name[name] += 1
                following.append((target, name, path))
        frontier = following
    return visited, dead
