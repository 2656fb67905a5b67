from datetime import date, timedelta

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from startups.dates import add_months
from startups.enums import Lifecycle
from startups.models import Phase, Startup
from tests.factories import (
    CommitteeMemberFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
    factory_round,
)
from tests.utils import TODAY, days_from_today, get_page

PAGES = {
    "portfolio": lambda s: reverse("startups:portfolio"),
    "portfolio_filtered": lambda s: (
        reverse("startups:portfolio")
        + "?q=service&phase=construction&suivi=actives&comite=90&tri=comite"
    ),
    "startup": lambda s: s.get_absolute_url(),
    "incubator": lambda s: s.incubator.get_absolute_url(),
    "sponsor": lambda s: s.sponsors.first().get_absolute_url(),
    "home": lambda s: reverse("home"),
}
# Pinned: a change here is a decision, never an accident (les-emplois snapshot queries).
# Each page: session and user (2), the request's savepoint and release (2), then its own.
QUERIES = {
    # + the last decision of the startups in the table (committees tag `last_decisions`) and
    # the upcoming session each is on the agenda of (`next_sessions`)
    "portfolio": 11,
    "portfolio_filtered": 11,
    # + the impact panel: may read, metrics, measurements, budget lines; + its decisions;
    # + its disagreements with beta.gouv.fr that this person sees (its incubator's staff);
    # + whether this person invites its team (startups/views_team.py); + its next session
    "startup": 20,
    "incubator": 11,
    # + the last decisions on the startups it funds; + whether this person sets its purchasing
    # addresses (committees/sessions/views_orders.py)
    "sponsor": 13,
    # + the "Mes séances" block (committees tag `my_sessions`), last decisions; + the
    # organisations this person represents (links to their portfolios)
    "home": 14,
}


def more_startups(startup, n):
    sponsors = list(startup.sponsors.all())
    for _ in range(n):
        StartupFactory(
            incubator=startup.incubator, sponsors=sponsors, with_committee=True, with_round=True
        )


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_pinned_and_does_not_grow_with_the_portfolio(
    client, superuser, startup, page
):
    client.force_login(superuser)
    url = PAGES[page](startup)
    get_page(client, url, queries=QUERIES[page])
    more_startups(startup, 49)
    get_page(client, url, queries=QUERIES[page])


@pytest.mark.parametrize("url_name", ["home", "startups:portfolio"])
def test_pages_require_login(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def names(response) -> list[str]:
    tree = lxml_html.fromstring(response.content)
    return [a.text_content().strip() for a in tree.cssselect("#results tbody td:first-child a")]


def test_portfolio_filters(client, staff, incubator):
    other_sponsor = OrganisationFactory(slug="dinum", acronym="DINUM")
    StartupFactory(
        name="Aides Jeunes",
        pitch="Simuler ses aides",
        incubator=incubator,
        in_acceleration=True,
        with_committee=True,
    )
    StartupFactory(name="Carte Vitale", pitch="Les aides santé", sponsors=[other_sponsor])
    StartupFactory(name="Ancien Service", stopped=True, incubator=incubator)
    StartupFactory(name="Bientôt en comité", incubator=incubator, with_round=True)
    client.force_login(staff)
    url = reverse("startups:portfolio")
    # With no filter in the URL: the startups the programme follows, by next committee.
    assert names(client.get(url)) == ["Carte Vitale", "Bientôt en comité", "Aides Jeunes"]
    assert names(client.get(url, {"suivi": "", "tri": "nom"})) == [
        "Aides Jeunes",
        "Ancien Service",
        "Bientôt en comité",
        "Carte Vitale",
    ]
    assert names(client.get(url, {"q": "AIDES", "tri": "nom"})) == ["Aides Jeunes", "Carte Vitale"]
    assert names(client.get(url, {"phase": Lifecycle.ACCELERATION})) == ["Aides Jeunes"]
    assert names(client.get(url, {"incubateur": incubator.slug, "suivi": "sorties"})) == [
        "Ancien Service"
    ]
    assert names(client.get(url, {"sponsor": "dinum", "suivi": ""})) == ["Carte Vitale"]
    # The round started 120 days ago for 182 days: money ends in 62 days, committee due in 17;
    # the last committee of Aides Jeunes was 150 days ago: due six months after it, in 31 to 34
    # days (months differ in length); Carte Vitale is late.
    assert names(client.get(url, {"comite": "30", "tri": "nom"})) == [
        "Bientôt en comité",
        "Carte Vitale",
    ]
    assert names(client.get(url, {"comite": "45", "tri": "nom"})) == [
        "Aides Jeunes",
        "Bientôt en comité",
        "Carte Vitale",
    ]
    assert names(client.get(url, {"tri": "phase"}))[0] == "Bientôt en comité"


def test_counts_per_phase_ignore_the_phase_filter(client, staff, incubator):
    StartupFactory(in_acceleration=True)
    StartupFactory(stopped=True)
    client.force_login(staff)
    response = client.get(reverse("startups:portfolio"), {"phase": "stopped", "suivi": ""})
    assert {phase.value: n for phase, n in response.context["phase_counts"]} == {
        "investigation": 0,
        "construction": 0,
        "acceleration": 1,
        "transfer": 0,
        "stopped": 1,
    }


def test_invalid_filters_say_so_instead_of_failing(client, staff, startup):
    client.force_login(staff)
    response = client.get(reverse("startups:portfolio"), {"phase": "nimporte", "comite": "x"})
    assert response.status_code == 200
    assert "Certains filtres ne sont pas valides" in response.content.decode()


def htmx_swap(page, fragment: bytes):
    """Apply a response to the page as htmx does: #results in place, out-of-band parts by id."""
    main, *out_of_band = lxml_html.fragments_fromstring(fragment.decode())
    for element in [main, *out_of_band]:
        element.attrib.pop("hx-swap-oob", None)
        [target] = page.cssselect(f"#{element.get('id')}")
        element.tail = target.tail
        target.getparent().replace(target, element)
    return out_of_band


def same_regions(page, fresh, *selectors):
    for selector in selectors:
        [swapped], [expected] = page.cssselect(selector), fresh.cssselect(selector)
        assert lxml_html.tostring(swapped) == lxml_html.tostring(expected), selector


@pytest.mark.parametrize(
    ("trigger", "swapped_regions"),
    # From the form, the form already shows what the person chose; from a tag, it must follow.
    [("filters", ["results"]), ("", ["results", "filters"])],
    ids=["from-the-filter-form", "from-a-phase-tag"],
)
def test_htmx_swap_gives_the_same_page_as_a_full_get(
    client, staff, startup, trigger, swapped_regions
):
    """Swap the fragment into the page as htmx would, and compare with a fresh full GET."""
    for _ in range(3):
        StartupFactory(in_acceleration=True)
    client.force_login(staff)
    url = reverse("startups:portfolio")
    query = {"phase": "acceleration", "tri": "nom"}
    page = lxml_html.fromstring(client.get(url).content)
    headers = {"HX-Request": "true", "HX-Trigger": trigger} if trigger else {"HX-Request": "true"}
    fragment = client.get(url, query, headers=headers)
    assert b"<html" not in fragment.content
    out_of_band = htmx_swap(page, fragment.content)
    assert [e.get("id") for e in out_of_band] == swapped_regions[1:]
    fresh = lxml_html.fromstring(client.get(url, query).content)
    same_regions(page, fresh, *(f"#{region}" for region in swapped_regions))


def test_startup_page_shows_its_history(client, sponsor, startup):
    client.force_login(sponsor)
    content = client.get(startup.get_absolute_url()).content.decode()
    content = content.replace("\xa0", " ").replace("\u202f", " ")  # French digit grouping
    for expected in (
        "Mon Service",
        "La Fabrique",
        "Direction générale des finances publiques",
        "Construction",
        "Passage en comité",
        "250 000 €",
        "Fonds FAST",
    ):
        assert expected in content


@pytest.mark.parametrize("slug", ["inconnue", "../admin"])
def test_unknown_startup_is_a_404(client, staff, slug):
    client.force_login(staff)
    assert client.get(f"/portefeuille/startups/{slug}/").status_code == 404


def test_home_per_role(
    client, staff, sponsor, sponsor_organisation, intrapreneur, outsider, startup
):
    client.force_login(staff)
    assert "Attendues en comité" in client.get(reverse("home")).content.decode()
    client.force_login(sponsor)
    response = client.get(reverse("home"))
    assert f"Les startups que finance {sponsor_organisation}" in response.content.decode()
    [home] = response.context["represented"]
    assert [row.startup.pk for row in home.others + home.upcoming + home.at_risk] == [startup.pk]
    client.force_login(intrapreneur)
    assert list(client.get(reverse("home")).context["team_startups"]) == [startup]
    client.force_login(outsider)
    assert "aucune startup" in client.get(reverse("home")).content.decode()
    # A committee's voting member with no other role belongs to something: their committee.
    CommitteeMemberFactory(user=outsider)
    assert "aucune startup" not in client.get(reverse("home")).content.decode()


def test_committee_due_date_rules(db):
    """Six months (calendar months) after the last committee, round start or, without either,
    the current phase's start; 45 days before the round's money ends if that is sooner."""
    never_reviewed = StartupFactory()
    # No committee, no round: six months after the current phase started (365 days ago).
    assert never_reviewed.committee_due_on == add_months(days_from_today(-365), 6)
    reviewed = StartupFactory(with_committee=True)  # 150 days ago
    assert reviewed.committee_due_on == add_months(days_from_today(-150), 6)
    funded = StartupFactory(with_committee=True, with_round=True)
    # The round's money ends six months after it started 120 days ago: due 45 days before.
    assert funded.committee_due_on == factory_round(TODAY)[1] - timedelta(days=45)
    assert StartupFactory(stopped=True).committee_due_on is None
    assert UserFactory()  # personas are created on demand


@pytest.mark.parametrize(
    ("day", "last_committee", "due"),
    [
        ("2027-02-28", "2026-08-31", "2027-02-28"),  # 31 August + 6 months: end of February
        ("2028-02-29", "2027-08-31", "2028-02-29"),  # … a leap year's
        ("2026-12-31", "2026-06-30", "2026-12-30"),  # 30 June + 6 months: 30 December
        ("2027-01-01", "2026-07-01", "2027-01-01"),  # 1 July + 6 months: 1 January, due today
    ],
)
def test_six_months_after_the_last_committee_is_a_calendar_date(day, last_committee, due):
    startup = Startup(incubator=None)
    phases = [Phase(lifecycle=Lifecycle.CONSTRUCTION, name="construction", start=date(2025, 1, 1))]
    startup.set_derived(
        phases=phases,
        committee_dates=[date.fromisoformat(last_committee)],
        last_round=None,
        today=date.fromisoformat(day),
    )
    assert startup.committee_due_on == date.fromisoformat(due)
