from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import proconnect, views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("deconnexion/", proconnect.LogoutView.as_view(), name="logout"),
    path("lien-de-connexion/", views.magic_link, name="magic-link"),
    path("lien/", views.magic_login, name="magic-login"),
    # ProConnect: the button's target, the redirect_uri and the post_logout_redirect_uri
    # declared to ProConnect (https://<site>/comptes/proconnect/retour/ and …/deconnexion/).
    path(
        "proconnect/",
        login_not_required(proconnect.AuthenticationRequestView.as_view()),
        name="proconnect-login",
    ),
    path(
        "proconnect/retour/",
        login_not_required(proconnect.CallbackView.as_view()),
        name="proconnect-callback",
    ),
    path(
        "proconnect/deconnexion/",
        login_not_required(proconnect.logout_done),
        name="proconnect-logout",
    ),
]
