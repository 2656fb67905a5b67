import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.factories import UserFactory


@pytest.mark.parametrize(
    "url_name", ["admin:startups_startup_changelist", "admin:startups_fundinground_changelist"]
)
def test_incubator_staff_manage_the_portfolio_in_the_admin(client, startup, url_name):
    group = Group.objects.create(name="Équipe d’incubateur")
    group.permissions.set(Permission.objects.filter(content_type__app_label="startups"))
    user = UserFactory(is_staff=True, staff_of=startup.incubator)
    user.groups.add(group)
    client.force_login(user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert (
        client.get(reverse("admin:startups_startup_change", args=[startup.pk])).status_code == 200
    )


def test_people_without_admin_rights_are_sent_to_the_admin_login(client, intrapreneur):
    client.force_login(intrapreneur)
    assert client.get(reverse("admin:startups_startup_changelist")).status_code == 302
