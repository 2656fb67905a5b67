import pytest
from django.urls import reverse

from tests.factories import UserFactory


@pytest.mark.parametrize(
    "url_name", ["admin:startups_startup_changelist", "admin:startups_fundinground_changelist"]
)
def test_superusers_manage_the_portfolio_in_the_admin(client, startup, url_name):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(url_name)).status_code == 200
    assert (
        client.get(reverse("admin:startups_startup_change", args=[startup.pk])).status_code == 200
    )


def test_people_without_admin_rights_are_refused_by_the_admin(client, intrapreneur):
    client.force_login(intrapreneur)
    answer = client.get(reverse("admin:startups_startup_changelist"), follow=True)
    assert answer.status_code == 403
