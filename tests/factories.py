"""Factories with traits: `StartupFactory(in_acceleration=True)`, `UserFactory(staff_of=incubator)`."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from committees.enums import ReviewStatus, SessionStatus
from metrics.enums import Aggregation, BudgetActivity, Dimension, MeasurementSource, ResourceType
from metrics.models import BudgetLine, Metric, MetricDefinition
from metrics.services import measurements_record, parse_month
from startups.dates import Semester, round_end
from startups.enums import EventKind, FundingSource, Lifecycle, TeamRole
from startups.models import (
    Contribution,
    FundingRound,
    Incubator,
    IncubatorStaff,
    Organisation,
    Phase,
    SponsorRepresentative,
    Startup,
    StartupEvent,
    TeamMembership,
)
from tests.utils import SESSION_IN_DAYS

PASSWORD = "mot-de-passe-de-test"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def staff_of(self, create, incubator):
        if incubator:
            IncubatorStaff.objects.create(user=self, incubator=incubator)

    @factory.post_generation
    def sponsor_of(self, create, organisation):
        if organisation:
            SponsorRepresentative.objects.create(user=self, organisation=organisation)

    @factory.post_generation
    def member_of(self, create, startup):
        if startup:
            TeamMembership.objects.create(user=self, startup=startup, role=TeamRole.INTRAPRENEUR)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"organisation-{n}")
    name = factory.Sequence(lambda n: f"Direction générale n° {n}")
    acronym = factory.Sequence(lambda n: f"DG{n}")
    kind = "administration-centrale"


class IncubatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incubator
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"incubateur-{n}")
    title = factory.Sequence(lambda n: f"Fabrique numérique n° {n}")
    owner = factory.SubFactory(OrganisationFactory)


class StartupFactory(factory.django.DjangoModelFactory):
    """A startup in construction since a year, with an investigation before it."""

    class Meta:
        model = Startup
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"startup-{n}")
    name = factory.Sequence(lambda n: f"Service public n° {n}")
    pitch = "Permettre aux usagers d’obtenir leurs droits plus simplement"
    incubator = factory.SubFactory(IncubatorFactory)

    # Not model fields: `_create` turns them into phases, a committee event and a round.
    phases = [
        (Lifecycle.INVESTIGATION, "investigation", 540),
        (Lifecycle.CONSTRUCTION, "construction", 365),
    ]
    committee_days_ago = None
    round_amount = None

    class Params:
        in_investigation = factory.Trait(phases=[(Lifecycle.INVESTIGATION, "investigation", 60)])
        in_acceleration = factory.Trait(
            phases=[
                (Lifecycle.INVESTIGATION, "investigation", 900),
                (Lifecycle.CONSTRUCTION, "construction", 800),
                (Lifecycle.ACCELERATION, "acceleration", 200),
            ]
        )
        stopped = factory.Trait(
            phases=[
                (Lifecycle.INVESTIGATION, "investigation", 400),
                (Lifecycle.STOPPED, "abandon", 300),
            ]
        )
        with_committee = factory.Trait(committee_days_ago=150)
        with_round = factory.Trait(round_amount=Decimal("250000"))

    @factory.post_generation
    def sponsors(self, create, organisations):
        if organisations:
            self.sponsors.set(organisations)

    @classmethod
    def _create(
        cls, model_class, *args, phases=(), committee_days_ago=None, round_amount=None, **kwargs
    ):
        startup = super()._create(model_class, *args, **kwargs)
        add_history(
            startup, phases=phases, committee_days_ago=committee_days_ago, round_amount=round_amount
        )
        return startup


def factory_round(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last days of the `with_round` round: six months from 120 days ago."""
    start = today - datetime.timedelta(days=120)
    return start, round_end(start, 6)


def add_history(startup, *, phases, committee_days_ago=None, round_amount=None):
    """Phases, a committee and a round dated back from the tests' clock (see tests.utils)."""
    today = timezone.localdate()
    starts = [today - datetime.timedelta(days=days) for _, _, days in phases]
    for position, ((lifecycle, name, _), start) in enumerate(zip(phases, starts, strict=True)):
        end = starts[position + 1] if position + 1 < len(starts) else None
        Phase.objects.create(
            startup=startup, position=position, lifecycle=lifecycle, name=name, start=start, end=end
        )
    if committee_days_ago is not None:
        StartupEvent.objects.create(
            startup=startup,
            kind=EventKind.COMMITTEE,
            name="committee",
            date=today - datetime.timedelta(days=committee_days_ago),
            comment="Poursuite",
        )
    if round_amount is not None:
        start, end = factory_round(today)
        funding_round = FundingRound.objects.create(
            startup=startup,
            label="Semestre en cours",
            source=FundingSource.MANUAL,
            start=start,
            end=end,
            amount_granted=round_amount,
        )
        Contribution.objects.create(
            funding_round=funding_round, funder="Fonds FAST", amount=round_amount
        )
    startup.refresh_derived(today=today)


class MetricFactory(factory.django.DjangoModelFactory):
    """A north-star flow metric with a definition from January 2024."""

    class Meta:
        model = Metric
        skip_postgeneration_save = True

    startup = factory.SubFactory(StartupFactory)
    label = factory.Sequence(lambda n: f"Dossiers déposés {n}")
    unit = "dossiers"
    dimension = Dimension.IMPACTFUL
    is_north_star = True
    aggregation = Aggregation.SUM

    class Params:
        active_users = factory.Trait(
            label="Utilisateurs actifs mensuels",
            unit="utilisateurs",
            dimension=Dimension.USED,
            is_north_star=False,
            aggregation=Aggregation.AVERAGE,
            counts_active_users=True,
        )

    @factory.post_generation
    def definition(self, create, text):
        MetricDefinition.objects.create(
            metric=self,
            valid_from=datetime.date(2024, 1, 1),
            text=text or "Nombre de dossiers déposés dans le mois",
        )


def add_measurements(metric, values: dict[str, int | str]):
    """`{"2026-01": 120, ...}`: recorded as the form would."""
    return measurements_record(
        {
            (metric, parse_month(month, today=timezone.localdate())): Decimal(str(v))
            for month, v in values.items()
        },
        source=MeasurementSource.FORM,
    )


def last_full_semester() -> Semester:
    return Semester.of(timezone.localdate()) - 1


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    """An actual spending line of the last full semester."""

    startup = factory.SubFactory(StartupFactory)
    year = factory.LazyFunction(lambda: last_full_semester().year)
    half = factory.LazyFunction(lambda: last_full_semester().half)
    activity = BudgetActivity.DEVELOPMENT
    resource_type = ResourceType.CONTRACTORS
    committed = Decimal("120000")
    paid = Decimal("100000")


def paris_time(day: datetime.date, hour: int = 14, minute: int = 0) -> datetime.datetime:
    """A time of day in Paris, as committee sessions are set."""
    from zoneinfo import ZoneInfo  # here: the factories above are appended to, never reordered

    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=ZoneInfo("Europe/Paris")
    )


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "committees.Committee"

    name = factory.Sequence(lambda n: f"Comité d’investissement n° {n}")
    incubator = factory.SubFactory(IncubatorFactory)


class StatesMixin:
    """A factory whose traits are a workflow's states (`SessionFactory(open=True)`), each with
    the timestamps its CheckConstraints ask for, read from the tests' clock."""

    _parents: tuple[str, ...] = ()  # its SubFactories, which `set_state` need not build
    _state: tuple[str, ...] = ()  # what a state sets: the status and its timestamps

    @classmethod
    def set_state(cls, row, **trait):
        """Put a row made elsewhere (a fixture's) in the state of `trait` (none: the first state),
        as a test's precondition: the trait stays the one place that knows what a state needs.
        A test of the transition itself calls the service instead. One UPDATE."""
        built = cls.build(**dict.fromkeys(cls._parents), **trait)
        for name in cls._state:
            setattr(row, name, getattr(built, name))
        row.save(update_fields=cls._state)
        return row


class SessionFactory(StatesMixin, factory.django.DjangoModelFactory):
    """A session in SESSION_IN_DAYS (15) at 14 h in Paris, reports due a week before. Planned,
    or with a trait `convened=True`, `open=True` (convened and opened now) or `closed=True`."""

    class Meta:
        model = "committees.Session"

    committee = factory.SubFactory(CommitteeFactory)
    starts_at = factory.LazyFunction(
        lambda: paris_time(timezone.localdate() + datetime.timedelta(days=SESSION_IN_DAYS))
    )
    place = "Ségur, salle 4012"

    class Params:
        convened = factory.Trait(
            status=SessionStatus.CONVENED, convened_at=factory.LazyFunction(timezone.now)
        )
        open = factory.Trait(
            status=SessionStatus.OPEN,
            convened_at=factory.LazyFunction(timezone.now),
            opened_at=factory.SelfAttribute("convened_at"),
        )
        closed = factory.Trait(
            status=SessionStatus.CLOSED,
            convened_at=factory.LazyFunction(timezone.now),
            opened_at=factory.SelfAttribute("convened_at"),
            closed_at=factory.SelfAttribute("convened_at"),
        )

    _parents = ("committee",)
    _state = ("status", "convened_at", "opened_at", "closed_at")


class ReviewFactory(StatesMixin, factory.django.DjangoModelFactory):
    """An agenda item, pending; `voting=True`: its vote open now; `voted=True`: opened and
    closed now (a decided item needs votes and a decision: `decision_record` makes it)."""

    class Meta:
        model = "committees.Review"

    session = factory.SubFactory(SessionFactory)
    startup = factory.SubFactory(StartupFactory)
    position = factory.Sequence(lambda n: n)

    class Params:
        voting = factory.Trait(
            status=ReviewStatus.VOTING, vote_opened_at=factory.LazyFunction(timezone.now)
        )
        voted = factory.Trait(
            status=ReviewStatus.VOTED,
            vote_opened_at=factory.LazyFunction(timezone.now),
            vote_closed_at=factory.SelfAttribute("vote_opened_at"),
        )

    _parents = ("session", "startup")
    _state = ("status", "vote_opened_at", "vote_closed_at")


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    """A voting sponsor's representative; `role=MemberRole.CHAIR` for the chair."""

    class Meta:
        model = "committees.CommitteeMember"

    committee = factory.SubFactory(CommitteeFactory)
    user = factory.SubFactory(UserFactory)
    role = "voter"


# Personas (docs/domain.md §2, docs/permissions.md): who may see and do what is tested against
# each of them, here in the order of the permission matrix's columns. The conftest's fixtures
# (`staff`, `sponsor`, `intrapreneur` for the team, `outsider`, `superuser`, `other_team`...)
# and the matrix's world are made by `persona_user`.
PERSONAS = (
    "anonymous",
    "outsider",
    "other_team",
    "team",
    "other_sponsor",
    "sponsor",
    "other_staff",
    "staff",
    "superuser",
)


def persona_user(persona: str, *, startup=None, organisation=None, incubator=None, **fields):
    """The user who is `persona` (one of PERSONAS), `fields` (an email...) going to UserFactory.

    `team`: a member of `startup`'s team; `sponsor`: a representative of `organisation` (by
    default `startup`'s sponsor); `staff`: on the staff of `incubator` (by default `startup`'s);
    `outsider`: an account with no role; `superuser`; `anonymous`: nobody, None. An `other_`
    persona has the same role elsewhere, made here, as the matrix's columns say: the team of
    another startup, the sponsor of another startup, the staff of another incubator (which has
    no startup).
    """
    match persona:
        case "other_team":
            return persona_user("team", startup=StartupFactory(), **fields)
        case "other_sponsor":
            other = StartupFactory(sponsors=[OrganisationFactory()])
            return persona_user("sponsor", startup=other, **fields)
        case "other_staff":
            return persona_user("staff", incubator=IncubatorFactory(), **fields)
        case "anonymous":
            return None
        case "outsider":
            return UserFactory(**fields)
        case "superuser":
            return UserFactory(is_superuser=True, is_staff=True, **fields)
        case "team":
            assert startup is not None, "the team persona is the team of a startup"
            return UserFactory(member_of=startup, **fields)
        case "sponsor":
            return UserFactory(sponsor_of=organisation or startup.sponsors.get(), **fields)
        case "staff":
            return UserFactory(staff_of=incubator or startup.incubator, **fields)
        case _:
            raise ValueError(f"{persona!r} is not one of the personas {PERSONAS}")
