from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from sesame.views import LoginView as SesameLoginView

from .forms import LoginForm, MagicLinkForm
from .ratelimit import rate_limit_count, rate_limited, sign_in_keys
from .services import magic_link_request


def _too_many_attempts(request) -> None:
    minutes = settings.RATE_LIMIT_PERIOD // 60
    messages.error(
        request,
        f"Trop de tentatives de connexion depuis cette adresse ou pour ce compte. "
        f"Réessayez dans {minutes} minutes.",
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"magic_form": MagicLinkForm()}

    def post(self, request, *args, **kwargs):
        # Refused before the password is even checked: a guess past the limit learns nothing.
        username = request.POST.get("username", "")
        if rate_limited(scope="login", keys=sign_in_keys(request, username)):
            _too_many_attempts(request)
            form = LoginForm(request, initial={"username": username})
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # Only failures count: people who sign in often are never slowed down.
        keys = sign_in_keys(self.request, form.data.get("username", ""))
        rate_limit_count(scope="login", keys=keys)
        return super().form_invalid(form)


login = login_not_required(LoginView.as_view())
magic_login = login_not_required(SesameLoginView.as_view())


@login_not_required
@require_POST
def magic_link(request):
    form = MagicLinkForm(request.POST)
    if not form.is_valid():
        context = {"form": LoginForm(request), "magic_form": form, "next": ""}
        return render(request, "accounts/login.html", context)
    # Every request counts: each one sends an e-mail.
    keys = sign_in_keys(request, form.cleaned_data["email"])
    if rate_limited(scope="magic-link", keys=keys):
        _too_many_attempts(request)
        context = {"form": LoginForm(request), "magic_form": form, "next": ""}
        return render(request, "accounts/login.html", context, status=429)
    rate_limit_count(scope="magic-link", keys=keys)
    magic_link_request(
        email=form.cleaned_data["email"], base_url=request.build_absolute_uri("/")[:-1]
    )
    # The same answer whether the account exists or not: addresses are not disclosed.
    messages.success(
        request,
        "Si un compte actif correspond à cette adresse, un lien de connexion vient d’y être envoyé.",
    )
    return redirect("accounts:login")
