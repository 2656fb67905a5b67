"""The content of the three PDF documents (DESIGN §5): the review dossier of one startup, the
front matter of a session pack (cover, agenda, table of contents) and the minutes, as HTML for
`committees.pdf.render`.

Each is built from the functions the web pages use: the report reading page's sections
(`sections.reading`) and frozen figures (`prefill`), the startup's metrics, money and cost per
impact (`metrics.startup_metrics`), the minutes' data (`decisions.minutes`), the agenda's times
(`sessions.agenda_slots`). Templates in templates/committees/pdf/, styles in static/css/pdf.css.

A document is final (no "Document de travail — diffusion restreinte" mark) once its session is
closed, and for a dossier once its review has a decision too.
"""

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from metrics.budget import current_round, round_execution, totals_by_activity
from metrics.enums import BudgetNature
from metrics.figures import objective_status, rounds_spent
from metrics.models import Objective
from metrics.startup_metrics import startup_efficiency, startup_money, startup_series
from startups.models import Contribution, FundingRound, Organisation

from ..enums import GRID, GRID_BLOCKS, VOTING_ROLES, Majority, Outcome
from ..models import (
    Decision,
    ReportComment,
    ReportSection,
    ReportVersion,
    Review,
    Session,
    round_trip,
)
from ..reports.prefill import report_prefill
from ..reports.sections import decimal_or_none, reading
from ..sessions.decisions import (
    Item,
    decisions_prefetch,
    grid_averages,
    minutes,
    questions_prefetch,
)
from ..sessions.services import agenda_slots

MAJORITIES = dict(Majority.choices)
PACK_TITLE = "Dossiers de séance"
GRID_SCORES = range(1, 6)
EURO = Decimal(1)


def session_on(session: Session) -> str:
    """ "8 décembre 2026"."""
    return formats.date_format(session.date, "j F Y")


def pack_title(session: Session) -> str:
    return f"{PACK_TITLE} — {session.committee.name}, {session_on(session)}"


def html(template: str, context: dict) -> str:
    with translation.override("fr"):
        return render_to_string(f"committees/pdf/{template}", context)


# The review dossier ---------------------------------------------------------------------------


def submitted_version(review: Review) -> ReportVersion | None:
    """The version the sponsors read: the last submitted one (accepted or not); never a draft."""
    return (
        ReportVersion.objects.filter(
            report__startup_id=review.startup_id,
            report__semester=review.semester.key,
            submitted_at__isnull=False,
        )
        .select_related("report", "submitted_by")
        .prefetch_related(
            "sections",
            Prefetch("comments", ReportComment.objects.select_related("author")),
        )
        .order_by("-number")
        .first()
    )


def review_comments(version: ReportVersion | None) -> dict[str, list[ReportComment]]:
    """The incubator's review comments on the version the sponsors read, by section."""
    comments: dict[str, list[ReportComment]] = {}
    for comment in version.comments.all() if version else []:
        comments.setdefault(comment.section, []).append(comment)
    return comments


def previous_decisions(review: Review, series) -> list[dict]:
    """The startup's decisions in force from earlier sessions, the latest first, each with the
    objectives it set and whether they were met (from the metrics' values, as the report's
    objectives are)."""
    session = review.session
    monthly = {s.metric.pk: s for s in series}
    decisions = (
        Decision.objects.filter(
            review__startup_id=review.startup_id,
            review__session__starts_at__lt=session.starts_at,
            correction__isnull=True,
        )
        .select_related("review__session__committee")
        .prefetch_related(
            Prefetch("objectives", Objective.objects.select_related("metric").order_by("due_on"))
        )
        .order_by("-review__session__starts_at", "-id")
    )
    rows = []
    for decision in decisions:
        objectives = []
        for objective in decision.objectives.all():
            metric = monthly.get(objective.metric_id)
            objectives.append(
                {
                    "objective": objective,
                    "metric": metric.metric if metric else None,
                    "met": objective_status(
                        target=objective.target,
                        due_on=objective.due_on,
                        direction=metric.metric.direction,
                        monthly=metric.monthly,
                        today=metric.today,
                    )
                    if metric
                    else None,
                }
            )
        rows.append({"decision": decision, "objectives": objectives})
    return rows


def grid_sheet() -> dict:
    """The sponsors' grid to score on paper: its questions, numbered, in the programme's three
    blocks (`enums.GRID_BLOCKS`), and the scores to tick."""
    labels = dict(GRID)
    numbers = iter(range(1, len(GRID) + 1))
    return {
        "blocks": [
            {"title": title, "questions": [(next(numbers), labels[key]) for key in keys]}
            for title, keys in GRID_BLOCKS
        ],
        "scores": GRID_SCORES,
    }


def decision_options() -> list[dict]:
    """The three decisions a committee takes, with what each means."""
    return [
        {"value": outcome.value, "label": outcome.label, "meaning": outcome.meaning}
        for outcome in Outcome
    ]


def dossier_context(review: Review, *, in_pack: bool = False) -> dict:
    """Everything the dossier shows, in a fixed number of queries whatever the number of
    metrics, months, rounds and decisions."""
    review = (
        Review.objects.select_related("session__committee", "startup__incubator")
        .prefetch_related(
            Prefetch("startup__funding_rounds", FundingRound.objects.order_by("start", "id")),
            "startup__sponsors",
            decisions_prefetch(),
            questions_prefetch(),
        )
        .get(pk=review.pk)
    )
    session, startup = review.session, review.startup
    today = timezone.localdate()
    version = submitted_version(review)
    if version:
        data = {section.key: section.data for section in version.sections.all()}
        prefill = version.prefill
    else:
        data = {}
        prefill = report_prefill(
            startup, semester=review.semester, today=today, decided_before=session.starts_at
        )
    asked = data.get("request", {})
    # What the agenda item says, else what the report asks for.
    requested = {
        "amount": review.requested_amount
        if review.requested_amount is not None
        else decimal_or_none(asked.get("amount")),
        "months": review.requested_months or asked.get("duration_months") or None,
    }
    sections = reading(data, prefill, amount=requested["amount"])
    series = startup_series(startup, today=today)
    budget_lines, rounds = startup_money(startup)
    efficiency = startup_efficiency(series, budget_lines=budget_lines, rounds=rounds, today=today)
    spent, total_spent = rounds_spent(rounds, budget_lines)
    closed = session.is_closed
    # Only the decisions are read: the votes' names belong to the minutes.
    item = Item(review, votes=False)
    final = closed and item.decision is not None
    name = f"Dossier d’examen — {startup.name}"
    return {
        "title": f"{pack_title(session)} — {startup.name}" if in_pack else name,
        "numbered": not in_pack,
        "final": final,
        "heading": name,
        "session": session,
        "committee": session.committee,
        "session_on": session_on(session),
        "today": today,
        "review": review,
        "startup": startup,
        "semester": review.semester,
        "requested": requested,
        "version": version,
        "comments": review_comments(version),
        "prefill": prefill,
        "sections": sections,
        "series": series,
        "efficiency": efficiency,
        "rounds": [(r, spent[r.pk]) for r in rounds],
        "granted": sum((r.amount_granted for r in rounds), 0),
        "spent": total_spent,
        "activities": [
            {"activity": label, "committed": t.actual_committed, "paid": t.actual_paid}
            for label, t in totals_by_activity(
                [line for line in budget_lines if line.nature == BudgetNature.ACTUAL]
            )
        ],
        "execution": round_trip(round_execution(running, budget_lines, today=today))
        if (running := current_round(rounds, today))
        else None,
        "previous": previous_decisions(review, series),
        # The members' questions and the team's answers, part of the record.
        "questions": item.questions,
        "closed": closed,
        "grid": grid_averages(review) if closed else None,
        "item": item,
        "majorities": MAJORITIES,
        # The grid and the decisions to mark on paper (committees/pdf/_grid_sheet.html).
        "grid_sheet": grid_sheet(),
        "options": decision_options(),
    }


def dossier_html(review: Review, *, in_pack: bool = False) -> str:
    """The review dossier of one startup for one session. in_pack=True: no page numbers
    (`numbered` false; the pack's merge stamps them) and the running title names the pack
    ("Dossiers de séance — <committee>, <date>") followed by the startup's name."""
    return html("dossier.html", dossier_context(review, in_pack=in_pack))


# The session pack's front matter --------------------------------------------------------------


def split(amount: Decimal, weights: dict) -> dict:
    """`amount` in proportion of `weights` (in their order), in whole euros rounded down, and
    what is left, cents included, to the first: the shares add up to `amount` exactly, and so
    do their whole-euro figures in print."""
    total = sum(weights.values())
    shares = {
        key: (amount * weight / total).quantize(EURO, ROUND_DOWN) for key, weight in weights.items()
    }
    first = next(iter(shares))
    shares[first] += amount - sum(shares.values())
    return shares


def request_weights(review: Review) -> dict:
    """Whom a startup's request falls on: its sponsor organisations, in proportion of their
    contributions to its last round begun by the session day (not a round this item's decision
    made), else its sponsors in equal parts, else no one (the key None). From the prefetches."""
    made_here = {decision.funding_round_id for decision in review.decisions.all()}
    rounds = [
        r
        for r in review.startup.funding_rounds.all()
        if r.pk not in made_here and r.start <= review.session.date
    ]
    weights: dict = {}
    for contribution in rounds[-1].contributions.all() if rounds else []:
        if contribution.organisation:
            weights[contribution.organisation] = (
                weights.get(contribution.organisation, Decimal(0)) + contribution.amount
            )
    if not sum(weights.values()):
        weights = dict.fromkeys(review.startup.sponsors.all(), Decimal(1))
    return weights or {None: Decimal(1)}


def granted_parts(decision: Decision, rounds: dict[int, FundingRound]) -> dict:
    """Who pays what a decision granted: the contributions of the round it made (an
    organisation, or a funder by name), and what they leave unassigned under the key None."""
    parts: dict = {}
    funding_round = rounds.get(decision.funding_round_id)
    for contribution in funding_round.contributions.all() if funding_round else []:
        funder = contribution.organisation or contribution.funder
        parts[funder] = parts.get(funder, Decimal(0)) + contribution.amount
    if left := decision.amount - sum(parts.values(), Decimal(0)):
        parts[None] = parts.get(None, Decimal(0)) + left
    return parts


@dataclass
class FunderShare:
    """One funder's part of the session's money: an organisation, a fund by name, or no one."""

    funder: Organisation | str | None
    asked: Decimal = Decimal(0)
    recommended: Decimal = Decimal(0)
    granted: Decimal = Decimal(0)

    @property
    def name(self) -> str:
        if isinstance(self.funder, Organisation):
            funder = self.funder
            return f"{funder.name} ({funder.acronym})" if funder.acronym else funder.name
        return self.funder or "Sans sponsor"

    @property
    def order(self) -> tuple:
        kind = 0 if isinstance(self.funder, Organisation) else 1 if self.funder else 2
        return (kind, self.name.lower())


@dataclass
class SessionMoney:
    """The session summed up: asked (each item's request) and, once the session is closed,
    granted (each item's decision in force), in all and by funder."""

    closed: bool
    asked: dict[int, Decimal | None] = field(default_factory=dict)
    recommended: dict[int, Decimal | None] = field(default_factory=dict)
    granted: dict[int, Decimal | None] = field(default_factory=dict)
    funders: dict = field(default_factory=dict)

    @property
    def total_asked(self) -> Decimal:
        return sum((a for a in self.asked.values() if a is not None), Decimal(0))

    @property
    def total_recommended(self) -> Decimal:
        return sum((r for r in self.recommended.values() if r is not None), Decimal(0))

    @property
    def not_recommended(self) -> int:
        return sum(amount is None for amount in self.recommended.values())

    @property
    def total_granted(self) -> Decimal:
        return sum((g for g in self.granted.values() if g is not None), Decimal(0))

    @property
    def not_asked(self) -> int:
        return sum(amount is None for amount in self.asked.values())

    @property
    def undecided(self) -> int:
        return sum(amount is None for amount in self.granted.values())

    @property
    def by_funder(self) -> list[FunderShare]:
        return sorted(self.funders.values(), key=lambda share: share.order)

    def add(self, parts: dict, what: str) -> None:
        for funder, amount in parts.items():
            share = self.funders.setdefault(funder, FunderShare(funder))
            setattr(share, what, getattr(share, what) + amount)


def session_money(session: Session, reviews: list[Review]) -> SessionMoney:
    """What the items ask (the agenda item's amount, else the last submitted report's, as the
    dossier says) and, the session closed, what their decisions in force granted, by funder: a
    request falls on the startup's sponsors as `request_weights` says, a grant on the
    contributions of the round it made. `reviews` come with `money_prefetch()`; at most one
    more query (the reports' requests)."""
    semester = reviews[0].semester.key if reviews else None
    missing = [r.startup_id for r in reviews if r.requested_amount is None]
    requests = (
        ReportSection.objects.filter(
            key="request",
            version__report__startup_id__in=missing,
            version__report__semester=semester,
            version__submitted_at__isnull=False,
        )
        .order_by("version__number")
        .values_list("version__report__startup_id", "data")
        if missing
        else []
    )
    # The last submitted version's, as versions come in order.
    reported = {startup_id: decimal_or_none(data.get("amount")) for startup_id, data in requests}
    money = SessionMoney(closed=session.is_closed)
    for review in reviews:
        asked = review.requested_amount
        if asked is None:
            asked = reported.get(review.startup_id)
        money.asked[review.pk] = asked
        if asked:
            money.add(split(asked, request_weights(review)), "asked")
        money.recommended[review.pk] = review.recommended_amount
        if review.recommended_amount:
            money.add(split(review.recommended_amount, request_weights(review)), "recommended")
        if money.closed:
            decisions = list(review.decisions.all())
            decision = decisions[-1] if decisions else None
            money.granted[review.pk] = decision.amount if decision else None
            if decision:
                rounds = {r.pk: r for r in review.startup.funding_rounds.all()}
                money.add(granted_parts(decision, rounds), "granted")
    return money


def money_prefetch() -> list[Prefetch]:
    """What `session_money` reads of each item: 4 queries whatever the agenda."""
    contributions = Contribution.objects.select_related("organisation").order_by("id")
    return [
        Prefetch("startup__sponsors", Organisation.objects.order_by("name", "id")),
        Prefetch(
            "startup__funding_rounds",
            FundingRound.objects.order_by("start", "id").prefetch_related(
                Prefetch("contributions", contributions)
            ),
        ),
        Prefetch("decisions", Decision.objects.order_by("recorded_at", "id")),
    ]


def pack_front_html(session: Session, starts: list[tuple[Review, int]]) -> str:
    """The pack's front matter, not numbered: a cover (committee, date, place, "Dossiers de
    séance"), the agenda with each item's start time (session start + cumulated
    `duration_minutes`, like the session page shows) and amount asked, the session's money
    (`session_money`: asked and, once closed, granted, in all and by sponsor) and a table of
    contents: one line per review with the page number (1-based, in the whole pack) its
    dossier starts on, given in `starts`, in agenda order. 7 queries whatever the agenda (6
    when every item has its amount)."""
    session = Session.objects.select_related("committee").get(pk=session.pk)
    reviews = list(
        session.reviews.select_related("startup")
        .prefetch_related(*money_prefetch())
        .order_by("position", "id")
    )
    return html(
        "pack_front.html",
        {
            "title": pack_title(session),
            "numbered": False,
            "final": session.is_closed,
            "session": session,
            "committee": session.committee,
            "session_on": session_on(session),
            "slots": agenda_slots(session, reviews),
            "money": session_money(session, reviews),
            "starts": starts,
        },
    )


# The minutes ------------------------------------------------------------------------------------


def minutes_html(session: Session) -> str:
    """The minutes ("Relevé de décisions"), numbered: attendance (present / excused / absent,
    the quorum), then each agenda item: the decision (outcome, amount, months, conditions,
    objectives set, the tally with the committee's majority rule; a secret ballot gives counts
    only), corrections after the close shown as such."""
    session = Session.objects.select_related("committee").get(pk=session.pk)
    committee = session.committee
    context = minutes(session)
    recorded = {member.pk for member in context["present"] + context["absent"]}
    members = committee.members.select_related("user").order_by("role", "user__last_name", "id")
    voters_present = [m for m in context["present"] if m.role in VOTING_ROLES]
    # Represented for the whole session by a voting member present: they count in the quorum.
    present_ids = {m.pk for m in voters_present}
    represented = {
        proxy.giver_id
        for proxy in context["proxies"]
        if proxy.review_id is None
        and proxy.holder_id in present_ids
        and proxy.giver_id not in present_ids
        and committee.proxies_allowed
    }
    # The rules fixed when the first vote opened; the committee's own before any vote.
    voted = [item.review for item in context["items"] if item.review.majority]
    rules = voted[0] if voted else committee
    return html(
        "minutes.html",
        context
        | {
            "title": f"Relevé de décisions — {committee.name}, {session_on(session)}",
            "numbered": True,
            "final": session.is_closed,
            "session_on": session_on(session),
            "unrecorded": [m for m in members if m.pk not in recorded],
            "quorum": {
                "present": len(voters_present),
                "represented": len(represented),
                "required": rules.quorum,
                "reached": len(voters_present) + len(represented) >= rules.quorum,
            },
            "majority": rules.get_majority_display(),
            "secret": rules.secret_ballot,
            "majorities": MAJORITIES,
        },
    )
