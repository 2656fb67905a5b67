"""One realistic world for the permission matrix, the IDOR and the CSRF tests.

Two incubators, each with a startup, its team, its sponsor's representative, its staff, a
committee and a session whose agenda has that startup; the first startup also has a submitted
report, metrics, a budget line, an API token, a decided agenda item and a rendered dossier. The
"another" personas belong to the second incubator's world: they are real people with roles,
only not on this startup.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from committees.enums import (
    DocumentKind,
    DocumentStatus,
    MemberRole,
    Outcome,
)
from committees.models import Attendance, CommitteeMember, Document, Proxy, Question, Vote
from committees.sessions.decisions import Terms, decision_record
from metrics.tokens import api_token_issue
from tests.committees.reports import submitted_report
from tests.factories import (
    PERSONAS,
    BudgetLineFactory,
    CommitteeFactory,
    IncubatorFactory,
    MetricFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
    add_measurements,
    persona_user,
)
from tests.utils import SEMESTER, TODAY, month


@dataclass
class Side:
    """One incubator's world."""

    incubator: object
    organisation: object
    startup: object
    team: object
    sponsor: object
    staff: object
    chair: object
    committee: object
    session: object
    review: object
    report: object
    metric: object
    budget_line: object
    token: object
    secret: str
    member: object  # the sponsor's seat on the committee
    document: object
    extra: dict = field(default_factory=dict)
    question: object = None  # the sponsor's question to the team, answered


@dataclass
class World:
    own: Side
    other: Side
    people: dict

    def user(self, persona: str):
        return self.people[persona]


def build_side(name: str) -> Side:
    incubator = IncubatorFactory(slug=f"fabrique-{name}", title=f"Fabrique {name}")
    organisation = OrganisationFactory(slug=f"sponsor-{name}", acronym=f"DG{name.upper()}")
    startup = StartupFactory(
        slug=f"service-{name}",
        name=f"Service {name}",
        incubator=incubator,
        sponsors=[organisation],
        with_committee=True,
        with_round=True,
    )
    team = persona_user("team", startup=startup, email=f"equipe-{name}@example.org")
    sponsor = persona_user("sponsor", startup=startup, email=f"sponsor-{name}@example.org")
    staff = persona_user("staff", startup=startup, email=f"incubateur-{name}@example.org")
    chair = UserFactory(email=f"presidence-{name}@example.org")
    committee = CommitteeFactory(name=f"Comité {name}", incubator=incubator)
    CommitteeMember.objects.create(committee=committee, user=chair, role=MemberRole.CHAIR)
    member = CommitteeMember.objects.create(
        committee=committee, user=sponsor, role=MemberRole.VOTER, organisation=organisation
    )
    now = timezone.now()
    session = SessionFactory(committee=committee, open=True)
    for seat in committee.members.all():
        Attendance.objects.create(session=session, member=seat, present=True)
    # The sponsor's proxy to the chair, given before the session (unused: the sponsor came).
    proxy = Proxy.objects.create(
        session=session, giver=member, holder=committee.members.get(user=chair)
    )
    report = submitted_report(startup, team, SEMESTER)
    review = ReviewFactory(
        session=session,
        startup=startup,
        position=0,
        voted=True,
        requested_amount=Decimal("250000"),
        requested_months=6,
    )
    for seat in committee.members.all():
        Vote.objects.create(
            review=review, member=seat, choice="refinance", amount=Decimal("240000"), months=6
        )
    decision_record(
        review=review,
        terms=Terms(outcome=Outcome.REFINANCE, amount=Decimal("240000")),
        by=chair,
        today=TODAY,
    )
    question = Question.objects.create(
        review=review,
        author=member,
        body=f"Combien d’usagers pour le service {name} ?",
        answer="Mille.",
        answered_by=team,
        answered_at=now,
    )
    metric = MetricFactory(startup=startup, label=f"Dossiers déposés {name}")
    add_measurements(metric, {month(-2): 100, month(-1): 120})
    budget_line = BudgetLineFactory(startup=startup)
    token, secret = api_token_issue(startup=startup, label="Script", by=staff)
    document = Document(
        kind=DocumentKind.DOSSIER,
        session=session,
        review=review,
        status=DocumentStatus.DONE,
        finished_at=now,
        pages=1,
    )
    document.file.save("dossier.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return Side(
        incubator=incubator,
        organisation=organisation,
        startup=startup,
        team=team,
        sponsor=sponsor,
        staff=staff,
        chair=chair,
        committee=committee,
        session=session,
        review=review,
        report=report,
        metric=metric,
        budget_line=budget_line,
        token=token,
        secret=secret,
        member=member,
        document=document,
        question=question,
        extra={"proxy": proxy},
    )


def build_world() -> World:
    own, other = build_side("a"), build_side("b")
    own.startup.public_page = True
    own.startup.save(update_fields=["public_page"])
    people = {
        "anonymous": persona_user("anonymous"),
        "outsider": persona_user("outsider", email="personne@example.org"),
        "other_team": other.team,
        "team": own.team,
        "other_sponsor": other.sponsor,
        "sponsor": own.sponsor,
        "other_staff": other.staff,
        "staff": own.staff,
        "superuser": persona_user("superuser", email="racine@example.org"),
    }
    assert tuple(people) == PERSONAS, "one person for each persona, in the matrix's order"
    return World(own=own, other=other, people=people)


def session_day(world: World) -> datetime.date:
    return timezone.localtime(world.own.session.starts_at).date()
