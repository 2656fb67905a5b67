"""Property-based fuzzing of the forms people fill in: whatever is typed into any field of any
form on these pages, the answer is never a server error. The forms are read from the pages
themselves, so a new field or form is fuzzed without changing this test."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from committees.enums import MemberRole
from committees.models import Attendance, CommitteeMember
from committees.reports.services import report_start
from tests.committees.reports import submitted_report
from tests.committees.test_decisions import add_item
from tests.factories import MetricFactory, SessionFactory
from tests.utils import SEMESTER

NEXT = SEMESTER + 1  # a draft beside the submitted report
VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "1e309", "3,5", "2026-13-45", "31/12/2026", "9" * 40]),
    st.integers().map(str),
    st.dates().map(lambda day: day.isoformat()),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
)


def forms_of(page: bytes, url: str) -> list[tuple[str, list[str]]]:
    """Each POST form of the page: its action and the names of its fields."""
    found = []
    for form in html.fromstring(page).xpath("//form[translate(@method, 'POST', 'post')='post']"):
        names = sorted(
            {
                name
                for name in form.xpath(".//input/@name | .//select/@name | .//textarea/@name")
                if name != "csrfmiddlewaretoken"
            }
        )
        found.append((form.get("action") or url, names))
    return found


def fuzz_form(client, action: str, names: list[str]) -> None:
    @settings(
        max_examples=15,
        deadline=None,
        # A report's sections post up to 40 fields each: large inputs are the point here.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUES)))
    def post(data):
        response = client.post(action, data)
        assert response.status_code < 500, (action, data)

    post()


def fuzz(client, url: str) -> int:
    """Fuzz every POST form of the page at `url`; the number of forms."""
    page = client.get(url)
    assert page.status_code == 200
    logout = reverse("accounts:logout")  # the header's form: posting it would end the test
    forms = [(action, names) for action, names in forms_of(page.content, url) if action != logout]
    for action, names in forms:
        fuzz_form(client, action, names)
    return len(forms)


@pytest.fixture
def world(session, startup, sponsor, staff, intrapreneur):
    SessionFactory.set_state(session, open=True)
    chair = CommitteeMember.objects.create(
        committee=session.committee, user=sponsor, role=MemberRole.CHAIR
    )
    Attendance.objects.create(session=session, member=chair, present=True)
    session.reviews.all().delete()
    review = add_item(session, startup, choices=("refinance",))
    submitted_report(startup, intrapreneur)
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    return {"session": session, "review": review, "metric": metric, "startup": startup}


def session_url(name: str):
    return lambda w: reverse(f"committees:{name}", args=[w["session"].pk, w["review"].pk])


# page: (persona, its address in the world)
PAGES = {
    "login": (None, lambda w: reverse("accounts:login")),
    "report": (
        "intrapreneur",
        lambda w: reverse("committees:report-edit", args=[w["startup"].slug, NEXT.key]),
    ),
    "report review": (
        "staff",
        lambda w: reverse("committees:report", args=[w["startup"].slug, SEMESTER.key]),
    ),
    "metric": ("intrapreneur", lambda w: reverse("metrics:create", args=[w["startup"].slug])),
    "budget": ("intrapreneur", lambda w: reverse("metrics:budget_add", args=[w["startup"].slug])),
    "new session": ("staff", lambda w: reverse("committees:session-create")),
    "committee": (
        "staff",
        lambda w: reverse("committees:committee", args=[w["session"].committee_id]),
    ),
    "agenda item": ("staff", session_url("agenda-item")),
    "decision": ("chair", session_url("review-decide")),
    "grid": ("chair", session_url("review-prepare")),
}


@pytest.mark.parametrize("page", PAGES)
def test_no_input_in_any_form_gives_a_server_error(
    page, world, client, staff, sponsor, intrapreneur
):
    persona, url = PAGES[page]
    people = {"staff": staff, "chair": sponsor, "intrapreneur": intrapreneur}
    if persona:
        client.force_login(people[persona])
    if page == "report":
        report_start(startup=world["startup"], semester=NEXT, by=intrapreneur)
    assert fuzz(client, url(world)) >= 1
