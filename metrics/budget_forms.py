"""The budget line form (beta.gouv budget publication standard)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from accounts.editing import ConcurrentEdit
from accounts.limits import TextLimits
from startups.dates import Semester

from .enums import BudgetNature
from .models import BudgetLine

FIRST_YEAR = 2013  # the first Startups d'État
FORECAST_YEARS = 3


class AmountField(forms.DecimalField):
    """Euros as people type them: `120 000,50` as well as `120000.50`."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            for space in (" ", "\xa0", "\u202f"):
                value = value.replace(space, "")
            value = value.replace(",", ".")
        return super().to_python(value)


class BudgetLineForm(ConcurrentEdit, TextLimits, DsfrBaseForm, forms.ModelForm):
    """Amounts are euros, never negative. A payment (CP) above the commitment (AE) is allowed: in
    a year, credits pay for commitments made the years before (a multi-year contract), so the
    standard publishes both and Comité does not forbid it."""

    committed = AmountField(
        label="Engagé (AE, €)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Autorisations d’engagement, en euros (par exemple 120 000 ou 120 000,50).",
    )
    paid = AmountField(
        label="Payé (CP, €)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Crédits de paiement, en euros. Ils peuvent dépasser l’engagé de la période "
        "quand ils paient un engagement d’une période précédente.",
    )

    class Meta:
        model = BudgetLine
        help_texts = {
            "year": f"Entre {FIRST_YEAR} et trois ans après l’année en cours.",
            "half": "Une ligne annuelle compte pour moitié dans chaque semestre.",
            "nature": "Réalisé : dépensé sur une période commencée. Prévisionnel : prévu.",
            "label": "Facultatif : le marché, le prestataire, le poste…",
        }
        fields = [
            "year",
            "half",
            "nature",
            "activity",
            "resource_type",
            "committed",
            "paid",
            "label",
        ]

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["half"].choices = [
            ("", "Toute l’année"),
            (1, "S1 (janvier à juin)"),
            (2, "S2 (juillet à décembre)"),
        ]

    def clean_year(self):
        year = self.cleaned_data["year"]
        last = self.today.year + FORECAST_YEARS
        if not FIRST_YEAR <= year <= last:
            raise ValidationError(
                f"L’année doit être comprise entre {FIRST_YEAR} (les premières startups d’État) "
                f"et {last}."
            )
        return year

    def clean(self):
        cleaned = super().clean()
        year, half, nature = (cleaned.get(k) for k in ("year", "half", "nature"))
        if year and nature == BudgetNature.ACTUAL:
            start = Semester(year, int(half)).start if half else datetime.date(year, 1, 1)
            if start > self.today:
                self.add_error(
                    "nature",
                    "Un montant réalisé ne peut pas porter sur une période qui n’a pas commencé : "
                    "choisissez « Prévisionnel ».",
                )
        return cleaned
