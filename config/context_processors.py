"""What the header menu needs to know about the person: one query, made only when a page
shows the menu (and never for anonymous visitors). It runs on every page and reads startups'
staff and committees' members, so it lives in the page layer (config/), with layout/header.html."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.functional import SimpleLazyObject

from committees.models import CommitteeMember
from startups.models import IncubatorStaff


def roles_of(user) -> dict:
    if not user.is_authenticated:
        return {"staff": False, "member": False}
    if user.is_superuser:
        return {"staff": True, "member": True}
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            staff=Exists(IncubatorStaff.objects.filter(user=OuterRef("pk"))),
            member=Exists(CommitteeMember.objects.filter(user=OuterRef("pk"))),
        )
        .values("staff", "member")
        .get()
    )


def navigation(request):
    return {"nav": SimpleLazyObject(lambda: roles_of(request.user))}
