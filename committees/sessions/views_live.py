"""The session live: the chair notes who is present and opens and closes each item's vote,
voters vote, everyone follows without reloading (htmx polls the board every 2 s; every action
also works as a plain form, POST-redirect-GET)."""

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling
from dsfr.forms import DsfrBaseForm

from accounts import limits
from accounts.limits import TextLimits

from ..enums import VOTING_ROLES, Outcome, ReviewStatus
from ..models import Attendance, Ballot, CommitteeMember, Conflict, Review, Vote, Voter
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
    present = dict(Attendance.objects.filter(session=session).values_list("member_id", "present"))
    conflicts = set(
        Conflict.objects.filter(review__session=session).values_list("review_id", "member_id")
    )
    votes = list(Vote.objects.filter(review__session=session).order_by("cast_at", "id"))
    # Secret ballots: who voted, and apart what was chosen, by nobody.
    voters = list(Voter.objects.filter(review__session=session).order_by("cast_at", "id"))
    ballots = list(Ballot.objects.filter(review__session=session))
    by_id = {member.pk: member for member in members}
    for vote in votes:
        user = by_id[vote.member_id].user
        vote.member_name = user.get_full_name() or user.email
    for member in members:
        member.is_present = bool(present.get(member.pk))
    present_voters = {m.pk for m in members if m.role in VOTING_ROLES and present.get(m.pk)}
    me = roles.member
    follows = me is not None or roles.staff  # teams see neither votes nor names before the tally
    items = []
    for review in reviews:
        item = Item(review=review, secret=review.is_secret)
        item.eligible = {pk for pk in present_voters if (review.pk, pk) not in conflicts}
        item.votes = [vote for vote in votes if vote.review_id == review.pk]
        cast = [v for v in voters if v.review_id == review.pk] if item.secret else item.votes
        item.voters = [by_id[row.member_id] for row in cast]
        if me is not None:
            item.voted = any(row.member_id == me.pk for row in cast)
            item.can_vote = review.status == ReviewStatus.VOTING and me.pk in item.eligible
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
        "quorum": {"present": len(present_voters), "required": session.committee.quorum},
        "voting": voting,
        "follows": follows,
        "form": form or VoteForm(),
        "preserve": preserve,
        "notice": notice,
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
        notice = {"error": error} if error else {"success": success} if success else None
        context = board_context(
            request, session, roles, form=form, preserve=form is None, notice=notice
        )
        return render(request, "committees/live.html#board", context)
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
    checked = set(request.POST.getlist("present"))
    current = dict(Attendance.objects.filter(session=session).values_list("member_id", "present"))
    try:
        for member in session.committee.members.select_related("user"):
            is_present = str(member.pk) in checked
            if current.get(member.pk) != is_present:
                attendance_set(session=session, member=member, present=is_present, by=request.user)
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


def voted(request, session, review, message):
    if request.htmx:
        context = {"review": review, "voted": True, "message": message}
        return render(request, "committees/_live_vote.html", context)
    messages.success(request, message)
    return redirect("committees:session-live", pk=session.pk)
