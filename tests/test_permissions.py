"""The permission matrix: every URL of the project against every persona.

`TABLE` has one entry per URL name: what each persona gets on GET and, for the views that
change something, what a POST by a persona without the right gets (and that it writes nothing).
A URL of the project without an entry fails `test_every_url_has_an_entry_in_the_table`: decide
who may open it, write its row, and the matrix checks it from then on. docs/permissions.md is
this table in words.

Codes, one per persona in the order of `PERSONAS` (anonymous, outsider, team member of another
startup, team member, sponsor of another startup, sponsor, staff of another incubator, staff,
superuser):
- a status code (`200`, `401`, `403`, `404`, `405`, `400`);
- `L`: redirected to the login page; `R`: redirected elsewhere (a page that sends people on);
- in a POST row, `+`: this persona may do it, so the matrix does not post (the feature's own
  tests do); any other code is a refusal, checked to write nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.sessions.models import Session as HttpSession
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import PERSONAS
from tests.permissions_world import World
from tests.utils import SEMESTER


@dataclass(frozen=True)
class Entry:
    args: Callable[[World], list]
    get: str
    post: str | None = None  # None: a page that only reads (GET)
    token_api: bool = False  # authenticated by a bearer token, never by the session cookie


def none(w: World) -> list:
    return []


def slug(w: World) -> list:
    return [w.own.startup.slug]


def report(w: World) -> list:
    return [w.own.startup.slug, SEMESTER.key]


def session(w: World) -> list:
    return [w.own.session.pk]


def item(w: World) -> list:
    return [w.own.session.pk, w.own.review.pk]


def question(w: World) -> list:
    return [w.own.session.pk, w.own.review.pk, w.own.question.pk]


def committee(w: World) -> list:
    return [w.own.committee.pk]


def seat(w: World) -> list:
    return [w.own.committee.pk, w.own.member.pk]


def document(w: World) -> list:
    return [w.own.document.pk]


# anonymous, outsider, other_team, team, other_sponsor, sponsor, other_staff, staff, superuser
EVERYONE = "200 200 200 200 200 200 200 200 200"
SIGNED_IN = "L 200 200 200 200 200 200 200 200"
POST_ONLY = "L 405 405 405 405 405 405 405 405"
# A startup's own figures: team, its sponsors, its incubator's staff, superusers.
READ_STARTUP = "L 403 403 200 403 200 403 200 200"
# Changing them: team, staff, superusers.
EDIT_STARTUP = "L 403 403 200 403 403 403 200 200"
EDIT_STARTUP_POST = "L 403 403 + 403 403 403 + +"
# Incubator staff (for their incubators) and superusers.
STAFF_LISTS = "L 403 403 403 403 403 200 200 200"
# A session: its committee's members (the sponsor), its incubator's staff, superusers and the
# teams on its agenda.
READ_SESSION = "L 403 403 200 403 200 403 200 200"
# Managing a session or a committee: its incubator's staff and superusers (and its secretary).
MANAGE = "L 403 403 403 403 403 403 200 200"
MANAGE_POST = "L 403 403 403 403 403 403 + +"
# Chairing: the chair only, who is none of the personas (not even a superuser).
CHAIR_POST = "L 403 403 403 403 403 403 403 403"

TABLE: dict[str, Entry] = {
    "home": Entry(none, SIGNED_IN),
    # For the hosts' probes: the database and the broker answer.
    "healthz": Entry(none, EVERYONE),
    "legal-notice": Entry(none, EVERYONE),
    "accessibility": Entry(none, EVERYONE),
    "personal-data": Entry(none, EVERYONE),
    "site-map": Entry(none, EVERYONE),
    # Accounts: the login pages are public; a signed-in person is sent on from the login page.
    "accounts:login": Entry(none, "200 R R R R R R R R", post="+ + + + + + + + +"),
    "accounts:logout": Entry(none, POST_ONLY, post="+ + + + + + + + +"),
    "accounts:magic-link": Entry(
        none, "405 405 405 405 405 405 405 405 405", post="+ + + + + + + + +"
    ),
    # ProConnect: not configured in the tests' settings, so its pages are not found (its own
    # tests configure it); the page ProConnect sends people back to after logging out sends
    # them on to the login page.
    "accounts:proconnect-login": Entry(none, "404 404 404 404 404 404 404 404 404"),
    "accounts:proconnect-callback": Entry(none, "404 404 404 404 404 404 404 404 404"),
    "accounts:proconnect-logout": Entry(none, "L L L L L L L L L"),
    # Without a valid token the magic link refuses everyone.
    "accounts:magic-login": Entry(none, "403 403 403 403 403 403 403 403 403"),
    # The portfolio is the public beta.gouv.fr data: every signed-in person browses it.
    "startups:portfolio": Entry(none, SIGNED_IN),
    "startups:detail": Entry(slug, SIGNED_IN),
    # Resolving a disagreement with beta.gouv.fr: the startup's incubator staff.
    "startups:resolve": Entry(slug, POST_ONLY, MANAGE_POST),
    "startups:incubator": Entry(lambda w: [w.own.incubator.slug], SIGNED_IN),
    "startups:sponsor": Entry(lambda w: [w.own.organisation.slug], SIGNED_IN),
    # A sponsor's portfolio (money): its representatives, the staff of the incubators of its
    # startups (for those startups), superusers. The other side's staff follow none of them.
    "committees:sponsor-portfolio": Entry(
        lambda w: [w.own.organisation.slug], "L 403 403 403 403 200 403 200 200"
    ),
    "committees:sponsor-portfolio-csv": Entry(
        lambda w: [w.own.organisation.slug], "L 403 403 403 403 200 403 200 200"
    ),
    # The sync from beta.gouv.fr (the whole portfolio): the staff of any incubator, superusers.
    "startups:sync": Entry(none, STAFF_LISTS),
    "startups:sync-start": Entry(none, POST_ONLY, post="L 403 403 403 403 403 + + +"),
    # The proposals from espace-membre: the list for any incubator's staff (their startups'
    # only) and superusers; accepting or refusing, the startup's incubator staff.
    "startups:proposals": Entry(none, STAFF_LISTS),
    "startups:proposals-decide": Entry(slug, POST_ONLY, post=MANAGE_POST),
    # Inviting people and ending memberships: the startup's, or the incubator's, staff.
    "startups:team": Entry(slug, MANAGE, post=MANAGE_POST),
    "startups:sponsor-invite": Entry(slug, POST_ONLY, post=MANAGE_POST),
    "startups:team-membership": Entry(
        lambda w: [w.own.startup.slug, "equipe", w.own.startup.memberships.get().pk],
        POST_ONLY,
        post=MANAGE_POST,
    ),
    "startups:incubator-team": Entry(lambda w: [w.own.incubator.slug], MANAGE, post=MANAGE_POST),
    "startups:incubator-membership": Entry(
        lambda w: [w.own.incubator.slug, w.own.incubator.staff.get(user=w.own.staff).pk],
        POST_ONLY,
        post=MANAGE_POST,
    ),
    # Metrics and budget (startups/access.py).
    "metrics:list": Entry(slug, READ_STARTUP),
    "metrics:create": Entry(slug, EDIT_STARTUP, post=EDIT_STARTUP_POST),
    "metrics:edit": Entry(
        lambda w: [w.own.startup.slug, w.own.metric.pk], EDIT_STARTUP, post=EDIT_STARTUP_POST
    ),
    "metrics:values": Entry(slug, EDIT_STARTUP, post=EDIT_STARTUP_POST),
    # A metric's source and its « Mettre à jour »: whoever edits the metric's values.
    "metrics:source": Entry(
        lambda w: [w.own.startup.slug, w.own.metric.pk], EDIT_STARTUP, post=EDIT_STARTUP_POST
    ),
    "metrics:source-fetch": Entry(
        lambda w: [w.own.startup.slug, w.own.metric.pk], POST_ONLY, post=EDIT_STARTUP_POST
    ),
    # Public only when the team opted in (the world's startup did): no login.
    "metrics:public": Entry(slug, EVERYONE),
    "metrics:csv-upload": Entry(slug, EDIT_STARTUP, post=EDIT_STARTUP_POST),
    # Without a file uploaded first, the preview sends the editor back to the upload.
    "metrics:csv-preview": Entry(slug, "L 403 403 R 403 403 403 R R", post=EDIT_STARTUP_POST),
    "metrics:csv-apply": Entry(slug, POST_ONLY, post=EDIT_STARTUP_POST),
    "metrics:csv-template": Entry(slug, EDIT_STARTUP),
    # The team sees its tokens; only the staff and superusers issue and revoke them.
    "metrics:api-tokens": Entry(slug, EDIT_STARTUP, post=MANAGE_POST),
    "metrics:api-token-revoke": Entry(
        lambda w: [w.own.startup.slug, w.own.token.pk], MANAGE, post=MANAGE_POST
    ),
    # The API: a bearer token, never the session: 401 for everyone without one.
    "metrics:api-measurements": Entry(
        none,
        "401 401 401 401 401 401 401 401 401",
        post="401 401 401 401 401 401 401 401 401",
        token_api=True,
    ),
    "metrics:api-metrics": Entry(none, "401 401 401 401 401 401 401 401 401", token_api=True),
    "metrics:openapi": Entry(none, EVERYONE),
    "metrics:budget": Entry(slug, READ_STARTUP),
    "metrics:budget_add": Entry(slug, EDIT_STARTUP, post=EDIT_STARTUP_POST),
    "metrics:budget_edit": Entry(
        lambda w: [w.own.startup.slug, w.own.budget_line.pk], EDIT_STARTUP, post=EDIT_STARTUP_POST
    ),
    "metrics:budget_delete": Entry(
        lambda w: [w.own.startup.slug, w.own.budget_line.pk], EDIT_STARTUP, post=EDIT_STARTUP_POST
    ),
    # Analytics: staff for their incubators, superusers for all.
    "metrics:analytics": Entry(none, STAFF_LISTS),
    # Reports (committees/access.py): the team writes, the staff reviews, sponsors read what
    # was submitted (the world's report is submitted).
    "committees:startup-reports": Entry(slug, READ_STARTUP),
    "committees:report-start": Entry(slug, POST_ONLY, post="L 403 403 + 403 403 403 403 403"),
    "committees:report": Entry(report, READ_STARTUP),
    # Submitted: the team is sent back to the report, as there is nothing to write.
    "committees:report-edit": Entry(report, "L 403 403 R 403 403 403 403 403"),
    "committees:report-section": Entry(
        lambda w: [*report(w), "identity"], POST_ONLY, post="L 403 403 + 403 403 403 403 403"
    ),
    "committees:report-submit": Entry(report, POST_ONLY, post="L 403 403 + 403 403 403 403 403"),
    "committees:report-review": Entry(report, POST_ONLY, post="L 403 403 403 403 403 403 + +"),
    "committees:reports": Entry(none, STAFF_LISTS),
    "committees:report-compare": Entry(report, READ_STARTUP),
    # "Relancer" a team about its report: its incubator's staff.
    "committees:report-nudge": Entry(report, POST_ONLY, post=MANAGE_POST),
    # Preparing a session: its members (the sponsor votes), its staff, superusers.
    "committees:session-prepare": Entry(session, "L 403 403 403 403 200 403 200 200"),
    "committees:review-prepare": Entry(item, "L 403 403 403 403 200 403 200 200"),
    # A member's own grid.
    "committees:review-assessment": Entry(item, POST_ONLY, post="L 403 403 403 403 + 403 403 403"),
    # A member declares their own conflict; the staff (and chair) declare one for a member.
    "committees:review-conflict": Entry(item, POST_ONLY, post="L 403 403 403 403 + 403 + +"),
    "committees:review-conflict-withdraw": Entry(
        item, POST_ONLY, post="L 403 403 403 403 + 403 403 403"
    ),
    # A member asks the team a question; only the startup's team answers it.
    "committees:review-question": Entry(item, POST_ONLY, post="L 403 403 403 403 + 403 403 403"),
    "committees:question-answer": Entry(
        question, POST_ONLY, post="L 403 403 + 403 403 403 403 403"
    ),
    # Proxies: a voting member gives their own; the chair, the staff and the secretary record
    # anyone's; each is withdrawn by its giver or by them.
    "committees:session-proxy-give": Entry(session, POST_ONLY, post="L 403 403 403 403 + 403 + +"),
    "committees:session-proxy-withdraw": Entry(
        lambda w: [w.own.session.pk, w.own.extra["proxy"].pk],
        POST_ONLY,
        post="L 403 403 403 403 + 403 + +",
    ),
    # Live: every reader of the session follows it; the chair runs it; voters vote.
    "committees:session-live": Entry(session, READ_SESSION),
    "committees:session-live-board": Entry(session, READ_SESSION),
    "committees:session-live-open": Entry(session, POST_ONLY, post=CHAIR_POST),
    "committees:session-live-attendance": Entry(session, POST_ONLY, post=CHAIR_POST),
    "committees:session-live-vote-open": Entry(item, POST_ONLY, post=CHAIR_POST),
    "committees:session-live-vote-close": Entry(item, POST_ONLY, post=CHAIR_POST),
    "committees:session-live-vote": Entry(item, POST_ONLY, post="L 403 403 403 403 + 403 403 403"),
    # In someone's name: the holder of their proxy, the chair for a member by phone (voters).
    "committees:session-live-vote-for": Entry(
        lambda w: [w.own.session.pk, w.own.review.pk, w.own.member.pk],
        POST_ONLY,
        post="L 403 403 403 403 + 403 403 403",
    ),
    # Sessions: the list of those one sits on or staffs (each sees their own).
    "committees:sessions": Entry(none, "L 403 403 403 200 200 200 200 200"),
    "committees:session-create": Entry(
        none, "L 403 403 403 403 403 200 200 200", post="L 403 403 403 403 403 + + +"
    ),
    "committees:session": Entry(session, READ_SESSION),
    "committees:session-edit": Entry(session, MANAGE, post=MANAGE_POST),
    "committees:agenda-add": Entry(session, POST_ONLY, post=MANAGE_POST),
    "committees:agenda-remove": Entry(item, POST_ONLY, post=MANAGE_POST),
    "committees:agenda-move": Entry(item, POST_ONLY, post=MANAGE_POST),
    "committees:agenda-item": Entry(item, MANAGE, post=MANAGE_POST),
    "committees:session-convene": Entry(session, POST_ONLY, post=MANAGE_POST),
    "committees:session-cancel": Entry(session, POST_ONLY, post=MANAGE_POST),
    "committees:session-copy": Entry(session, POST_ONLY, post=MANAGE_POST),
    "committees:session-ics": Entry(session, READ_SESSION),
    # Committees: their members and staff read; the staff manage.
    "committees:committees": Entry(none, "L 403 403 403 200 200 200 200 200"),
    "committees:committee": Entry(committee, "L 403 403 403 403 200 403 200 200"),
    "committees:committee-rules": Entry(committee, POST_ONLY, post=MANAGE_POST),
    # A written procedure: its committee's chair opens it (and nobody else, not a superuser).
    "committees:written-create": Entry(
        committee, "L 403 403 403 403 403 403 403 403", post=CHAIR_POST
    ),
    "committees:member-add": Entry(committee, POST_ONLY, post=MANAGE_POST),
    "committees:member-role": Entry(seat, POST_ONLY, post=MANAGE_POST),
    "committees:member-remove": Entry(seat, POST_ONLY, post=MANAGE_POST),
    # Decisions: the chair records them and closes the session.
    "committees:review-decide": Entry(item, "L 403 403 403 403 403 403 403 403", post=CHAIR_POST),
    "committees:session-close": Entry(session, POST_ONLY, post=CHAIR_POST),
    "committees:session-minutes": Entry(session, READ_SESSION),
    # Exports: staff (their incubators' decisions) and superusers; open data for everyone.
    "committees:decisions-csv": Entry(none, STAFF_LISTS),
    "committees:decisions-json": Entry(none, STAFF_LISTS),
    "committees:decisions-open-data": Entry(none, EVERYONE),
    # The money after the decision: a round's page for its startup's readers, its order recorded
    # by the startup's incubator staff; the late orders for any incubator's staff (theirs only);
    # a sponsor's purchasing addresses, by the staff following one of its startups.
    "committees:funding-round": Entry(
        lambda w: [w.own.review.decisions.get().funding_round_id],
        READ_STARTUP,
        post="L 403 403 403 403 403 403 + +",
    ),
    "committees:late-orders": Entry(none, STAFF_LISTS),
    "committees:purchasing-contacts": Entry(
        lambda w: [w.own.organisation.slug], MANAGE, post=MANAGE_POST
    ),
    # Documents: members and staff make them; readers download what they may read (the world's
    # document is the startup's dossier: its team reads it).
    "committees:document-request": Entry(
        lambda w: [w.own.session.pk, "dossier"], POST_ONLY, post="L 403 403 403 403 + 403 + +"
    ),
    # Without htmx, the state sends people to the session's page.
    "committees:document-status": Entry(document, "L 403 403 R 403 R 403 R R"),
    "committees:document-retry": Entry(document, POST_ONLY, post="L 403 403 403 403 + 403 + +"),
    "committees:document-download": Entry(document, READ_SESSION),
    # The Django admin, as one entry: superusers only; the others are sent to the admin's
    # login, which refuses a signed-in account that is not a superuser.
    "admin": Entry(none, "A A A A A A A A 200"),
}


def url_names(patterns, namespace: str = ""):
    """Every URL name of the project, walking included URL lists; the admin is one entry."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                yield "admin"
                continue
            prefix = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from url_names(pattern.url_patterns, namespace + prefix)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or f"<unnamed {pattern.pattern}>")


def url_of(name: str, world: World) -> str:
    if name == "admin":
        return reverse("admin:index")
    return reverse(name, args=TABLE[name].args(world))


def codes(row: str) -> dict[str, str]:
    values = row.split()
    assert len(values) == len(PERSONAS), f"{row!r}: one code per persona"
    return dict(zip(PERSONAS, values, strict=True))


def outcome(response) -> str:
    if response.streaming:  # read the file to the end: the client then closes it
        b"".join(response.streaming_content)
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return "A"
        return "L" if location.startswith(reverse("accounts:login")) else "R"
    return str(response.status_code)


def client_for(world: World, persona: str, **kwargs) -> Client:
    client = Client(**kwargs)
    if world.user(persona) is not None:
        client.force_login(world.user(persona))
    return client


def database_state() -> dict:
    """Every row of every table but the HTTP sessions', to check a refused POST wrote nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models()
        if model is not HttpSession
    }


def test_every_url_has_an_entry_in_the_table():
    names = set(url_names(get_resolver().url_patterns))
    missing = sorted(names - TABLE.keys())
    assert not missing, (
        f"New URL without an entry in the permission table: {missing}. Add it to TABLE in "
        "tests/test_permissions.py with who may open it, and to docs/permissions.md."
    )
    assert not sorted(TABLE.keys() - names), "Entries for URLs that no longer exist"


def test_every_persona_gets_what_the_table_says_on_every_url(world):
    found, expected = {}, {}
    for persona in PERSONAS:
        client = client_for(world, persona)
        for name, entry in TABLE.items():
            found[name, persona] = outcome(client.get(url_of(name, world)))
            expected[name, persona] = codes(entry.get)[persona]
    wrong = [
        f"{name} as {persona}: {found[name, persona]}, the table says {code}"
        for (name, persona), code in expected.items()
        if found[name, persona] != code
    ]
    assert not wrong, "\n".join(wrong)


def test_a_post_without_the_right_is_refused_and_writes_nothing(world):
    wrong = []
    for persona in PERSONAS:
        client = client_for(world, persona)
        for name, entry in TABLE.items():
            code = codes(entry.post)[persona] if entry.post else "+"
            if code == "+":
                continue
            before = database_state()
            found = outcome(client.post(url_of(name, world), {}))
            if found != code:
                wrong.append(f"{name} as {persona}: {found}, the table says {code}")
            if database_state() != before or mail.outbox:
                wrong.append(f"{name} as {persona}: refused, yet something was written or sent")
    assert not wrong, "\n".join(wrong)


def test_the_admin_is_for_superusers_even_with_the_staff_flag(world):
    flagged = world.user("staff")
    flagged.is_staff = True
    flagged.save(update_fields=["is_staff"])
    client = client_for(world, "staff")
    assert client.get(reverse("admin:index"), follow=True).status_code == 403
