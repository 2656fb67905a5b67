import datetime

import pytest
from django.utils import timezone

from committees.models import Committee, Review, Session


@pytest.fixture
def session(startup):
    """A session in three weeks with the startup on its agenda: its report is due in two."""
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=startup.incubator)
    starts_at = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=21), datetime.time(14, 0)
        )
    )
    session = Session.objects.create(committee=committee, starts_at=starts_at, place="Ségur")
    Review.objects.create(session=session, startup=startup)
    return session
