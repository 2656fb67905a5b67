from django import forms
from django.contrib.auth.forms import AuthenticationForm
from dsfr.forms import DsfrBaseForm

from .models import normalize_email


class EmailField(forms.EmailField):
    """An address as Comité writes it (`normalize_email`), whichever way it was typed."""

    def to_python(self, value):
        return normalize_email(super().to_python(value))


class LoginForm(AuthenticationForm, DsfrBaseForm):
    username = EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Adresse électronique ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


class MagicLinkForm(DsfrBaseForm):
    email = EmailField(
        label="Adresse électronique",
        help_text="Nous vous envoyons un lien de connexion valable 30 minutes.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
