"""The form attaching a source to a metric (metrics/feeds.py fetches it)."""

from django import forms
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from .enums import SourceKind
from .feeds import MATOMO_COLUMN, MATOMO_METHOD, metabase_path_ok, url_problem
from .models import MetricSource


class MetricSourceForm(forms.ModelForm, DsfrBaseForm):
    token = forms.CharField(
        label="Jeton Matomo (token_auth)",
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Un jeton en lecture seule. Il est enregistré chiffré et n’est plus jamais "
        "affiché : laissez le champ vide pour garder celui enregistré.",
    )
    forget_token = forms.BooleanField(label="Supprimer le jeton enregistré", required=False)

    class Meta:
        model = MetricSource
        fields = ["kind", "url", "site_id", "method", "value_column", "month_column"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if problem := url_problem(url):
            raise ValidationError(problem)
        return url

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == SourceKind.MATOMO:
            if cleaned.get("site_id") is None:
                self.add_error("site_id", "Indiquez l’identifiant du site dans Matomo (idSite).")
            if not MATOMO_METHOD.match(cleaned.get("method") or ""):
                self.add_error("method", "Une méthode Matomo s’écrit Module.action.")
            if not MATOMO_COLUMN.match(cleaned.get("value_column") or "x"):
                self.add_error("value_column", "Une colonne Matomo s’écrit comme nb_visits.")
        elif kind == SourceKind.METABASE:
            if not cleaned.get("month_column"):
                self.add_error("month_column", "Indiquez la colonne qui porte le mois.")
            url = cleaned.get("url")
            if url and not metabase_path_ok(url):
                self.add_error(
                    "url",
                    "L’adresse d’une carte publique Metabase finit par "
                    "/api/public/card/<uuid>/query/json.",
                )
        if kind == SourceKind.FILE and not cleaned.get("month_column"):
            self.add_error("month_column", "Indiquez la colonne qui porte le mois.")
        if kind != SourceKind.MATOMO and cleaned.get("token"):
            self.add_error("token", "Seule une source Matomo prend un jeton.")
        return cleaned
