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

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from metrics.budget import current_round, round_execution, totals_by_activity
from metrics.enums import BudgetNature
from metrics.figures import objective_status, rounds_spent
from metrics.models import Objective
from metrics.startup_metrics import startup_efficiency, startup_money, startup_series
from startups.models import FundingRound

from ..enums import VOTING_ROLES, Majority
from ..models import Decision, ReportComment, ReportVersion, Review, Session, round_trip
from ..reports.prefill import report_prefill
from ..reports.sections import decimal_or_none, reading
from ..sessions.decisions import Item, decisions_prefetch, grid_averages, minutes
from ..sessions.services import agenda_slots

MAJORITIES = dict(Majority.choices)
PACK_TITLE = "Dossiers de séance"


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


def dossier_context(review: Review, *, in_pack: bool = False) -> dict:
    """Everything the dossier shows, in a fixed number of queries whatever the number of
    metrics, months, rounds and decisions."""
    review = (
        Review.objects.select_related("session__committee", "startup__incubator")
        .prefetch_related(
            Prefetch("startup__funding_rounds", FundingRound.objects.order_by("start", "id")),
            "startup__sponsors",
            decisions_prefetch(),
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
        "closed": closed,
        "grid": grid_averages(review) if closed else None,
        "item": item,
        "majorities": MAJORITIES,
    }


def dossier_html(review: Review, *, in_pack: bool = False) -> str:
    """The review dossier of one startup for one session. in_pack=True: no page numbers
    (`numbered` false; the pack's merge stamps them) and the running title names the pack
    ("Dossiers de séance — <committee>, <date>") followed by the startup's name."""
    return html("dossier.html", dossier_context(review, in_pack=in_pack))


# The session pack's front matter --------------------------------------------------------------


def pack_front_html(session: Session, starts: list[tuple[Review, int]]) -> str:
    """The pack's front matter, not numbered: a cover (committee, date, place, "Dossiers de
    séance"), the agenda with each item's start time (session start + cumulated
    `duration_minutes`, like the session page shows) and a table of contents: one line per
    review with the page number (1-based, in the whole pack) its dossier starts on, given in
    `starts`, in agenda order."""
    session = Session.objects.select_related("committee").get(pk=session.pk)
    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
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
                "required": rules.quorum,
                "reached": len(voters_present) >= rules.quorum,
            },
            "majority": rules.get_majority_display(),
            "secret": rules.secret_ballot,
            "majorities": MAJORITIES,
        },
    )
