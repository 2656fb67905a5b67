"""The Permissions-Policy header: one fixed string, so a few lines rather than a dependency
(django-permissions-policy does the same with a dict setting)."""

from django.conf import settings


def permissions_policy(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware
