"""A sponsor's portfolio (`portfolio.sponsor_portfolio`): the page and its CSV export, with the
same filters in the URL. Who sees what: `startups.access.get_portfolio_for`."""

import csv

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from metrics.csv_import import csv_cell
from startups.access import get_portfolio_for
from startups.forms import Select
from startups.models import Incubator, Startup

from .portfolio import SORTS, STATUSES, add_cost_per_impact, sponsor_portfolio

PAGE_SIZE = 50
YEARS_BACK, YEARS_AHEAD = 6, 3


class PortfolioForm(DsfrBaseForm):
    """The portfolio's filters, as URL parameters (French names: they show in shared links)."""

    annee = forms.TypedChoiceField(label="Année budgétaire", coerce=int, required=False)
    incubateur = forms.ChoiceField(label="Incubateur", required=False, widget=Select)
    statut = forms.ChoiceField(label="Startups", required=False, choices=list(STATUSES.items()))
    tri = forms.ChoiceField(label="Trier par", required=False, choices=list(SORTS.items()))
    risque = forms.BooleanField(label="À risque seulement", required=False)

    def __init__(self, data, *, today, incubators, **kwargs):
        # The year shown when the URL names none: this year's, in the select as in the totals.
        data = data.copy()
        data.setdefault("annee", str(today.year))
        super().__init__(data, **kwargs)
        years = range(today.year - YEARS_BACK, today.year + YEARS_AHEAD + 1)
        self.fields["annee"].choices = [(year, str(year)) for year in reversed(years)]
        self.fields["incubateur"].choices = [("", "Tous"), *incubators]
        self.today = today

    def options(self) -> dict:
        """The filters for `sponsor_portfolio`: a wrong value gets its default, the others
        apply (the page says that some are wrong)."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "year": data.get("annee") or self.today.year,
            "incubator": data.get("incubateur", ""),
            "status": data.get("statut") or "actives",
            "at_risk": data.get("risque", False),
            "sort": data.get("tri") or "nom",
        }


def portfolio_of(request, slug, *, with_cost_per_impact=True):
    organisation, startups = get_portfolio_for(request, slug)
    today = timezone.localdate()
    co_incubators = Startup.co_incubators.through.objects.filter(startup__in=startups)
    incubators = (
        Incubator.objects.filter(
            Q(pk__in=startups.values("incubator_id"))
            | Q(pk__in=co_incubators.values("incubator_id"))
        )
        .order_by("title")
        .values_list("slug", "title")
    )
    form = PortfolioForm(request.GET, today=today, incubators=list(incubators))
    options = form.options()
    portfolio = sponsor_portfolio(
        organisation,
        startups,
        today=today,
        with_cost_per_impact=with_cost_per_impact,
        **options,
    )
    return form, portfolio, today


def portfolio(request, slug):
    form, portfolio, today = portfolio_of(request, slug, with_cost_per_impact=False)
    page = Paginator(portfolio.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # The cost per impact of the startups shown only: the costliest figure, not in the totals.
    add_cost_per_impact(page.object_list, portfolio.semester)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "committees/sponsor_portfolio.html",
        {
            "form": form,
            "portfolio": portfolio,
            "page_obj": page,
            "query": query.urlencode(),
            "today": today,
        },
    )


FIELDS = {
    "startup": "Startup",
    "incubator": "Incubateur",
    "phase": "Phase",
    "active": "Suivie par le programme",
    "granted": "Montant des tours (€)",
    "committed": "Part de l’organisation (€)",
    "year": "Part de l’année budgétaire (€)",
    "to_pay": "Reste à payer (€)",
    "rounds": "Tours",
    "decision": "Dernière décision",
    "decided_on": "Date de la décision",
    "met": "Objectifs atteints",
    "missed": "Objectifs manqués",
    "pending": "Objectifs en cours",
    "cost_per_unit": "Coût par unité d’impact (€)",
    "unit": "Unité d’impact",
    "change": "Évolution du coût par unité (%)",
    "due_on": "Prochain comité attendu",
    "session": "Séance prévue",
    "risks": "À risque",
}


def money(amount) -> str:
    return "" if amount is None else f"{amount:.2f}"


def csv_row(row, year: int) -> dict:
    decision, facts, session_on = row.decision, row.facts, row.session_on
    return {
        "startup": row.startup.name,
        "incubator": row.startup.incubator_title,
        "phase": row.startup.current_phase_label,
        "active": "oui" if row.startup.is_active else "non",
        "granted": money(row.granted),
        "committed": money(row.committed),
        "year": money(row.year_share),
        "to_pay": money(row.to_pay),
        "rounds": " | ".join(
            f"{line.round.label} ({line.round.start:%d/%m/%Y}–{line.round.end:%d/%m/%Y}) : "
            f"{money(line.share)} sur {money(line.round.amount_granted)}"
            for line in row.rounds
        ),
        "decision": decision.label if decision else "",
        "decided_on": f"{decision.decided_on:%Y-%m-%d}" if decision else "",
        "met": row.objectives_met,
        "missed": row.objectives_missed,
        "pending": row.objectives_pending,
        "cost_per_unit": money(facts.cost_per_unit),
        "unit": facts.north_star.unit if facts.north_star else "",
        "change": "" if facts.change_percent is None else facts.change_percent,
        "due_on": f"{row.startup.committee_due_on:%Y-%m-%d}"
        if row.startup.committee_due_on
        else "",
        "session": f"{session_on:%Y-%m-%d}" if session_on else "",
        "risks": " | ".join(row.risks),
    }


def portfolio_csv(request, slug):
    """The same rows as the page, with the same filters, all of them (no pages)."""
    _, portfolio, _ = portfolio_of(request, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"portefeuille-{portfolio.organisation.slug}-{portfolio.year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.DictWriter(response, fieldnames=list(FIELDS))
    writer.writerow(FIELDS)
    for row in portfolio.rows:
        writer.writerow(
            {key: csv_cell(value) for key, value in csv_row(row, portfolio.year).items()}
        )
    return response
