import datetime

from django import forms
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits

from .models import Metric
from .services import parse_month, parse_value
from .startup_metrics import month_of


class MetricForm(TextLimits, forms.ModelForm, DsfrBaseForm):
    """A metric and the text of its current definition (a change starts a new definition)."""

    definition = forms.CharField(
        label="Définition",
        max_length=limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce que l’indicateur compte exactement. La modifier crée une nouvelle "
        "définition, en vigueur à partir de ce mois-ci : les valeurs passées gardent la leur.",
    )
    source_url = forms.URLField(
        label="Source",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="Lien vers la page de statistiques ou la requête d’où vient la valeur.",
    )

    class Meta:
        model = Metric
        fields = [
            "label",
            "unit",
            "dimension",
            "is_north_star",
            "direction",
            "aggregation",
            "counts_active_users",
            "is_public",
        ]
        help_texts = {
            "is_north_star": "L’indicateur d’impact principal : le coût par unité d’impact se "
            "calcule sur lui. Une startup n’en a qu’un.",
            "is_public": "Ses valeurs paraissent sur la page publique de la startup, si elle "
            "est ouverte.",
        }

    def __init__(self, *args, startup, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.startup = startup
        self.fields["is_north_star"].label = "Indicateur étoile polaire"
        self.fields["counts_active_users"].label = "Compte les utilisateurs actifs mensuels"
        self.fields["is_public"].label = "Publier sur la page publique"
        current = self.instance.definition_at(month_of(today)) if self.instance.pk else None
        if current:
            self.initial.setdefault("definition", current.text)
            self.initial.setdefault("source_url", current.source_url)

    def clean_label(self):
        label = self.cleaned_data["label"]
        others = Metric.objects.filter(startup=self.startup, label=label)
        if others.exclude(pk=self.instance.pk).exists():
            raise ValidationError("La startup a déjà un indicateur de ce nom.")
        return label

    def clean_is_north_star(self):
        is_north_star = self.cleaned_data["is_north_star"]
        other = (
            Metric.objects.filter(startup=self.startup, is_north_star=True)
            .exclude(pk=self.instance.pk)
            .first()
        )
        if is_north_star and other:
            raise ValidationError(
                f"« {other.label} » est déjà l’indicateur étoile polaire : "
                "une startup n’en a qu’un. Retirez-le-lui d’abord."
            )
        return is_north_star


def value_field_name(metric: Metric) -> str:
    return f"indicateur-{metric.pk}"


class MonthValuesForm(DsfrBaseForm):
    """One month's values, one field per metric; an empty field records nothing."""

    mois = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, metrics: list[Metric], today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.metrics, self.today = metrics, today
        for metric in metrics:
            self.fields[value_field_name(metric)] = forms.CharField(
                label=f"{metric.label} ({metric.unit})", required=False, max_length=40
            )

    def clean_mois(self):
        return parse_month(self.cleaned_data["mois"], today=self.today)

    def clean(self):
        cleaned = super().clean()
        for metric in self.metrics:
            name = value_field_name(metric)
            text = (cleaned.get(name) or "").strip()
            if not text:
                cleaned[name] = None
                continue
            try:
                cleaned[name] = parse_value(text)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def values(self) -> dict:
        """{(metric, month): value} for the filled fields, as measurements_record takes them."""
        month = self.cleaned_data["mois"]
        return {
            (metric, month): self.cleaned_data[value_field_name(metric)]
            for metric in self.metrics
            if self.cleaned_data.get(value_field_name(metric)) is not None
        }


class MonthPickerForm(DsfrBaseForm):
    """Open an older month for editing (the table shows the last twelve)."""

    modifier = forms.CharField(
        label="Mois", widget=forms.DateInput(attrs={"type": "month"}), help_text="Format : AAAA-MM"
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_modifier(self):
        return parse_month(self.cleaned_data["modifier"], today=self.today)
