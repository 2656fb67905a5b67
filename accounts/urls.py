from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("deconnexion/", views.logout, name="logout"),
    path("lien-de-connexion/", views.magic_link, name="magic-link"),
    path("lien/", views.magic_login, name="magic-login"),
]
