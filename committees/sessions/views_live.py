"""The session live: the chair notes who is present and opens and closes each item's vote,
voters vote, everyone follows without reloading (htmx polls the board every 2 s; every action
also works as a plain form, POST-redirect-GET)."""

from dataclasses import dataclass, field
from functools import partial

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits

from ..enums import VOTING_ROLES, MemberRole, Outcome, ReviewStatus, SessionKind, VoteMode
from ..models import (
    Attendance,
    Ballot,
    CommitteeMember,
    Conflict,
    Proxy,
    Question,
    Review,
    Vote,
    Voter,
)
from .access import get_review_in, get_session_for, get_vote_for
from .voting import (
    ALREADY_VOTED,
    Tally,
    attendance_set,
    compute_tally,
    session_open,
    vote_cast,
    vote_close,
    vote_open,
)
from .written import close_if_complete

# A written procedure has no attendance to take and closes by itself (written.py).
WRITTEN_RULES = (
    "Une procédure écrite se clôt d’elle-même, à la date limite ou dès que tous les membres "
    "votants ont voté ; ses présences ne changent pas."
)


class VoteForm(TextLimits, DsfrBaseForm):
    choice = forms.ChoiceField(
        label="Votre vote", choices=Outcome.choices, widget=forms.RadioSelect
    )
    amount = forms.DecimalField(
        label="Montant proposé (€)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Pour refinancer ou ajuster.",
    )
    months = forms.IntegerField(
        label="Durée proposée (mois)", required=False, min_value=1, max_value=12
    )
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=limits.COMMENT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@dataclass
class Item:
    review: Review
    voters: list = field(default_factory=list)
    eligible: set = field(default_factory=set)
    secret: bool = False
    voted: bool = False
    can_vote: bool = False
    tally: object = None
    votes: list = field(default_factory=list)
    decide_url: str | None = None
    voter_names: list = field(default_factory=list)
    ballots: list = field(default_factory=list)  # the votes `me` casts in others' names
    questions: list = field(default_factory=list)
    recused: bool = False  # the person looking is recused on it
    quorum_short: bool = False  # the recusals leave fewer voters than the quorum


def cast_label(row, by_id) -> str:
    """Who voted, as the board lists them: "Bob au nom d’Alice" for a proxy, "Alice, saisi par
    la présidence" for a vote the chair entered."""
    member = by_id[row.member_id]
    label = member.user.get_full_name() or member.user.email
    if row.mode == VoteMode.PROXY and row.cast_by_id in by_id:
        holder = by_id[row.cast_by_id].user
        return f"{holder.get_full_name() or holder.email} au nom de {label}"
    if row.mode == VoteMode.CHAIR:
        return f"{label}, saisi par la présidence"
    return label


def represented(proxies, present_voters, by_id) -> set[int]:
    """The voting members absent whose proxy for the whole session a present member holds."""
    return {
        giver
        for giver, holder, review in proxies
        if review is None
        and holder in present_voters
        and giver not in present_voters
        and by_id[giver].role in VOTING_ROLES
    }


def on_behalf(item, me, cast, carried, by_phone, by_id, committee) -> list[dict]:
    """The ballots `me` casts in others' names on the item being voted on: one per proxy they
    hold and that carries a vote on it, and, for the chair, one per member present by phone
    (when the committee's rules allow it, never in a secret ballot). No query."""
    voted = {row.member_id for row in cast}
    givers = [giver for giver, holder in carried if holder == me.pk]
    ballots = [{"member": by_id[giver], "mode": VoteMode.PROXY} for giver in givers]
    chair_enters = me.role == MemberRole.CHAIR and committee.chair_votes_allowed
    if chair_enters and not item.secret:
        ballots += [
            {"member": by_id[pk], "mode": VoteMode.CHAIR}
            for pk in sorted(by_phone & item.eligible)
            if pk != me.pk and pk not in givers
        ]
    for ballot in ballots:
        ballot["voted"] = ballot["member"].pk in voted
        ballot["form"] = VoteForm(prefix=f"pour-{ballot['member'].pk}")
        ballot["message"] = None
    return ballots


def decide_url(session, review) -> str | None:
    try:
        return reverse("committees:review-decide", args=[session.pk, review.pk])
    except NoReverseMatch:  # the decisions pages are not there yet
        return None


def closed_tally(review, item, ballots, cast) -> Tally:
    """The tally frozen when the vote closed (an item closed before tallies were frozen: counted
    again from its votes or ballots, which no longer change)."""
    if review.tally:
        return Tally.frozen(review.tally)
    counted = [b for b in ballots if b.review_id == review.pk] if item.secret else item.votes
    majority = review.majority or review.session.committee.majority
    return compute_tally(majority, counted, item.eligible, {row.member_id for row in cast})


def board_context(request, session, roles, *, form=None, preserve=True, notice=None) -> dict:
    """Everything the board shows, in a fixed number of queries whatever the agenda's length:
    items, members, attendance, conflicts, votes."""
    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
    members = list(
        CommitteeMember.objects.filter(committee_id=session.committee_id)
        .select_related("user")
        .order_by("role", "id")
    )
    attendance = Attendance.objects.filter(session=session)
    attendance = list(attendance.values_list("member_id", "present", "remote"))
    present = {member_id: is_present for member_id, is_present, _ in attendance}
    by_phone = {member_id for member_id, is_present, remote in attendance if is_present and remote}
    conflicts = set(
        Conflict.objects.filter(review__session=session).values_list("review_id", "member_id")
    )
    votes = list(Vote.objects.filter(review__session=session).order_by("cast_at", "id"))
    # Secret ballots: who voted, and apart what was chosen, by nobody.
    voters = list(Voter.objects.filter(review__session=session).order_by("cast_at", "id"))
    ballots = list(Ballot.objects.filter(review__session=session))
    committee = session.committee
    proxies = []
    if committee.proxies_allowed:
        proxies = Proxy.objects.filter(session=session)
        proxies = list(proxies.values_list("giver_id", "holder_id", "review_id"))
    questions = list(
        Question.objects.filter(review__session=session)
        .select_related("author__user", "answered_by")
        .order_by("asked_at", "id")
    )
    by_id = {member.pk: member for member in members}
    for vote in votes:
        vote.member_name = cast_label(vote, by_id)
    for member in members:
        member.is_present = bool(present.get(member.pk))
        member.is_remote = member.pk in by_phone
    present_voters = {m.pk for m in members if m.role in VOTING_ROLES and present.get(m.pk)}
    me = roles.member
    follows = me is not None or roles.staff  # teams see neither votes nor names before the tally
    items = []
    for review in reviews:
        item = Item(review=review, secret=review.is_secret)
        item.eligible = {pk for pk in present_voters if (review.pk, pk) not in conflicts}
        # Proxies covering the item: the giver absent, the holder present, neither recused.
        carried = [
            (giver, holder)
            for giver, holder, proxy_review in proxies
            if proxy_review in (None, review.pk)
            and giver not in present_voters
            and by_id[giver].role in VOTING_ROLES
            and holder in item.eligible
            and (review.pk, giver) not in conflicts
        ]
        item.eligible |= {giver for giver, _ in carried}
        item.quorum_short = (
            session.is_open
            and review.status == ReviewStatus.PENDING
            and len(item.eligible) < committee.quorum
        )
        item.votes = [vote for vote in votes if vote.review_id == review.pk]
        item.questions = [q for q in questions if q.review_id == review.pk]
        cast = [v for v in voters if v.review_id == review.pk] if item.secret else item.votes
        item.voters = [by_id[row.member_id] for row in cast]
        item.voter_names = [cast_label(row, by_id) for row in cast]
        if me is not None:
            item.recused = (review.pk, me.pk) in conflicts
            item.voted = any(row.member_id == me.pk for row in cast)
            item.can_vote = review.status == ReviewStatus.VOTING and me.pk in item.eligible
            if review.status == ReviewStatus.VOTING:
                item.ballots = on_behalf(item, me, cast, carried, by_phone, by_id, committee)
        if review.status in (ReviewStatus.VOTED, ReviewStatus.DECIDED):
            item.tally = closed_tally(review, item, ballots, cast)
            item.decide_url = decide_url(session, review) if roles.chair or roles.manager else None
        if not follows and review.status == ReviewStatus.VOTING:
            item.voters, item.votes = [], []
        if item.secret or (not follows and item.tally is None):
            item.votes = []  # never who voted what
        items.append(item)
    voting = next((item for item in items if item.review.status == ReviewStatus.VOTING), None)
    return {
        "session": session,
        "roles": roles,
        "items": items,
        "members": members,
        "present": present,
        "quorum": {
            "present": len(present_voters | represented(proxies, present_voters, by_id)),
            "required": session.committee.quorum,
        },
        "voting": voting,
        "follows": follows,
        "form": form or VoteForm(),
        "preserve": preserve,
        "notice": notice,
        "oob": False,
        "polling": not session.is_closed,
    }


def session_live(request, pk):
    session, roles = get_session_for(request, pk)
    return render(request, "committees/live.html", board_context(request, session, roles))


def session_live_board(request, pk):
    """The polled fragment; polling stops (HTTP 286) once the session is closed."""
    session, roles = get_session_for(request, pk)
    response = render(request, "committees/live.html#board", board_context(request, session, roles))
    if session.is_closed:
        return HttpResponseStopPolling(response.content)
    return response


def done(request, session, roles, *, error=None, success=None, form=None):
    """htmx: the fresh board with the outcome; otherwise a message and back to the page."""
    if request.htmx:
        # The outcome goes out of band into #live-notices, outside the polled board, so that
        # the next poll does not wipe it: it stays until dismissed.
        level = "error" if error else "success" if success else None
        notice = {"level": level, "text": error or success} if level else None
        context = board_context(
            request, session, roles, form=form, preserve=form is None, notice=notice
        )
        board = render_to_string("committees/live.html#board", context, request=request)
        notices = render_to_string(
            "committees/live.html#notices", {**context, "oob": True}, request=request
        )
        return HttpResponse(board + notices)
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return redirect("committees:session-live", pk=session.pk)


def refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_POST
def live_session_open(request, pk):
    session, roles = get_session_for(request, pk, to="chair")
    try:
        session_open(
            session=session, by=request.user, another_day=bool(request.POST.get("another_day"))
        )
    except ValidationError as error:
        return done(request, session, roles, error=refusal(error))
    return done(request, session, roles, success="La séance est ouverte.")


@require_POST
def live_attendance(request, pk):
    """The chair's attendance form: the checked members are present, the others absent."""
    session, roles = get_session_for(request, pk, to="chair")
    if session.kind == SessionKind.WRITTEN:
        return done(request, session, roles, error=WRITTEN_RULES)
    checked = set(request.POST.getlist("present"))
    # By phone: only when the rules let the chair enter their votes (the box is there then).
    phoned = set(request.POST.getlist("remote")) if session.committee.chair_votes_allowed else set()
    rows = Attendance.objects.filter(session=session).values_list("member_id", "present", "remote")
    current = {member_id: (is_present, remote) for member_id, is_present, remote in rows}
    try:
        for member in session.committee.members.select_related("user"):
            is_present = str(member.pk) in checked
            remote = is_present and str(member.pk) in phoned
            # A member without a row is absent: ticking others records only real changes.
            if current.get(member.pk, (False, False)) != (is_present, remote):
                attendance_set(
                    session=session,
                    member=member,
                    present=is_present,
                    remote=remote,
                    by=request.user,
                )
    except ValidationError as error:
        return done(request, session, roles, error=refusal(error))
    return done(request, session, roles, success="Présences enregistrées.")


@require_POST
def live_vote_open(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="chair")
    review = get_review_in(session, review_pk)
    try:
        vote_open(review=review, by=request.user)
    except ValidationError as error:
        return done(request, session, roles, error=refusal(error))
    return done(request, session, roles, success=f"Vote ouvert : {review.startup}.")


@require_POST
def live_vote_close(request, pk, review_pk):
    session, roles = get_session_for(request, pk, to="chair")
    review = get_review_in(session, review_pk)
    if session.kind == SessionKind.WRITTEN:
        return done(request, session, roles, error=WRITTEN_RULES)
    try:
        vote_close(review=review, by=request.user)
    except ValidationError as error:
        return done(request, session, roles, error=refusal(error))
    return done(request, session, roles, success=f"Vote clos : {review.startup}.")


@require_POST
def live_vote(request, pk, review_pk):
    """A vote. With htmx, the answer is the voter's part of the item alone (the form with its
    errors, or the vote recorded): no board to render while fifty people vote at once."""
    review, member = get_vote_for(request, pk, review_pk)
    session = review.session
    form = VoteForm(request.POST)
    error = None
    if form.is_valid():
        try:
            vote_cast(review=review, member=member, **form.cleaned_data)
        except ValidationError as refused:
            error = refusal(refused)
        except PermissionDenied as refused:
            error = str(refused)
        else:
            if session.kind == SessionKind.WRITTEN:  # the last vote closes it, once committed
                transaction.on_commit(partial(close_if_complete, review))
            return voted(request, session, review, "Votre vote est enregistré.")
        if error == ALREADY_VOTED:
            return voted(request, session, review, error)
    if not request.htmx and error:
        messages.error(request, error)
        return redirect("committees:session-live", pk=session.pk)
    if not request.htmx:
        # The form as typed, its errors next to its fields.
        roles = get_session_for(request, pk)[1]
        context = board_context(request, session, roles, form=form, preserve=False)
        return render(request, "committees/live.html", context, status=422)
    context = {
        "review": review,
        "session": session,
        "form": form,
        "error": error,
        "voted": False,
        "preserve": False,
    }
    return render(request, "committees/_live_vote.html", context)


@require_POST
def live_vote_for(request, pk, review_pk, member_pk):
    """A vote cast in a member's name: by the holder of their proxy, or by the chair for a
    member present by phone (voting.vote_cast's `by`). With htmx, the answer is that ballot's
    part of the item alone."""
    review, by = get_vote_for(request, pk, review_pk)
    session = review.session
    member = get_object_or_404(
        CommitteeMember.objects.select_related("user"),
        committee_id=session.committee_id,
        pk=member_pk,
    )
    form = VoteForm(request.POST, prefix=f"pour-{member.pk}")
    error = None
    if form.is_valid():
        try:
            vote = vote_cast(review=review, member=member, by=by, **form.cleaned_data)
        except ValidationError as refused:
            error = refusal(refused)
        except PermissionDenied as refused:
            error = str(refused)
        else:
            if session.kind == SessionKind.WRITTEN:  # as for a vote of one's own
                transaction.on_commit(partial(close_if_complete, review))
            return voted_for(request, session, review, member, vote_message(vote, member))
        if error == ALREADY_VOTED:
            error = f"Le vote de {member_name(member)} est déjà enregistré."
            return voted_for(request, session, review, member, error)
    if not request.htmx and error:
        messages.error(request, error)
        return redirect("committees:session-live", pk=session.pk)
    if not request.htmx:
        roles = get_session_for(request, pk)[1]
        context = board_context(request, session, roles, preserve=False)
        for item in context["items"]:
            for ballot in item.ballots:
                if ballot["member"].pk == member.pk:
                    ballot["form"] = form  # as typed, its errors next to its fields
        return render(request, "committees/live.html", context, status=422)
    phoned = Attendance.objects.filter(session=session, member=member, present=True).exists()
    mode = VoteMode.CHAIR if by.role == MemberRole.CHAIR and phoned else VoteMode.PROXY
    ballot = {"member": member, "mode": mode, "voted": False, "form": form, "message": None}
    context = {"review": review, "session": session, "ballot": ballot, "error": error}
    return render(request, "committees/_live_vote_for.html", context)


def member_name(member) -> str:
    return member.user.get_full_name() or member.user.email


def vote_message(vote, member) -> str:
    mode = getattr(vote, "mode", None)
    if mode == VoteMode.CHAIR:
        return f"Vote de {member_name(member)} saisi par la présidence."
    return f"Vote enregistré au nom de {member_name(member)}."


def voted_for(request, session, review, member, message):
    if request.htmx:
        ballot = {"member": member, "voted": True, "message": message, "form": None}
        context = {"review": review, "session": session, "ballot": ballot}
        return render(request, "committees/_live_vote_for.html", context)
    messages.success(request, message)
    return redirect("committees:session-live", pk=session.pk)


def voted(request, session, review, message):
    if request.htmx:
        context = {"review": review, "voted": True, "message": message}
        return render(request, "committees/_live_vote.html", context)
    messages.success(request, message)
    return redirect("committees:session-live", pk=session.pk)
