"""The sections of a semester report (DESIGN §5, sections 1–5), one form each.

A section is saved on its own as the team writes (nothing is required while drafting, only the
format of what is typed is checked); submitting checks each section with its required fields.
What Comité already knows (phase, objectives, metrics, money) is not typed in: see prefill.py.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits
from metrics.charts import format_euros, format_number

from ..enums import STANDARD_FAMILIES, Compliance, Standard


def text(label: str, *, required: bool = True, help_text: str = "", rows: int = 4):
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=limits.SECTION,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class SectionForm(TextLimits, DsfrBaseForm):
    key: str
    title: str
    # Fields carried over from the previous report as a starting point.
    carried_over: tuple[str, ...] = ()

    def __init__(self, *args, draft: bool = True, objectives=(), **kwargs):
        """`objectives`: the last committee's objectives as pre-filled (prefill.py), for the
        sections that ask something about each."""
        super().__init__(*args, **kwargs)
        self.objectives = objectives
        self.add_fields()
        self.limit_texts()
        for field in self.fields.values():
            field.required_to_submit = field.required
            if draft:
                field.required = False

    def add_fields(self) -> None:
        """Fields made from a list rather than declared one by one."""

    def stored(self) -> dict:
        """The cleaned values as JSON (what was typed, with numbers as text)."""
        return {
            name: "" if value is None else str(value) for name, value in self.cleaned_data.items()
        }

    @classmethod
    def is_complete(cls, data: dict) -> bool:
        return cls(data=data, draft=False).is_valid()

    @classmethod
    def missing(cls, data: dict) -> list[str]:
        """The labels of the fields to fill in or correct before submitting."""
        form = cls(data=data, draft=False)
        return [form.fields[name].label for name in form.errors if name in form.fields] + [
            str(error) for error in form.non_field_errors()
        ]


class IdentityForm(SectionForm):
    key = "identity"
    title = "Identité"
    carried_over = ("problem", "solution")

    pitch = text(
        "Pitch",
        rows=3,
        help_text="Permettre à [cibles] d’obtenir [bénéfices] grâce à [proposition de valeur] "
        "afin de [objectif de politique publique].",
    )
    problem = text("Le problème")
    solution = text("La solution")


# One explanation per objective of the last committee, named by the objective's id.
EXPLANATION = re.compile(r"explanation_(\d{1,12})")
MAX_EXPLANATIONS = 50


class LastSemesterForm(SectionForm):
    key = "last_semester"
    title = "Les six derniers mois"

    targets_review = text(
        "Les objectifs du dernier comité : lecture d’ensemble",
        help_text="Ce que disent les objectifs atteints, manqués ou dépassés, pris ensemble.",
    )
    delivered = text("Ce qui a été livré")
    demo_url = forms.URLField(
        label="Lien vers une démonstration",
        required=False,
        max_length=500,
        help_text="Vidéo ou parcours en ligne, par exemple https://…",
    )
    learnings = text("Ce que l’équipe a appris")

    def add_fields(self):
        """An explanation field for each objective shown, and for each one already written
        or posted (an objective of an earlier reading keeps its text)."""
        labels = {
            str(row["pk"]): f"Objectif « {row['metric']} » au "
            f"{datetime.date.fromisoformat(str(row['due_on'])):%d/%m/%Y} : pourquoi atteint, "
            "manqué ou dépassé"
            for row in self.objectives
            if row.get("pk")
        }
        prefix = f"{self.prefix}-" if self.prefix else ""
        given = [name.removeprefix(prefix) for name in (*self.data, *self.initial)]
        known = [m[1] for name in given if (m := EXPLANATION.fullmatch(name))]
        names = [f"explanation_{pk}" for pk in dict.fromkeys([*labels, *known])]
        for name in names[:MAX_EXPLANATIONS]:
            pk = name.removeprefix("explanation_")
            self.fields[name] = text(
                labels.get(pk, "Explication d’un objectif"), required=False, rows=2
            )
        self.order_fields(names)  # each objective first, then the overall reading


class ImpactForm(SectionForm):
    key = "impact"
    title = "Matrice d’impact"

    reading = text(
        "Lecture de la matrice par l’équipe",
        help_text="Ce que montrent les indicateurs, ce qui manque et pourquoi.",
    )
    market_penetration = forms.CharField(
        label="Part du marché cible atteinte",
        required=False,
        max_length=limits.SHORT,
        help_text="Par exemple : 12 % des communes de plus de 2 000 habitants.",
    )
    policy_effect = text(
        "Effet sur la politique publique",
        required=False,
        help_text="Ce qui a changé pour la politique publique visée, mesuré ou observé.",
    )


def compliance(label: str):
    return forms.ChoiceField(label=label, choices=[("", "—"), *Compliance.choices])


class NextSemesterForm(SectionForm):
    key = "next_semester"
    title = "Les six prochains mois"
    carried_over = (
        "vision",
        "market_size",
        "market_estimate",
        "priority_1",
        "criterion_1",
        "priority_2",
        "criterion_2",
        "priority_3",
        "criterion_3",
    )

    vision = text("La vision")
    market_size = forms.CharField(
        label="Taille du marché",
        max_length=limits.SHORT,
        help_text="Le nombre d’usagers ou d’organisations que le service peut atteindre.",
    )
    market_estimate = text(
        "Comment la taille du marché est estimée",
        required=False,
        rows=2,
        help_text="Les sources et le calcul : recensement, données de l’administration…",
    )
    changes = text(
        "Ce qui a changé en six mois",
        required=False,
        rows=3,
        help_text="Usagers, secteur, politique publique, réglementation, technologie.",
    )
    priority_1 = text("Priorité 1", rows=2)
    criterion_1 = text("Critère de réussite mesurable de la priorité 1", rows=2)
    priority_2 = text("Priorité 2", required=False, rows=2)
    criterion_2 = text("Critère de réussite de la priorité 2", required=False, rows=2)
    priority_3 = text("Priorité 3", required=False, rows=2)
    criterion_3 = text("Critère de réussite de la priorité 3", required=False, rows=2)

    def add_fields(self):
        for standard in Standard:
            self.fields[f"{standard.value}_now"] = compliance(f"{standard.label} : aujourd’hui")
            self.fields[f"{standard.value}_next"] = compliance(f"{standard.label} : dans six mois")

    def clean(self):
        cleaned = super().clean()
        for n in (2, 3):
            if cleaned.get(f"priority_{n}") and not cleaned.get(f"criterion_{n}"):
                self.add_error(f"criterion_{n}", "Une priorité a un critère de réussite mesurable.")
        return cleaned

    def standards(self):
        """(standard, its field for today, its field for six months from now)."""
        return [(s, self[f"{s.value}_now"], self[f"{s.value}_next"]) for s in Standard]


class RequestForm(SectionForm):
    key = "request"
    title = "La demande"
    carried_over = ("team", "team_size")

    amount = forms.DecimalField(
        label="Budget demandé",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Pour la période demandée, en euros.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    duration_months = forms.IntegerField(
        label="Durée (mois)",
        min_value=1,
        max_value=12,
        help_text="Six mois d’ordinaire ; un ou deux mois pour un budget provisoire.",
    )
    breakdown = text(
        "Répartition par activité",
        required=False,
        help_text="Ce qui diffère des prévisions budgétaires saisies dans Comité.",
    )
    targeted_impact = forms.DecimalField(
        label="Impact visé sur la période demandée",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="Sur l’étoile polaire, comme le coût par unité d’impact le compte : la somme "
        "des mois pour un flux, leur moyenne pour un niveau, le dernier mois pour un stock.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    team = text("Taille et profils de l’équipe", rows=3)
    team_size = forms.DecimalField(
        label="Taille de l’équipe (équivalents temps plein)",
        required=False,
        min_value=0,
        max_value=200,
        max_digits=5,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    scenarios = text(
        "Scénarios selon le budget",
        required=False,
        help_text="Ce que l’équipe ferait avec le budget demandé, avec les trois quarts, "
        "avec la moitié.",
    )
    blockers = text("Blocages à arbitrer par le comité", required=False, rows=3)
    without_funding = text("Sans financement", help_text="Ce qui se passe si rien n’est accordé.")

    def add_fields(self):
        for actor, label in SUPPORT_ACTORS:
            self.fields[f"support_{actor}_needs"] = text(
                f"{label} : besoins", required=False, rows=2
            )
            self.fields[f"support_{actor}_objectives"] = text(
                f"{label} : ce que ce soutien permet d’atteindre", required=False, rows=2
            )

    def support(self):
        """(actor, its needs field, its objectives field)."""
        return [
            (label, self[f"support_{actor}_needs"], self[f"support_{actor}_objectives"])
            for actor, label in SUPPORT_ACTORS
        ]


# Who a team expects support from (the request's table of actor, needs and objectives).
SUPPORT_ACTORS = (
    ("sponsor", "L’administration porteuse"),
    ("incubator", "L’incubateur"),
    ("partners", "D’autres acteurs (partenaires, autres administrations)"),
)
# Fields of earlier versions that a table has since replaced: still shown where written.
LEGACY_FIELDS = {"request": {"support": "Soutien attendu de l’administration"}}


SECTIONS: dict[str, type[SectionForm]] = {
    form.key: form
    for form in (IdentityForm, LastSemesterForm, ImpactForm, NextSemesterForm, RequestForm)
}


def in_a_table(name: str) -> bool:
    """Fields shown as tables rather than as text: the standards, the objectives'
    explanations, the support expected."""
    return (
        name.endswith(("_now", "_next"))
        or name.startswith("support_")
        or EXPLANATION.fullmatch(name) is not None
    )


# Typed amounts, shown in euros ("331 884 €"); other numbers shown the French way.
EUROS = {"amount"}


def as_read(name: str, field, value: str) -> str:
    """A stored value as a reader sees it: numbers the French way, text as typed."""
    if not value or not isinstance(field, forms.DecimalField | forms.IntegerField):
        return value
    number = decimal_or_none(value)
    if number is None:
        return value
    return format_euros(number) if name in EUROS else format_number(number)


def displayed(key: str, data: dict) -> list[tuple[str, str]]:
    """A section's written fields as a reader sees them: (label, text)."""
    fields = [
        (field.label, as_read(name, field, data.get(name, "")))
        for name, field in SECTIONS[key]().fields.items()
        if not in_a_table(name)
    ]
    legacy = LEGACY_FIELDS.get(key, {})
    return fields + [(label, data[name]) for name, label in legacy.items() if data.get(name)]


def standards_table(data: dict, before: dict, evidence: dict | None = None) -> list[dict]:
    """Each standard by family: label, six months ago, today, in six months, by their labels,
    and what Comité holds from beta.gouv.fr that shows it (`evidence`, by standard)."""
    labels = dict(Compliance.choices)
    return [
        {
            "family": family,
            "label": standard.label,
            "before": before.get(standard.value) or "",
            "now": labels.get(data.get(f"{standard.value}_now"), ""),
            "next": labels.get(data.get(f"{standard.value}_next"), ""),
            "evidence": (evidence or {}).get(standard.value, []),
        }
        for family, standards in STANDARD_FAMILIES
        for standard in standards
    ]


def support_table(data: dict) -> list[tuple[str, str, str]]:
    """The support expected: (actor, needs, objectives) for the actors the team wrote about."""
    rows = [
        (label, data.get(f"support_{actor}_needs", ""), data.get(f"support_{actor}_objectives", ""))
        for actor, label in SUPPORT_ACTORS
    ]
    return [row for row in rows if row[1] or row[2]]


def explanations(data: dict) -> dict[int, str]:
    """The team's explanation of each objective, by objective id."""
    return {int(m[1]): value for name, value in data.items() if (m := EXPLANATION.fullmatch(name))}


def decimal_or_none(text) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None
    except InvalidOperation:
        return None


def projected(request: dict, prefill: dict, amount: Decimal | None = None) -> dict | None:
    """The projected cost per impact unit: the amount asked (`amount`, else the report's)
    divided by the impact targeted for the period (the team's figure, else the north star's
    objective when it reads as the period's impact), beside the current cost per unit."""
    known = prefill.get("projection")
    if not known:
        return None
    amount = amount if amount is not None else decimal_or_none(request.get("amount"))
    typed = decimal_or_none(request.get("targeted_impact"))
    impact = typed if typed is not None else known["suggested"]
    return {
        **known,
        "amount": amount,
        "impact": impact,
        "typed": typed is not None,
        "cost_per_unit": amount / impact if amount is not None and impact else None,
        "current": prefill["efficiency"]["cost_per_unit"],
        "current_semester": prefill["efficiency"]["semester"],
    }


def reading(
    data: dict[str, dict],
    prefill: dict,
    comments: dict | None = None,
    *,
    amount: Decimal | None = None,
) -> list:
    """A version's sections as its readers see them, in order: the report's page, the
    preparation page and the PDF dossier. `data`: the content by section key; `prefill`: what
    Comité knew (the standards six months ago, their evidence, the team before); `comments`:
    the staff's comments by section key; `amount`: the amount asked when the agenda says it
    (else the report's)."""
    request = data.get(RequestForm.key, {})
    return [
        {
            "key": key,
            "title": form.title,
            "fields": displayed(key, data.get(key, {})),
            "standards": standards_table(
                data.get(key, {}), prefill["standards_before"], prefill.get("evidence")
            )
            if key == NextSemesterForm.key
            else None,
            "support": support_table(request) if key == RequestForm.key else None,
            "projection": projected(request, prefill, amount) if key == RequestForm.key else None,
            "team_before": prefill.get("team_before") if key == RequestForm.key else None,
            # None when the section holds nothing: no report, no column to fill.
            "explanations": explanations(data[key]) if data.get(key) else None,
            "comments": (comments or {}).get(key),
        }
        for key, form in SECTIONS.items()
    ]
