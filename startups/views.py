from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from . import members, services, sync
from .access import (
    can_see_portfolio,
    can_staff,
    get_member_proposals_for,
    get_startup_for_staff,
    get_sync_runs_for,
    purchasing_organisations,
    staffed_startups,
)
from .dates import stale_before
from .enums import Lifecycle
from .forms import PortfolioFilterForm
from .models import Incubator, MemberSync, Organisation, SourceDisagreement, Startup

PAGE_SIZE = 50
FILTERS_FORM_ID = "filters"
DUE_SOON_DAYS = 45
SYNC_RUNS_SHOWN = 30
PHASE_RANK = Case(
    *[When(current_phase=phase, then=Value(phase.rank)) for phase in Lifecycle],
    default=Value(len(Lifecycle)),
    output_field=IntegerField(),
)


def count_by_phase(startups) -> dict[str, int]:
    """How many startups in each current phase ("" for those without a phase), in one query."""
    return dict(startups.order_by().values_list("current_phase").annotate(n=Count("pk")))


def phase_counts(counts: dict[str, int]) -> list[tuple[Lifecycle, int]]:
    return [(phase, counts.get(phase, 0)) for phase in Lifecycle]


def portfolio_page(request, *, startups, template, fixed=(), defaults=None, **context):
    """A filtered, sorted, paginated list of startups; its results alone for htmx requests.
    `defaults`: the filters a URL that does not name them gets (a filter set to "" in the URL,
    as the form sends "Toutes", is not missing)."""
    data = request.GET.copy()
    for name, value in (defaults or {}).items():
        data.setdefault(name, value)
    form = PortfolioFilterForm(data, fixed=fixed)
    if form.is_valid():
        unphased = form.filter(startups, ignore=["phase"])
        phase = form.cleaned_data.get("phase")
        startups = unphased.filter(current_phase=phase) if phase else unphased
        ordering = form.ordering
        counts = count_by_phase(unphased)
    else:
        phase, startups, ordering, counts = "", startups.none(), ["lower_name"], {}
    startups = startups.with_list_data().annotate(
        lower_name=Lower("name"), phase_rank=PHASE_RANK, due_rank=due_rank(timezone.localdate())
    )
    paginator = Paginator(startups.order_by(*ordering), PAGE_SIZE)
    # The counts per phase already say how many startups match: no COUNT query of its own.
    paginator.count = counts.get(phase, 0) if phase else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    page.pages_list = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    context |= {
        "form": form,
        "page_obj": page,
        "phase_counts": phase_counts(counts),
        "list_url": request.path,
        "filters_out_of_step": False,
        "today": timezone.localdate(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
        # A phase tag or a page link changed the results: the filter form follows.
        context["filters_out_of_step"] = request.htmx.trigger != FILTERS_FORM_ID
    return render(request, template, context)


def due_rank(today):
    """Sorting by next committee: the committees due now or later first, then the stale records
    (due more than six months ago), then the startups no committee is expected of."""
    return Case(
        When(committee_due_on__isnull=True, then=Value(2)),
        When(committee_due_on__lt=stale_before(today), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def portfolio(request):
    """The programme's portfolio; it opens on the startups the programme follows, by next
    committee."""
    return portfolio_page(
        request,
        startups=Startup.objects.all(),
        template="startups/portfolio.html",
        defaults={"suivi": "actives", "tri": "comite"},
    )


def incubator_detail(request, slug):
    incubator = get_object_or_404(Incubator.objects.select_related("owner"), slug=slug)
    return portfolio_page(
        request,
        startups=Startup.objects.of_incubator(incubator.slug),
        template="startups/incubator.html",
        fixed=["incubateur"],
        incubator=incubator,
        manages=request.user.is_superuser or incubator.staff.filter(user=request.user).exists(),
    )


def sponsor_detail(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    return portfolio_page(
        request,
        startups=Startup.objects.sponsored_by(organisation.slug),
        template="startups/sponsor.html",
        fixed=["sponsor"],
        organisation=organisation,
        can_see_portfolio=can_see_portfolio(request.user, organisation),
        can_set_purchasing=purchasing_organisations(request.user)
        .filter(pk=organisation.pk)
        .exists(),
    )


def startup_detail(request, slug):
    startup = get_object_or_404(
        Startup.objects.select_related("incubator").prefetch_related(
            "sponsors",
            "co_incubators",
            "phases",
            "events",
            "funding_rounds__contributions__organisation",
            "memberships__user",
        ),
        slug=slug,
    )
    # Shown to the incubator's staff only: one query, empty for everyone else.
    disagreements = (
        SourceDisagreement.objects.open()
        .filter(phase__startup=startup, phase__startup__in=staffed_startups(request.user))
        .select_related("phase")
    )
    return render(
        request,
        "startups/detail.html",
        {
            "startup": startup,
            "today": timezone.localdate(),
            "disagreements": disagreements,
            "manages": can_staff(request.user, startup),
        },
    )


@require_POST
def disagreements_resolve(request, slug):
    startup = get_startup_for_staff(request, slug)
    if services.disagreements_resolve(startup=startup, by=request.user):
        messages.success(request, "Désaccord avec beta.gouv.fr marqué comme résolu.")
    return redirect(startup)


def sync_runs(request):
    """The syncs from beta.gouv.fr; for htmx, the polled list alone, until none runs."""
    runs = list(get_sync_runs_for(request).select_related("requested_by")[:SYNC_RUNS_SHOWN])
    last = runs[0] if runs else None
    context = {"runs": runs, "last": last, "api_url": settings.BETAGOUV_API_URL}
    if not request.htmx or request.htmx.history_restore_request:
        return render(request, "startups/sync.html", context)
    response = render(request, "startups/sync.html#runs", context)
    return response if last and last.running else HttpResponseStopPolling(response.content)


@require_POST
def sync_request(request):
    get_sync_runs_for(request)
    sync.sync_request(by=request.user)
    if request.htmx:
        return sync_runs(request)
    messages.info(request, "Synchronisation lancée : rechargez la page pour suivre son avancement.")
    return redirect("startups:sync")


def member_proposals(request):
    """The staff's proposals from espace-membre, by startup, and the last reading."""
    proposals = (
        get_member_proposals_for(request)
        .open()
        .select_related("startup")
        .order_by(Lower("startup__name"), "startup__pk", "kind", "name", "pk")
    )
    context = {
        "proposals": proposals,
        "last": MemberSync.objects.first(),
        "api_url": settings.ESPACE_MEMBRE_URL,
    }
    return render(request, "startups/proposals.html", context)


@require_POST
def member_proposals_decide(request, slug):
    """Accept one waiting proposal (`proposal`), refuse it (`refuse`), or accept them all."""
    startup = get_startup_for_staff(request, slug)
    waiting = startup.proposals.open()
    if "all" in request.POST:
        accepted = members.proposals_accept(startup=startup, by=request.user)
        messages.success(request, f"{startup} : {accepted} proposition(s) acceptée(s).")
        return redirect("startups:proposals")
    chosen = request.POST.get("proposal") or request.POST.get("refuse") or ""
    proposal = waiting.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if proposal is None:
        messages.info(request, "Cette proposition a déjà été traitée.")
    elif "refuse" in request.POST:
        members.proposal_reject(proposal=proposal, by=request.user)
        messages.success(request, f"Proposition refusée : {proposal.name}.")
    elif members.proposal_accept(proposal=proposal, by=request.user):
        messages.success(request, f"Proposition acceptée : {proposal.name}.")
    else:
        messages.info(request, "Cette proposition a déjà été traitée.")
    return redirect("startups:proposals")
