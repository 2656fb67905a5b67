"""Property-based fuzzing of the forms people fill in: whatever is typed into any field of any
form on these pages, the answer is never a server error. The forms are read from the pages
themselves, so a new field or form is fuzzed without changing this test."""

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from committees.enums import MemberRole, SessionStatus
from committees.models import Attendance, CommitteeMember
from committees.services import report_start
from startups.dates import Semester
from tests.committees.reports import SEMESTER, submitted_report
from tests.committees.test_decisions import add_item
from tests.factories import MetricFactory

NEXT = Semester(2027, 1)
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
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
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
    now = timezone.now()
    session.status, session.convened_at, session.opened_at = SessionStatus.OPEN, now, now
    session.save()
    chair = CommitteeMember.objects.create(
        committee=session.committee, user=sponsor, role=MemberRole.CHAIR
    )
    Attendance.objects.create(session=session, member=chair, present=True)
    session.reviews.all().delete()
    review = add_item(session, startup, choices=("refinance",))
    submitted_report(startup, intrapreneur)
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    return {"session": session, "review": review, "metric": metric, "startup": startup}


def pages(world) -> dict[str, tuple[str, str]]:
    session, review, slug = world["session"], world["review"], world["startup"].slug
    return {
        "login": (None, reverse("accounts:login")),
        "report": ("intrapreneur", reverse("committees:report-edit", args=[slug, NEXT.key])),
        "report review": ("staff", reverse("committees:report", args=[slug, SEMESTER.key])),
        "metric": ("intrapreneur", reverse("metrics:create", args=[slug])),
        "budget": ("intrapreneur", reverse("metrics:budget_add", args=[slug])),
        "new session": ("staff", reverse("committees:session-create")),
        "committee": ("staff", reverse("committees:committee", args=[session.committee_id])),
        "agenda item": ("staff", reverse("committees:agenda-item", args=[session.pk, review.pk])),
        "decision": ("chair", reverse("committees:review-decide", args=[session.pk, review.pk])),
        "grid": ("chair", reverse("committees:review-prepare", args=[session.pk, review.pk])),
    }


@pytest.mark.parametrize(
    "page",
    [
        "login",
        "report",
        "report review",
        "metric",
        "budget",
        "new session",
        "committee",
        "agenda item",
        "decision",
        "grid",
    ],
)
def test_no_input_in_any_form_gives_a_server_error(
    page, world, client, staff, sponsor, intrapreneur
):
    persona, url = pages(world)[page]
    people = {"staff": staff, "chair": sponsor, "intrapreneur": intrapreneur}
    if persona:
        client.force_login(people[persona])
    if page == "report":
        report_start(startup=world["startup"], semester=NEXT, by=intrapreneur)
    assert fuzz(client, url) >= 1
