import random

import pytest
from django.db.models.query import QuerySet

from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, UserFactory


@pytest.fixture(autouse=True)
def _shuffle_unordered_querysets(monkeypatch):
    """Unordered querysets come back shuffled, so no test relies on an accidental order."""
    original = QuerySet._fetch_all

    def fetch_all(self):
        had_cache = self._result_cache is not None
        original(self)
        if not had_cache and not self.ordered and isinstance(self._result_cache, list):
            random.shuffle(self._result_cache)

    monkeypatch.setattr(QuerySet, "_fetch_all", fetch_all)


@pytest.fixture
def incubator(db):
    return IncubatorFactory(slug="fabrique", title="La Fabrique")


@pytest.fixture
def sponsor_organisation(db):
    return OrganisationFactory(
        slug="dgfip", name="Direction générale des finances publiques", acronym="DGFiP"
    )


@pytest.fixture
def startup(incubator, sponsor_organisation):
    return StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[sponsor_organisation],
        with_committee=True,
        with_round=True,
    )


# Personas (DESIGN §2): who may see and do what is tested against each of them.
@pytest.fixture
def staff(incubator):
    return UserFactory(email="staff@example.org", staff_of=incubator)


@pytest.fixture
def sponsor(sponsor_organisation):
    return UserFactory(email="sponsor@example.org", sponsor_of=sponsor_organisation)


@pytest.fixture
def intrapreneur(startup):
    return UserFactory(email="intra@example.org", member_of=startup)


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
