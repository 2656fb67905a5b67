"""The sections of a semester report (DESIGN §5, sections 1–5), one form each.

A section is saved on its own as the team writes (nothing is required while drafting, only the
format of what is typed is checked); submitting checks each section with its required fields.
What Comité already knows (phase, objectives, metrics, money) is not typed in: see prefill.py.
"""

from django import forms
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits

from ..enums import Compliance, Standard


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

    def __init__(self, *args, draft: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
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


class LastSemesterForm(SectionForm):
    key = "last_semester"
    title = "Les six derniers mois"

    targets_review = text(
        "Les objectifs du dernier comité",
        help_text="Pourquoi chaque objectif a été atteint, manqué ou dépassé.",
    )
    delivered = text("Ce qui a été livré")
    demo_url = forms.URLField(
        label="Lien vers une démonstration",
        required=False,
        max_length=500,
        help_text="Vidéo ou parcours en ligne, par exemple https://…",
    )
    learnings = text("Ce que l’équipe a appris")


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

    amount = forms.DecimalField(
        label="Budget demandé (€)",
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
    team = text("Taille et profils de l’équipe", rows=3)
    support = text("Soutien attendu de l’administration", required=False, rows=3)
    blockers = text("Blocages à arbitrer par le comité", required=False, rows=3)
    without_funding = text("Sans financement", help_text="Ce qui se passe si rien n’est accordé.")


SECTIONS: dict[str, type[SectionForm]] = {
    form.key: form
    for form in (IdentityForm, LastSemesterForm, ImpactForm, NextSemesterForm, RequestForm)
}


def is_standard(name: str) -> bool:
    return name.endswith(("_now", "_next"))


def displayed(key: str, data: dict) -> list[tuple[str, str]]:
    """A section's written fields as a reader sees them: (label, text); the standards are
    shown as a table (`standards_table`)."""
    return [
        (field.label, data.get(name, ""))
        for name, field in SECTIONS[key]().fields.items()
        if not is_standard(name)
    ]


def standards_table(data: dict, before: dict) -> list[tuple[str, str, str, str]]:
    """Each standard: (label, six months ago, today, in six months), by their labels."""
    labels = dict(Compliance.choices)
    return [
        (
            standard.label,
            before.get(standard.value) or "",
            labels.get(data.get(f"{standard.value}_now"), ""),
            labels.get(data.get(f"{standard.value}_next"), ""),
        )
        for standard in Standard
    ]


def reading(data: dict[str, dict], standards_before: dict, comments: dict | None = None) -> list:
    """A version's sections as its readers see them, in order: the report's page, the
    preparation page and the PDF dossier. `data`: the content by section key; `comments`:
    the staff's comments by section key."""
    return [
        {
            "key": key,
            "title": form.title,
            "fields": displayed(key, data.get(key, {})),
            "standards": standards_table(data.get(key, {}), standards_before)
            if key == NextSemesterForm.key
            else None,
            "comments": (comments or {}).get(key),
        }
        for key, form in SECTIONS.items()
    ]
