import datetime

import pytest
from django.utils import timezone

from committees.models import Committee, Review, Session
from tests.utils import SESSION_IN_DAYS


@pytest.fixture
def session(startup):
    """A session in SESSION_IN_DAYS (15) with the startup on its agenda: its report is due in 8."""
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=startup.incubator)
    starts_at = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=SESSION_IN_DAYS), datetime.time(14, 0)
        )
    )
    session = Session.objects.create(committee=committee, starts_at=starts_at, place="Ségur")
    Review.objects.create(session=session, startup=startup)
    return session
