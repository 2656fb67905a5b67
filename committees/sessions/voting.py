"""The session itself: attendance, quorum, opening and closing each item's vote, casting votes,
the tally.

Concurrency (DESIGN "concurrency on purpose"): a vote takes its agenda item's row `FOR SHARE`
on PostgreSQL, so that many voters proceed at once, while closing the vote takes it
`FOR UPDATE`: the close waits for the votes being written, and a vote arriving afterwards reads
the item's new status and is refused. Every vote is thus cast before `vote_closed_at`. The
`vote_once` unique constraint makes a second click or a second tab a refusal, never a second or
changed vote.

Majority rules (over the votes cast, abstentions do not count against):
- simple: one outcome has strictly more than half of the votes cast;
- two thirds: one outcome has at least two thirds of the votes cast;
- unanimity: every eligible member voted and all for the same outcome (one eligible member who
  did not vote breaks unanimity).
No vote cast: no majority.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..audit import audit
from ..enums import (
    VOTING_ROLES,
    AuditAction,
    Majority,
    MemberRole,
    Outcome,
    ReviewStatus,
    SessionStatus,
    VoteMode,
)
from ..models import (
    Attendance,
    Ballot,
    CommitteeMember,
    Conflict,
    Proxy,
    Review,
    Session,
    Vote,
    Voter,
    round_trip,
)
from .access import require_chair

ALREADY_VOTED = "Votre vote est déjà enregistré."
ON_BEHALF_REFUSED = (
    "Vous ne pouvez pas voter au nom de ce membre sur ce passage : il faut une procuration qui "
    "couvre ce passage, le mandant absent et vous présent·e, ou, pour la présidence, un membre "
    "présent par téléphone quand les règles du comité le permettent."
)
CHAIR_SECRET_REFUSED = (
    "Vote à bulletin secret : la présidence ne saisit pas le vote d’un membre, elle en "
    "connaîtrait le choix. Le membre vote lui-même."
)
# How a vote locks its item's row. FOR SHARE lets the voters proceed together; FOR UPDATE would
# serialise them (bench/votes.py measures both).
VOTE_LOCK = "FOR SHARE"


def _locked_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("committee")
        .get(pk=session.pk)
    )


# Attendance and quorum


@transaction.atomic
def attendance_set(
    *, session: Session, member: CommitteeMember, present: bool, by, remote: bool | None = None
) -> Attendance:
    """Record whether a member is present (the chair, while the session is convened or open)
    and, with `remote`, whether by phone (None: unchanged; never for an absent member)."""
    require_chair(session, by)
    session = _locked_session(session)
    if not session.is_sitting:
        raise ValidationError("Les présences se notent quand la séance est convoquée ou ouverte.")
    if member.committee_id != session.committee_id:
        raise ValidationError("Cette personne n’est pas membre du comité.")
    wanted = {"present": present}
    if remote is not None or not present:
        wanted["remote"] = bool(remote) and present
    attendance, created = Attendance.objects.get_or_create(
        session=session, member=member, defaults=wanted
    )
    changed = [name for name, value in wanted.items() if getattr(attendance, name) != value]
    if not created and not changed:
        return attendance
    if changed:
        for name in changed:
            setattr(attendance, name, wanted[name])
        attendance.save(update_fields=[*changed, "updated_at"])
    audit(
        action=AuditAction.ATTENDANCE,
        actor=by,
        session=session,
        member=member.pk,
        name=member.user.get_full_name() or str(member.user),
        present=present,
        **({"remote": True} if attendance.remote else {}),
    )
    return attendance


@transaction.atomic
def session_open(*, session: Session, by, another_day: bool = False) -> Session:
    """The chair opens a convened session; on another day than planned only when they
    confirm it (`another_day`), and the minutes then say when it was really held."""
    require_chair(session, by)
    if not session.is_today and not another_day:
        raise ValidationError(
            f"La séance est prévue le {session.date:%d/%m/%Y} : cochez la case pour confirmer "
            f"que vous l’ouvrez aujourd’hui, le {timezone.localdate():%d/%m/%Y}."
        )
    session.move(SessionStatus.OPEN)
    audit(action=AuditAction.SESSION_OPENED, actor=by, session=session)
    return session


@dataclass(frozen=True)
class Quorum:
    present: int
    required: int

    @property
    def reached(self) -> bool:
        return self.present >= self.required


def _present(session_id: int, member: str = "pk") -> Exists:
    return Exists(
        Attendance.objects.filter(session_id=session_id, member=OuterRef(member), present=True)
    )


def _recused(review_id: int, member: str = "pk") -> Exists:
    return Exists(Conflict.objects.filter(review_id=review_id, member=OuterRef(member)))


def _carrying_proxies(session_id: int):
    """The session's proxies that carry a vote: the committee's rules allow proxies (read now,
    so that turning them off leaves the recorded ones unusable) and the holder is a voting
    member present."""
    return Proxy.objects.filter(
        session_id=session_id,
        session__committee__proxies_allowed=True,
        holder__role__in=VOTING_ROLES,
    ).filter(_present(session_id, "holder"))


def usable_proxies(review: Review):
    """The proxies that carry a vote on this item: for the whole session or for this item, the
    holder present and not recused on it (a recusal is personal: a recused holder casts no vote
    on the item, their own or another's)."""
    return (
        _carrying_proxies(review.session_id)
        .filter(Q(review__isnull=True) | Q(review_id=review.pk))
        .exclude(_recused(review.pk, "holder"))
    )


def quorum(session: Session, review: Review | None = None) -> Quorum:
    """Voting members present or represented by a present holder (and, for one item, not
    recused on it) against the quorum. Without an item, only proxies for the whole session
    count."""
    if review is not None:
        members = eligible_voters(review)
    else:
        whole = _carrying_proxies(session.pk).filter(review__isnull=True)
        members = CommitteeMember.objects.filter(
            committee_id=session.committee_id, role__in=VOTING_ROLES
        ).filter(_present(session.pk) | Exists(whole.filter(giver=OuterRef("pk"))))
    return Quorum(present=members.count(), required=session.committee.quorum)


def eligible_voters(review: Review):
    """Voting members present at the session, or represented by the holder of a proxy that
    covers this item, and without a conflict on this item."""
    represented = Exists(usable_proxies(review).filter(giver=OuterRef("pk")))
    return (
        CommitteeMember.objects.filter(
            committee_id=review.session.committee_id, role__in=VOTING_ROLES
        )
        .filter(_present(review.session_id) | represented)
        .exclude(_recused(review.pk))
    )


def _proxy_votable(review: Review, giver: CommitteeMember, holder: CommitteeMember):
    """The giver, if `holder` may vote in their name on this item: the giver eligible and not
    present (a giver present votes themselves, the proxy is not used), the proxy usable."""
    proxies = usable_proxies(review).filter(giver=OuterRef("pk"), holder_id=holder.pk)
    return (
        eligible_voters(review)
        .filter(pk=giver.pk)
        .exclude(_present(review.session_id))
        .filter(Exists(proxies))
    )


def _chair_votable(review: Review, member: CommitteeMember, chair: CommitteeMember):
    """The member, if the chair may enter their vote on this item: the committee's rules allow
    it, the member is eligible and present by phone, and is not the chair."""
    by_phone = Attendance.objects.filter(
        session_id=review.session_id, member=OuterRef("pk"), present=True, remote=True
    )
    is_chair = chair.role == MemberRole.CHAIR and chair.pk != member.pk
    return (
        eligible_voters(review)
        .filter(pk=member.pk, committee__chair_votes_allowed=True)
        .filter(Exists(by_phone))
        .filter(pk__in=[member.pk] if is_chair else [])
    )


# Votes


@transaction.atomic
def vote_open(*, review: Review, by) -> Review:
    """The chair opens the vote on one item: session open, quorum reached on this item (the
    recused do not count), no other item being voted on."""
    session = review.session
    require_chair(session, by)
    session = _locked_session(session)
    if not session.is_open:
        raise ValidationError("Le vote s’ouvre pendant la séance.")
    if session.reviews.filter(status=ReviewStatus.VOTING).exclude(pk=review.pk).exists():
        raise ValidationError("Un autre vote est déjà ouvert : clore ce vote d’abord.")
    count = quorum(session, review)
    if not count.reached:
        raise ValidationError(
            f"Quorum non atteint : {count.present} membre(s) votant(s) présent(s) sur "
            f"{count.required} requis."
        )
    committee = session.committee
    # The rules are fixed on the item now: changing the committee's afterwards changes nothing.
    opened = {
        "status": ReviewStatus.VOTING,
        "vote_opened_at": timezone.now(),
        "secret_ballot": committee.secret_ballot,
        "majority": committee.majority,
        "quorum": committee.quorum,
    }
    if not Review.objects.filter(pk=review.pk, status=ReviewStatus.PENDING).update(**opened):
        raise ValidationError("Ce vote a déjà été ouvert.")
    for name, value in opened.items():
        setattr(review, name, value)
    audit(
        action=AuditAction.VOTE_OPENED,
        actor=by,
        review=review,
        present=count.present,
        secret_ballot=committee.secret_ballot,
        majority=committee.majority,
        quorum=committee.quorum,
    )
    return review


def _item_state_for_share(review: Review, member: CommitteeMember) -> tuple[str, bool, bool]:
    """The item's status, whether the member may vote on it and whether the ballot is secret,
    in one query, the item's row locked FOR SHARE on PostgreSQL until the transaction ends
    (SQLite writes one at a time)."""
    eligible = eligible_voters(review).filter(pk=member.pk)
    query = Review.objects.filter(pk=review.pk).annotate(eligible=Exists(eligible))
    status, eligible, secret = _for_share(query, "status", "eligible", "secret_ballot")
    return status, bool(eligible), bool(secret)


def _item_state_for_share_on_behalf(
    review: Review, member: CommitteeMember, by: CommitteeMember
) -> tuple[str, str | None, bool]:
    """Like `_item_state_for_share` for a vote `by` casts in the name of `member`: the item's
    status, how `by` may vote for them (`VoteMode.PROXY`, `VoteMode.CHAIR` or None) and whether
    the ballot is secret, in one query, the item locked FOR SHARE."""
    query = Review.objects.filter(pk=review.pk).annotate(
        proxy=Exists(_proxy_votable(review, member, by)),
        chair=Exists(_chair_votable(review, member, by)),
    )
    status, proxy, chair, secret = _for_share(query, "status", "proxy", "chair", "secret_ballot")
    mode = VoteMode.PROXY if proxy else VoteMode.CHAIR if chair else None
    return status, mode, bool(secret)


def _for_share(query, *fields) -> tuple:
    """These fields of the item's row, the row locked FOR SHARE on PostgreSQL."""
    sql, params = query.values_list(*fields).query.sql_with_params()
    if connection.vendor == "postgresql":
        sql += f" {VOTE_LOCK} OF " + connection.ops.quote_name(Review._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise ValidationError("Ce passage n’existe plus.")
    return row


def _insert_once(model: type[Vote | Voter], **values) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING on the member and item (`vote_once`, `voter_once`): the
    new row's id, or None when this member already voted (a second tab at the same instant
    included). No savepoint, no exception: one round trip."""
    fields = [model._meta.get_field(name) for name in values]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
        "ON CONFLICT (review_id, member_id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def vote_cast(
    *,
    review: Review,
    member: CommitteeMember,
    choice: str,
    amount: Decimal | None = None,
    months: int | None = None,
    comment: str = "",
    by: CommitteeMember | None = None,
) -> Vote | Ballot:
    """An eligible member's vote on the item being voted on: once, never changed. A secret
    ballot writes who voted (`Voter`) apart from what they chose (`Ballot`, returned).

    `by`: another member casts it in `member`'s name, the holder of their proxy (`member`
    absent, the proxy covering the item, the holder present and not recused) or the chair for a
    member present by phone (when the committee's rules allow it, never in a secret ballot).
    The vote is still `member`'s: `vote_once` keeps one per member, whoever sends it.

    Three round trips (four for a secret ballot): the item locked FOR SHARE with the member's
    eligibility, the insert (the voter, then the ballot), the audit row. A refusal is raised outside the atomic block, which joins the caller's
    transaction without a savepoint: nothing was written, nothing to roll back."""
    if choice not in Outcome.values:
        raise ValidationError({"choice": "Choisir refinancer, ajuster ou arrêter."})
    if amount is not None and amount < 0:
        raise ValidationError({"amount": "Un montant ne peut pas être négatif."})
    if months is not None and not 1 <= months <= 12:
        raise ValidationError({"months": "Une durée va d’un à douze mois."})
    if choice == Outcome.STOP:
        amount = months = None
    with transaction.atomic(savepoint=False):
        vote, refusal = _cast(review, member, choice, amount, months, comment, by=by)
    if refusal is not None:
        raise refusal
    return vote


def _cast(review, member, choice, amount, months, comment, *, by=None):
    if by is None:
        mode = VoteMode.SELF
        status, eligible, secret = _item_state_for_share(review, member)
    else:
        status, mode, secret = _item_state_for_share_on_behalf(review, member, by)
        eligible = mode is not None
    if status != ReviewStatus.VOTING:
        return None, ValidationError("Le vote sur ce passage n’est pas ouvert.")
    deadline = review.session.deadline  # a written procedure's, even before its close job runs
    if deadline is not None and timezone.now() >= deadline:
        return None, ValidationError("La date limite du vote écrit est passée.")
    if not eligible and by is not None:
        return None, PermissionDenied(ON_BEHALF_REFUSED)
    if not eligible:
        return None, PermissionDenied(
            "Seuls les membres votants présents et sans conflit d’intérêts votent sur ce passage."
        )
    if mode == VoteMode.CHAIR and secret:
        return None, ValidationError(CHAIR_SECRET_REFUSED)
    cast_at = timezone.now()
    choices = {"choice": choice, "amount": amount, "months": months, "comment": comment}
    # Who sent it, when not the member (the holder, the chair): on the vote, or on the voter
    # of a secret ballot (the ballot names nobody).
    sent = {"mode": mode, "cast_by": by.pk} if by is not None else {}
    if secret:
        voted = _insert_once(Voter, review=review.pk, member=member.pk, cast_at=cast_at, **sent)
        vote = Ballot.objects.create(review=review, **choices) if voted else None
    else:
        vote = Vote(review=review, member=member, cast_at=cast_at, mode=mode, cast_by=by, **choices)
        vote.pk = _insert_once(
            Vote, review=review.pk, member=member.pk, cast_at=cast_at, **choices, **sent
        )
        vote = vote if vote.pk else None
    if vote is None:
        return None, ValidationError(ALREADY_VOTED)
    detail = {"member": member.pk}
    if by is not None:
        name = member.user.get_full_name() or member.user.email
        detail |= {"name": name, "mode": mode, "cast_by": by.pk}
    if not secret:
        detail |= {"choice": choice, "amount": str(amount) if amount is not None else None}
        detail["months"] = months
    actor = member.user if by is None else by.user
    audit(action=AuditAction.VOTE_CAST, actor=actor, review=review, **detail)
    return vote, None


@transaction.atomic
def vote_close(*, review: Review, by) -> Review:
    """The chair closes the vote: it waits for the votes being written (their FOR SHARE lock),
    and every vote after this is refused."""
    require_chair(review.session, by)
    return _close(review, by=by)


def _close(review: Review, *, by, reason: str = "", quorum_of_votes: bool = False) -> Review:
    """Close the vote and freeze its tally; `by` None for the system (a written procedure's
    deadline or last vote, with its `reason`). `quorum_of_votes`: no outcome unless at least
    the quorum fixed at opening voted (a written procedure)."""
    locked = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    if locked.status != ReviewStatus.VOTING:
        raise ValidationError("Seul un vote ouvert peut être clos.")
    locked.status, locked.vote_closed_at = ReviewStatus.VOTED, timezone.now()
    result = tally(locked)
    if quorum_of_votes and result.cast < (locked.quorum or 0):
        result.outcome = result.median_amount = result.median_months = None
    locked.tally = result.data()  # frozen: what the record shows from now on
    locked.save(update_fields=["status", "vote_closed_at", "tally"])
    review.status, review.vote_closed_at, review.tally = (
        locked.status,
        locked.vote_closed_at,
        locked.tally,
    )
    audit(
        action=AuditAction.VOTE_CLOSED,
        actor=by,
        review=review,
        counts=result.counts,
        abstentions=result.abstentions,
        outcome=result.outcome or "",
        **({"reason": reason} if reason else {}),
    )
    return review


# The tally


@dataclass
class Tally:
    majority: str
    counts: dict[str, int]
    eligible: int
    abstentions: int
    outcome: str | None
    median_amount: Decimal | None = None
    median_months: int | None = None
    voter_ids: set[int] = field(default_factory=set)

    @property
    def cast(self) -> int:
        return sum(self.counts.values())

    @property
    def reached(self) -> bool:
        return self.outcome is not None

    @property
    def rows(self) -> list[tuple[str, int]]:
        return [(label, self.counts[value]) for value, label in Outcome.choices]

    @property
    def majority_label(self) -> str:
        return Majority(self.majority).label

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label if self.outcome else "Pas de majorité"

    def data(self) -> dict:
        """As frozen on the item and in a decision's snapshot."""
        return round_trip(
            {
                "majority": self.majority,
                "counts": self.counts,
                "eligible": self.eligible,
                "abstentions": self.abstentions,
                "outcome": self.outcome or "",
                "median_amount": self.median_amount,
                "median_months": self.median_months,
            }
        )

    @classmethod
    def frozen(cls, data: dict) -> "Tally":
        return cls(
            majority=data["majority"],
            counts=data["counts"],
            eligible=data["eligible"],
            abstentions=data["abstentions"],
            outcome=data["outcome"] or None,
            median_amount=data["median_amount"],
            median_months=data["median_months"],
        )


def majority_outcome(majority: str, counts: dict[str, int], abstentions: int) -> str | None:
    """The outcome the rule gives, or None ("pas de majorité")."""
    cast = sum(counts.values())
    if not cast:
        return None
    outcome, top = max(counts.items(), key=lambda item: item[1])
    if majority == Majority.SIMPLE:
        return outcome if 2 * top > cast else None
    if majority == Majority.TWO_THIRDS:
        return outcome if 3 * top >= 2 * cast else None
    return outcome if top == cast and abstentions == 0 else None


def compute_tally(majority: str, votes, eligible_ids: set[int], voter_ids: set[int]) -> Tally:
    """The tally of these votes or ballots given who was eligible and who voted: no query."""
    counts = Counter(dict.fromkeys(Outcome.values, 0))
    counts.update(vote.choice for vote in votes)
    abstentions = len(eligible_ids - voter_ids)
    outcome = majority_outcome(majority, dict(counts), abstentions)
    result = Tally(
        majority=majority,
        counts=dict(counts),
        eligible=len(eligible_ids),
        abstentions=abstentions,
        outcome=outcome,
    )
    if outcome:
        winners = [vote for vote in votes if vote.choice == outcome]
        amounts = [vote.amount for vote in winners if vote.amount is not None]
        months = [vote.months for vote in winners if vote.months is not None]
        result.median_amount = statistics.median(amounts) if amounts else None
        result.median_months = statistics.median_low(months) if months else None
    return result


def tally(review: Review) -> Tally:
    """The counts per outcome, the abstentions (eligible members who did not vote), the
    majority under the rule fixed when the vote opened, the median amount and duration of the
    majority; once the vote is closed, the tally frozen then."""
    if review.tally:
        return Tally.frozen(review.tally)
    if review.is_secret:
        votes = list(Ballot.objects.filter(review=review))
        voters = Voter.objects.filter(review=review)
    else:
        votes = list(Vote.objects.filter(review=review))
        voters = Vote.objects.filter(review=review)
    eligible = set(eligible_voters(review).values_list("pk", flat=True))
    voter_ids = set(voters.values_list("member_id", flat=True))
    majority = review.majority or review.session.committee.majority
    return compute_tally(majority, votes, eligible, voter_ids)
