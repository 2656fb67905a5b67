"""Proxies ("procurations"): a voting member who cannot attend gives their vote to another
voting member of the committee, for the whole session or for one item of its agenda.

Rules (the committee's `proxies_allowed`, `proxies_per_holder`):
- given and withdrawn before the session opens (planned or convened), by the giver themselves,
  by the session's managers (staff, secretary) or by the chair;
- giver and holder are two voting members of the session's committee;
- one proxy per giver covering any one item: a proxy for the whole session and one for an item
  of it do not go together;
- no chains: who gave a proxy holds none covering the same items, and the reverse;
- a holder holds at most `proxies_per_holder` proxies covering any one item (a proxy for the
  whole session counts on every item).
The session's row is locked while a proxy is given or withdrawn, so that two proxies given at
the same instant to the same holder cannot exceed the limit together.

How a proxy is used (voting.py): the giver counts for the quorum and is eligible on every item
it covers when the holder is present; a giver present votes themselves and the proxy is not
used; the recusal of the giver or of the holder on an item loses the giver's vote on it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ..audit import audit
from ..enums import VOTING_ROLES, AuditAction, SessionStatus
from ..models import CommitteeMember, Proxy, Review, Session
from .access import SessionRoles, session_roles

OPEN_TO_PROXIES = (SessionStatus.PLANNED, SessionStatus.CONVENED)
NOT_ALLOWED = "Les règles du comité ne prévoient pas de procuration."
RECORDERS = (
    "Une procuration est enregistrée par le membre qui la donne, la présidence, le secrétariat "
    "ou l’incubateur du comité."
)


def name(member: CommitteeMember) -> str:
    return member.user.get_full_name() or member.user.email


def may_record(roles: SessionRoles, giver: CommitteeMember | None = None) -> bool:
    """Whether these roles may give or withdraw a proxy for `giver` (for someone, if None)."""
    if roles.manager or roles.chair:
        return True
    own = roles.member is not None and roles.member.role in VOTING_ROLES
    return own and (giver is None or roles.member.pk == giver.pk)


def _locked(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=session.pk)
    )


def _overlaps(proxy: Proxy, review_id: int | None) -> bool:
    """Whether this proxy covers an item that a proxy for `review_id` (None: all) covers."""
    return proxy.review_id is None or review_id is None or proxy.review_id == review_id


@transaction.atomic
def proxy_give(
    *,
    session: Session,
    giver: CommitteeMember,
    holder: CommitteeMember,
    review: Review | None = None,
    by,
) -> Proxy:
    """`giver` gives their vote to `holder` for the session (or for the item `review` alone)."""
    if not may_record(session_roles(by, session), giver):
        raise PermissionDenied(RECORDERS)
    session = _locked(session)
    committee = session.committee
    if not committee.proxies_allowed:
        raise ValidationError(NOT_ALLOWED)
    if session.status not in OPEN_TO_PROXIES:
        raise ValidationError("Une procuration se donne avant l’ouverture de la séance.")
    for field, member in (("giver", giver), ("holder", holder)):
        if member.committee_id != committee.pk or member.role not in VOTING_ROLES:
            raise ValidationError({field: "Choisir un membre votant du comité."})
    if giver.pk == holder.pk:
        raise ValidationError({"holder": "On ne se donne pas procuration à soi-même."})
    if review is not None and review.session_id != session.pk:
        raise ValidationError({"review": "Ce passage n’est pas à l’ordre du jour de la séance."})
    review_id = review.pk if review is not None else None
    proxies = [p for p in session.proxies.all() if _overlaps(p, review_id)]
    if any(p.giver_id == giver.pk for p in proxies):
        raise ValidationError(
            {"giver": f"{name(giver)} a déjà donné procuration pour cette séance ou ce passage."}
        )
    if any(p.holder_id == giver.pk for p in proxies):
        raise ValidationError(
            {"giver": f"{name(giver)} détient une procuration : on ne donne pas la sienne."}
        )
    if any(p.giver_id == holder.pk for p in proxies):
        raise ValidationError(
            {"holder": f"{name(holder)} a donné sa procuration : il ou elle n’en reçoit pas."}
        )
    held = [p for p in proxies if p.holder_id == holder.pk]
    items = [review_id] if review_id else list(session.reviews.values_list("pk", flat=True))
    counts = [sum(_overlaps(p, item) for p in held) for item in items]
    most = max([*counts, sum(p.review_id is None for p in held)])
    if most >= committee.proxies_per_holder:
        limit = committee.proxies_per_holder
        raise ValidationError(
            {
                "holder": f"{name(holder)} détient déjà {most} procuration{'s' if most > 1 else ''}"
                f" : les règles du comité en permettent {limit} par mandataire."
            }
        )
    proxy = Proxy.objects.create(
        session=session, review=review, giver=giver, holder=holder, recorded_by=by
    )
    audit(
        action=AuditAction.PROXY_GIVEN,
        actor=by,
        session=session,
        review=review,
        giver=giver.pk,
        holder=holder.pk,
        name=f"{name(giver)} → {name(holder)}",
    )
    return proxy


@transaction.atomic
def proxy_withdraw(*, proxy: Proxy, by) -> None:
    """Withdraw a proxy, until the session opens."""
    if not may_record(session_roles(by, proxy.session), proxy.giver):
        raise PermissionDenied(RECORDERS)
    session = _locked(proxy.session)
    if session.status not in OPEN_TO_PROXIES:
        raise ValidationError("Une procuration se retire jusqu’à l’ouverture de la séance.")
    if not Proxy.objects.filter(pk=proxy.pk).delete()[0]:
        raise ValidationError("Cette procuration a déjà été retirée.")
    audit(
        action=AuditAction.PROXY_WITHDRAWN,
        actor=by,
        session=session,
        review=proxy.review,
        giver=proxy.giver_id,
        holder=proxy.holder_id,
        name=f"{name(proxy.giver)} → {name(proxy.holder)}",
    )


def session_proxies(session: Session) -> list[Proxy]:
    """The session's proxies with the names they show (one query)."""
    return list(
        Proxy.objects.filter(session=session)
        .select_related("giver__user", "holder__user", "review__startup")
        .order_by("recorded_at", "id")
    )
