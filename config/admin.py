from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator


class AdminSite(admin.AdminSite):
    """The admin belongs to superusers: staff manage people on Comité's own pages, under the
    permission table. It has no password form of its own: signing in goes through Comité's,
    and so through its rate limits."""

    site_header = "Comité — administration"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
        if self.has_permission(request):
            return redirect("admin:index")
        raise PermissionDenied
