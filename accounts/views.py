from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from sesame.views import LoginView as SesameLoginView

from .forms import LoginForm, MagicLinkForm
from .services import magic_link_send


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"magic_form": MagicLinkForm()}


login = login_not_required(LoginView.as_view())
logout = auth_views.LogoutView.as_view()
magic_login = login_not_required(SesameLoginView.as_view())


@login_not_required
@require_POST
def magic_link(request):
    form = MagicLinkForm(request.POST)
    if not form.is_valid():
        context = {"form": LoginForm(request), "magic_form": form, "next": ""}
        return render(request, "accounts/login.html", context)
    magic_link_send(email=form.cleaned_data["email"], base_url=request.build_absolute_uri("/")[:-1])
    # The same answer whether the account exists or not: addresses are not disclosed.
    messages.success(
        request,
        "Si un compte actif correspond à cette adresse, un lien de connexion vient d’y être envoyé.",
    )
    return redirect("accounts:login")
