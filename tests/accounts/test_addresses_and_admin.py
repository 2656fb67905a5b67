"""Sign-in hardening: one way to write an address, one password form, an admin for superusers."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User, normalize_email
from tests.accounts.test_ratelimit import TOO_MANY, login
from tests.factories import PASSWORD, IncubatorFactory, StartupFactory, UserFactory


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("ſponſor2@Example.org", "sponsor2@example.org"),  # U+017F, the long s
        ("ＡＮＮＥ@example.org", "anne@example.org"),  # full-width letters
        ("  Straße@Example.org ", "strasse@example.org"),  # casefold, not lower
        ("ﬁona@example.org", "fiona@example.org"),  # the ligature
    ],
)
def test_an_address_is_normalised_once_nfkc_then_casefold(written, stored):
    assert normalize_email(written) == stored


def test_addresses_are_stored_normalised_whichever_way_the_account_is_made(db):
    assert User.objects.create_user("ſponſor2@Example.ORG").email == "sponsor2@example.org"
    user = UserFactory()
    user.email = "ＣＡＭＩＬＬＥ@example.org"
    user.save()
    user.refresh_from_db()
    assert user.email == "camille@example.org"


def test_a_locked_address_stays_locked_however_it_is_written(client, db):
    UserFactory(email="sponsor2@example.org")
    for _ in range(10):
        login(client, "sponsor2@example.org", "faux")
    for variant in ("ſponſor2@example.org", "SPONSOR2@example.org", "ｓponsor2@example.org"):
        response = login(client, variant, PASSWORD, ip="10.9.9.9")
        assert response.status_code == 429, variant
        assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_in_with_another_writing_of_the_address_is_the_same_account(client, db):
    user = UserFactory(email="sponsor2@example.org")
    assert login(client, "ſponſor2@EXAMPLE.org", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_admin_login_sends_to_the_one_password_form_and_signs_nobody_in(client, db):
    UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    answer = client.get(reverse("admin:login") + "?next=/admin/")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("accounts:login") + "?next=/admin/"
    for password in ["faux"] * 25 + [PASSWORD]:
        answer = client.post(
            reverse("admin:login"), {"username": "root@example.org", "password": password}
        )
        assert answer.status_code == 302 and answer["Location"].startswith(
            reverse("accounts:login")
        )
    assert "_auth_user_id" not in client.session
    # The one password form counts the admin's users like anyone.
    for _ in range(10):
        login(client, "root@example.org", "faux")
    assert login(client, "root@example.org", PASSWORD).status_code == 429


def test_the_admin_belongs_to_superusers_only(client, db):
    staff = UserFactory(is_staff=True, staff_of=IncubatorFactory())
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="startups"))
    client.force_login(staff)
    for name in ("admin:index", "admin:login", "admin:startups_sponsorrepresentative_add"):
        assert client.get(reverse(name), follow=True).status_code == 403, name
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_demo_gives_incubator_staff_no_admin(db):
    StartupFactory()  # a portfolio already there: no import
    call_command("setup_demo", stdout=StringIO())
    staff = User.objects.get(email="incubateur@comite.example")
    assert not staff.is_staff and not staff.is_superuser
    assert not staff.get_all_permissions()
    assert User.objects.get(email="admin@comite.example").is_superuser
