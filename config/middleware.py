"""The health check, answered first; two headers of our own: the Permissions-Policy (one fixed
string, so a few lines rather than a dependency: django-permissions-policy does the same with a
dict setting), and no caching of what a signed-in person is shown."""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.cache import patch_cache_control


def health(get_response):
    """`/healthz` answered first, before the session and the sign-in (which read the database)
    and the HTTPS redirect: a probe gets its 200 or its 503 whatever it sends."""
    from .views import healthz

    def middleware(request):
        if request.path_info == "/healthz":
            return healthz(request)
        return get_response(request)

    return middleware


def permissions_policy(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


def private_pages(get_response):
    """`Cache-Control: private, no-store` on every answer to a request that carries a session
    (pages, exports, .ics files), so no proxy or shared browser keeps a copy; the public pages
    and the static files, asked for without one, stay cacheable. Reads the cookie, not the user:
    no query, even when the database is away."""

    def middleware(request):
        response = get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


def refuse_nul(get_response):
    """A NUL character in the address (`%00`) is refused with a 400: PostgreSQL refuses it in
    any text, so it would otherwise reach a query and answer 500."""

    def middleware(request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            raise BadRequest("L’adresse contient un caractère nul (%00) : elle n’est pas valide.")
        return get_response(request)

    return middleware
