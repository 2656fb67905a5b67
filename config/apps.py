from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, with Comité's site: for superusers only, signed in on Comité's page."""

    default_site = "config.admin.AdminSite"
