"""`AnyOf`: a column among many ids, one array parameter on PostgreSQL, `IN (…)` elsewhere."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from comite.lookups import AnyOf
from startups.models import Startup
from tests.factories import StartupFactory

pytestmark = pytest.mark.django_db


def test_it_keeps_the_rows_whose_column_is_among_the_ids():
    first, second, _other = StartupFactory.create_batch(3)
    found = Startup.objects.filter(AnyOf(F("pk"), [first.pk, second.pk]))
    assert set(found) == {first, second}


def test_no_ids_match_nothing():
    StartupFactory()
    assert not Startup.objects.filter(AnyOf(F("pk"), []))


def test_the_ids_are_one_parameter_on_postgresql():
    startups = StartupFactory.create_batch(3)
    with CaptureQueriesContext(connection) as queries:
        list(Startup.objects.filter(AnyOf(F("incubator_id"), [s.incubator_id for s in startups])))
    sql = queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert " = ANY(" in sql
    else:
        assert sql.count(" IN (") == 1
