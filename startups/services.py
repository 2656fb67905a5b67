"""The writes to a startup's history that other apps ask for: a funding round with its
contributions, a phase change, a committee event. Each one refreshes the startup's derived
fields (`Startup.refresh_derived`) itself, so no caller has to remember it.

A workflow that makes several of these writes in one transaction wraps them in
`derived_refreshed_once(startup=..., today=...)`: the derived fields are then refreshed once,
when the block ends (same result, a fixed number of queries).

The phases and events written here are Comité's (`Origin.COMITE`): the beta.gouv.fr importer
(`startups/betagouv.py`), which writes its own rows in bulk and refreshes the derived fields
itself, never removes or rewrites them.
"""

import contextlib
import datetime
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .enums import LIFECYCLE_PHASE_NAME, EventKind, Lifecycle, Origin
from .models import Contribution, FundingRound, Phase, SourceDisagreement, Startup, StartupEvent

# The startups whose derived fields a `derived_refreshed_once()` block will refresh.
_deferred: ContextVar[frozenset[int]] = ContextVar("startups_deferred_refresh", default=frozenset())

Shares = Iterable[tuple[int, Decimal]]


@contextlib.contextmanager
def derived_refreshed_once(
    *, startup: Startup, today: datetime.date | None = None
) -> Iterator[None]:
    """Several writes to `startup`'s history: the functions below leave its derived fields
    alone inside the block, and they are refreshed once when it ends without error."""
    token = _deferred.set(_deferred.get() | {startup.pk})
    try:
        yield
    finally:
        _deferred.reset(token)
    startup.refresh_derived(today=today)


def _refresh(startup: Startup, today: datetime.date | None) -> None:
    if startup.pk not in _deferred.get():
        startup.refresh_derived(today=today)


def funding_round_create(
    *,
    startup: Startup,
    label: str,
    source: str,
    start: datetime.date,
    end: datetime.date,
    amount_granted: Decimal,
    is_provisional: bool = False,
    contributions: Shares | Callable[[FundingRound], Shares] = (),
    today: datetime.date | None = None,
) -> FundingRound:
    """A funding round and its organisations' contributions, (organisation id, amount) pairs,
    written in one bulk insert. `contributions` may be a function of the new round when the
    split depends on the startup's rounds, this one included."""
    funding_round = FundingRound.objects.create(
        startup=startup,
        label=label,
        source=source,
        start=start,
        end=end,
        is_provisional=is_provisional,
        amount_granted=amount_granted,
    )
    shares = contributions(funding_round) if callable(contributions) else contributions
    Contribution.objects.bulk_create(
        Contribution(funding_round=funding_round, organisation_id=pk, amount=amount)
        for pk, amount in shares
    )
    _refresh(startup, today)
    return funding_round


def funding_round_cancel(*, funding_round_id: int) -> None:
    """Bring a round to nothing (its decision was corrected): no money granted, no
    contributions. The round stays, for the history. Amounts do not enter the derived fields:
    nothing to refresh."""
    FundingRound.objects.filter(pk=funding_round_id).update(amount_granted=0)
    Contribution.objects.filter(funding_round_id=funding_round_id).delete()


@transaction.atomic(savepoint=False)
def phase_change(
    *,
    startup: Startup,
    lifecycle: str,
    on: datetime.date,
    name: str = "",
    comment: str = "",
    today: datetime.date | None = None,
) -> Phase | None:
    """Close the current phase the day before `on` and open `lifecycle` on `on` (named after
    the lifecycle step unless `name` is given). Nothing when the startup is already there."""
    phases = list(Phase.objects.select_for_update().filter(startup=startup).order_by("position"))
    current = next((phase for phase in phases if phase.end is None), None)
    if current is not None:
        if current.lifecycle == lifecycle:
            return None
        current.end = max(on - datetime.timedelta(days=1), current.start)
        current.save(update_fields=["end"])
    phase = Phase.objects.create(
        startup=startup,
        position=(phases[-1].position + 1) if phases else 0,
        lifecycle=lifecycle,
        name=name or LIFECYCLE_PHASE_NAME[Lifecycle(lifecycle)],
        start=max(on, current.end + datetime.timedelta(days=1)) if current else on,
        comment=comment,
        origin=Origin.COMITE,
    )
    _refresh(startup, today)
    return phase


def committee_event_record(
    *, startup: Startup, on: datetime.date, comment: str, today: datetime.date | None = None
) -> StartupEvent:
    """A committee on the startup's history (the derived fields count from the last one)."""
    event = StartupEvent.objects.create(
        startup=startup,
        kind=EventKind.COMMITTEE,
        name="committee",
        date=on,
        comment=comment,
        origin=Origin.COMITE,
    )
    _refresh(startup, today)
    return event


def disagreements_resolve(*, startup: Startup, by) -> int:
    """Staff checked the startup's open disagreements with beta.gouv.fr: they are no longer
    shown, and the same source phase will not reopen them. How many there were."""
    return (
        SourceDisagreement.objects.open()
        .filter(phase__startup=startup)
        .update(resolved_at=timezone.now(), resolved_by=by)
    )
