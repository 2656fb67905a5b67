"""The PDF documents of a session: asked for, followed while workers render them, downloaded.

Who reads them: the minutes, every reader of the session (members, incubator staff, the teams on
the agenda); a dossier, the committee's members, the staff and the startup's own team; the pack
(every dossier), the members and the staff. Who asks for them (and asks again, or retries): the
committee's members and the staff. Files are served by `download` only, after that check.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseBadRequest
from django.http.response import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from startups.models import TeamMembership

from ..enums import DocumentKind, DocumentStatus
from ..models import Document, Review, Session
from ..sessions.access import SessionRoles, get_session_for, session_roles
from ..tasks import document_request
from .services import document_retry, fingerprints


def team_startups(user, roles: SessionRoles) -> set[int]:
    if not roles.team:
        return set()
    return set(TeamMembership.objects.filter(user=user).values_list("startup_id", flat=True))


def may_read(roles: SessionRoles, kind: str, review: Review | None, teams: set[int]) -> bool:
    if kind == DocumentKind.MINUTES:
        return roles.reader
    if roles.staff or roles.member is not None:
        return True
    return review is not None and review.startup_id in teams


def may_make(roles: SessionRoles) -> bool:
    return roles.staff or roles.member is not None


@dataclass
class Slot:
    """One document a page offers: the latest made or under way, if any, and whether what it
    shows has changed since."""

    session: Session
    kind: str
    review: Review | None
    document: Document | None
    stale: bool
    can_make: bool

    @property
    def label(self) -> str:
        return DocumentKind(self.kind).label

    @property
    def download_label(self) -> str:
        if self.review:
            return f"le dossier de {self.review.startup.name}"
        return {DocumentKind.PACK: "les dossiers de séance"}.get(
            self.kind, "le relevé de décisions"
        )


def with_progress(documents):
    done = Count("parts", filter=Q(parts__status=DocumentStatus.DONE))
    return documents.annotate(parts_done=done, parts_total=Count("parts"))


def session_slots(request, session: Session, roles: SessionRoles, reviews) -> list[Slot]:
    """The pack, the minutes once the session is held, and the dossiers of `reviews`, those
    this person may read: four queries at most, whatever the agenda."""
    wanted = [(DocumentKind.PACK, None)]
    if not session.is_planned:
        wanted.append((DocumentKind.MINUTES, None))
    wanted += [(DocumentKind.DOSSIER, review) for review in reviews]
    teams = team_startups(request.user, roles)
    wanted = [(kind, review) for kind, review in wanted if may_read(roles, kind, review, teams)]
    if not wanted:
        return []
    latest = {}
    for document in with_progress(session.documents.filter(pack=None)).order_by("-id"):
        latest.setdefault((document.kind, document.review_id), document)
    current = fingerprints(session)
    slots = []
    for kind, review in wanted:
        key = (kind, review.pk if review else None)
        slots.append(slot(session, kind, review, latest.get(key), current.get(key), roles))
    return slots


def slot(session, kind, review, document: Document | None, inputs, roles) -> Slot:
    stale = document is not None and document.status == DocumentStatus.DONE
    stale = stale and document.inputs != inputs
    return Slot(session, kind, review, document, stale, may_make(roles))


def slot_of(document: Document, roles: SessionRoles) -> Slot:
    inputs = fingerprints(document.session).get((document.kind, document.review_id))
    return slot(document.session, document.kind, document.review, document, inputs, roles)


def get_document_for(request, pk: int) -> tuple[Document, SessionRoles]:
    document = get_object_or_404(
        with_progress(
            Document.objects.filter(pack=None).select_related(
                "session__committee__incubator", "review__startup"
            )
        ),
        pk=pk,
    )
    roles = session_roles(request.user, document.session)
    teams = team_startups(request.user, roles)
    if not may_read(roles, document.kind, document.review, teams):
        raise PermissionDenied("Ce document est réservé au comité et à l’incubateur.")
    return document, roles


def fragment(request, slot: Slot):
    response = render(request, "committees/_document.html", {"slot": slot})
    if slot.document and not slot.document.active:
        return HttpResponseStopPolling(response.content)
    return response


def back(request, session: Session):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("committees:session", args=[session.pk])
    return redirect(target)


@require_POST
def request_document(request, pk, kind):
    """Ask for a document (again): the job is queued and the page follows it."""
    session, roles = get_session_for(request, pk)
    if not may_make(roles):
        raise PermissionDenied("Seuls les membres du comité et l’incubateur produisent les PDF.")
    if kind not in DocumentKind.values:
        raise Http404
    review = None
    if kind == DocumentKind.DOSSIER:
        review_pk = request.POST.get("review", "")
        if not review_pk.isdigit():
            return HttpResponseBadRequest("Passage manquant.")
        review = get_object_or_404(Review.objects.select_related("startup"), pk=review_pk)
        if review.session_id != session.pk:
            raise Http404
    if kind == DocumentKind.MINUTES and session.is_planned:
        raise PermissionDenied("Le relevé de décisions suit la séance.")
    document = document_request(session=session, kind=kind, review=review, by=request.user)
    if request.htmx:
        return fragment(request, slot_of(with_progress_of(document), roles))
    messages.info(request, f"{document.get_kind_display()} : le PDF est en préparation.")
    return back(request, session)


def with_progress_of(document: Document) -> Document:
    return with_progress(Document.objects.select_related("session", "review__startup")).get(
        pk=document.pk
    )


def status(request, pk):
    """The document's state, polled every 2 s while it is under way."""
    document, roles = get_document_for(request, pk)
    if not request.htmx:
        return redirect("committees:session", document.session_id)
    return fragment(request, slot_of(document, roles))


@require_POST
def retry(request, pk):
    document, roles = get_document_for(request, pk)
    if not may_make(roles):
        raise PermissionDenied("Seuls les membres du comité et l’incubateur produisent les PDF.")
    document = document_retry(document=document)
    if request.htmx:
        return fragment(request, slot_of(with_progress_of(document), roles))
    messages.info(request, "Le PDF est de nouveau en préparation.")
    return back(request, document.session)


def download(request, pk):
    """The PDF itself, to those who may read it; never from a public address."""
    document, _ = get_document_for(request, pk)
    if document.status != DocumentStatus.DONE:
        raise Http404("Ce document n’est pas encore prêt.")
    subject = document.review.startup.name if document.review_id else ""
    day = document.session.date.isoformat()
    name = slugify(f"{document.get_kind_display()} {subject} {day}") + ".pdf"
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
