"""The teams' members from espace-membre, the programme's members' space, as proposals.

espace-membre (`betagouv/espace-membre-next`) is the master of people and missions. Its
protected API (`src/app/api/protected/`, documented by its `openapi.json` route) gives, for a
startup's ghid (our `Startup.slug`), its members with their `primary_email` and `missions`
(`start`, `end`, `status`, `employer`, `startups`: `[{uuid, ghid}]`), and for a username the
member's detail, with `domaine`. docs/data.md lists each shape and where it was read.

`members_sync` reads, for every startup in the programme that an incubator using Comité
follows (an incubator with staff here), its members, then writes in one transaction, or fails
having written nothing but its record (`MemberSync`):
- a person whose mission on the startup is active today (start ≤ today, no end or end ≥ today)
  and who is not in the team is proposed (`join`), with the role mapped from their `domaine`
  (`DOMAINE_ROLES`; one detail request per new person);
- a member whose membership came from espace-membre and who has no active mission there any
  more, or is no longer listed there, is proposed to leave (`end`): nobody is removed
  overnight by the source.
A proposal is made once per startup, address, kind and mission start: the next sync proposes
nothing again, accepted, refused or still waiting. The staff accept them (`services.py`).
"""

import datetime
import json
import logging
import zoneinfo
from collections import Counter
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User, normalize_email
from comite import http

from .enums import (
    DOMAINE_ROLES,
    MembershipOrigin,
    ProposalKind,
    ProposalStatus,
    SyncStatus,
    TeamRole,
)
from .models import MembershipProposal, MemberSync, Startup, TeamMembership

logger = logging.getLogger(__name__)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

MAX_BYTES = 5 * http.MB
NO_KEY = (
    "ESPACE_MEMBRE_API_KEY n’est pas renseignée : la lecture d’espace-membre est impossible. "
    "Demandez une clé à l’équipe du programme et mettez-la dans l’environnement."
)


class SyncFailed(Exception):
    """espace-membre answered something that cannot be used; the message is French."""


# Reading the API -------------------------------------------------------------------------------


def headers() -> dict[str, str]:
    """The key, as both ways espace-membre's middleware reads it: `X-Api-Key` (the middleware
    and the OpenAPI document's `ApiKeyAuth`) and `Authorization: Bearer em1_…` (`bearer.ts`)."""
    key = settings.ESPACE_MEMBRE_API_KEY
    return {"X-Api-Key": key, "Authorization": f"Bearer {key}", "Accept": "application/json"}


def fetch(path: str, *, missing_ok: bool = False):
    """The JSON at `path` of the protected API; None for a 404 when `missing_ok`."""
    url = f"{settings.ESPACE_MEMBRE_URL.rstrip('/')}/api/protected/{path}"
    try:
        # The key is in the headers: no redirect is followed (a 3xx is a failure).
        body = http.get(url, max_bytes=MAX_BYTES, headers=headers(), follow_redirects=False)
    except http.OutboundError as error:
        if missing_ok and str(error).startswith("Réponse HTTP 404 "):
            return None
        if str(error).startswith(("Réponse HTTP 401 ", "Réponse HTTP 422 ")):
            raise SyncFailed(
                f"espace-membre refuse la clé ESPACE_MEMBRE_API_KEY ({error})"
            ) from None
        raise
    try:
        return json.loads(body)
    except ValueError as error:
        raise SyncFailed(f"{path} n’est pas du JSON valide : {error}") from None


def date_of(value, what: str) -> datetime.date | None:
    """A mission's date. zod's `z.coerce.date()` makes it a JavaScript Date, which JSON prints
    as a UTC datetime: "2024-01-15T00:00:00.000Z", or "2024-01-14T23:00:00.000Z" for a midnight
    in Paris. Read in Paris time, both are the 15th. A plain date is read as it is."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise SyncFailed(f"{what} : une date était attendue")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise SyncFailed(f"{what} : date illisible « {value} »") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return moment.date()


def missions_of(
    member: dict, ghid: str, what: str
) -> list[tuple[datetime.date, datetime.date | None, str]]:
    """(start, end, employer) of the member's missions on this startup."""
    missions = member.get("missions")
    if not isinstance(missions, list):
        raise SyncFailed(f"{what} : « missions » doit être une liste")
    found = []
    for mission in missions:
        if not isinstance(mission, dict) or not isinstance(mission.get("startups"), list):
            raise SyncFailed(f"{what} : mission illisible")
        if not any(isinstance(s, dict) and s.get("ghid") == ghid for s in mission["startups"]):
            continue
        start = date_of(mission.get("start"), f"{what}, début de mission")
        if start is None:
            raise SyncFailed(f"{what} : mission sans début")
        employer = mission.get("employer") or ""
        found.append((start, date_of(mission.get("end"), f"{what}, fin de mission"), str(employer)))
    return found


def members_of(payload, ghid: str) -> list[dict]:
    what = f"startups/{ghid}/members"
    if not isinstance(payload, list):
        raise SyncFailed(f"{what} : une liste de membres était attendue")
    members = []
    for index, member in enumerate(payload):
        if not isinstance(member, dict) or not isinstance(member.get("username"), str):
            raise SyncFailed(f"{what}, membre {index + 1} : « username » absent")
        where = f"{what}, {member['username']}"
        email = member.get("primary_email")
        if email is not None and not isinstance(email, str):
            raise SyncFailed(f"{where} : « primary_email » doit être un texte")
        members.append(
            {
                "username": member["username"],
                "name": str(member.get("fullname") or member["username"]),
                "email": normalize_email(email) if email else "",
                "missions": missions_of(member, ghid, where),
            }
        )
    return members


def domaine_of(username: str) -> str:
    detail = fetch(f"members/{quote(username, safe='')}", missing_ok=True)
    if detail is None:
        return ""
    if not isinstance(detail, dict):
        raise SyncFailed(f"members/{username} : un objet était attendu")
    domaine = detail.get("domaine")
    return domaine if isinstance(domaine, str) else ""


# The sync --------------------------------------------------------------------------------------


def followed_startups():
    """The startups in the programme that an incubator using Comité (with staff) follows."""
    return (
        Startup.objects.active()
        .filter(Q(incubator__staff__isnull=False) | Q(co_incubators__staff__isnull=False))
        .distinct()
        .order_by("slug")
    )


def active(start: datetime.date, end: datetime.date | None, today: datetime.date) -> bool:
    return start <= today and (end is None or end >= today)


def proposals_for(startup: Startup, members: list[dict], *, today, counts: Counter) -> list:
    """The proposals this startup's members call for, not yet made (unsaved)."""
    team = {
        membership.user.email: membership
        for membership in TeamMembership.objects.filter(startup=startup).select_related("user")
    }
    made = set(
        MembershipProposal.objects.filter(startup=startup).values_list(
            "email", "kind", "mission_start"
        )
    )
    proposals = []
    for member in members:
        if not member["email"]:
            counts["without_email"] += 1
            continue
        current = [m for m in member["missions"] if active(*m[:2], today)]
        membership = team.get(member["email"])
        if current:
            start, end, employer = max(current)
            if membership or (member["email"], ProposalKind.JOIN, start) in made:
                counts["unchanged"] += 1
                continue
            domaine = domaine_of(member["username"])
            proposals.append(
                MembershipProposal(
                    startup=startup,
                    kind=ProposalKind.JOIN,
                    email=member["email"],
                    name=member["name"][:300],
                    role=DOMAINE_ROLES.get(domaine, TeamRole.OTHER),
                    domaine=domaine[:100],
                    mission_start=start,
                    mission_end=end,
                    employer=employer[:300],
                )
            )
            counts["proposed"] += 1
            continue
        ended = [m for m in member["missions"] if m[1] is not None and m[1] < today]
        if not (ended and membership and membership.origin == MembershipOrigin.ESPACE_MEMBRE):
            counts["not_active"] += 1
            continue
        start, end, employer = max(ended, key=lambda m: m[1])
        if (member["email"], ProposalKind.END, start) in made:
            counts["unchanged"] += 1
            continue
        proposals.append(
            MembershipProposal(
                startup=startup,
                kind=ProposalKind.END,
                email=member["email"],
                name=member["name"][:300],
                role=membership.role,
                mission_start=start,
                mission_end=end,
                employer=employer[:300],
            )
        )
        counts["ends_proposed"] += 1
    # A member from espace-membre that it no longer lists at all is proposed to leave too,
    # with the mission they joined for.
    listed = {member["email"] for member in members}
    joined = {
        p.email: p
        for p in MembershipProposal.objects.filter(
            startup=startup, kind=ProposalKind.JOIN, status=ProposalStatus.ACCEPTED
        ).order_by("mission_start")
    }
    for email, membership in team.items():
        if membership.origin != MembershipOrigin.ESPACE_MEMBRE or email in listed:
            continue
        start = joined[email].mission_start if email in joined else today
        if (email, ProposalKind.END, start) in made:
            continue
        proposals.append(
            MembershipProposal(
                startup=startup,
                kind=ProposalKind.END,
                email=email,
                name=str(membership.user)[:300],
                role=membership.role,
                mission_start=start,
            )
        )
        counts["ends_proposed"] += 1
    return proposals


def members_sync(*, today: datetime.date) -> MemberSync:
    """Read espace-membre and write the proposals, in one transaction; the record of the run,
    done with its counts, or failed with its reason having proposed nothing."""
    started_at = timezone.now()
    counts: Counter = Counter()
    try:
        if not settings.ESPACE_MEMBRE_API_KEY:
            raise SyncFailed(NO_KEY)
        startups = list(followed_startups())
        read = []
        for startup in startups:
            payload = fetch(f"startups/{quote(startup.slug, safe='')}/members", missing_ok=True)
            if payload is None:
                counts["startups_unknown"] += 1
                continue
            read.append((startup, members_of(payload, startup.slug)))
            counts["startups_read"] += 1
        proposals = [
            proposal
            for startup, members in read
            for proposal in proposals_for(startup, members, today=today, counts=counts)
        ]
        with transaction.atomic():
            MembershipProposal.objects.bulk_create(proposals)
            return MemberSync.objects.create(
                status=SyncStatus.DONE, started_at=started_at, counts=dict(+counts)
            )
    except (http.OutboundError, SyncFailed) as error:
        reason = str(error)
    except IntegrityError:
        reason = "Une autre lecture d’espace-membre a proposé les mêmes membres en même temps."
    except Exception as error:
        logger.exception("Lecture d’espace-membre : erreur inattendue")
        reason = f"Erreur inattendue ({type(error).__name__}) : {error}"
    logger.warning("Lecture d’espace-membre échouée : %s", reason)
    return MemberSync.objects.create(status=SyncStatus.FAILED, started_at=started_at, reason=reason)


# Accepting -------------------------------------------------------------------------------------


def invited_user(proposal: MembershipProposal) -> User:
    """The account with the proposal's address; made when there is none, as people are
    invited (docs/permissions.md): active, with no usable password, so that ProConnect or a
    magic link signs them in by their address."""
    user = User.objects.filter(email=normalize_email(proposal.email)).first()
    if user is not None:
        return user
    first_name, _, last_name = proposal.name.partition(" ")
    return User.objects.create_user(
        proposal.email, first_name=first_name[:150], last_name=last_name[:150]
    )


def proposal_accept(*, proposal: MembershipProposal, by) -> bool:
    """Accept a waiting proposal, in one transaction: the person joins the team (their account
    made if need be) or, for an end, the membership from espace-membre ends. False when the
    proposal was decided already (a double click, another staff member): nothing is done."""
    with transaction.atomic():
        claimed = MembershipProposal.objects.filter(
            pk=proposal.pk, status=ProposalStatus.PROPOSED
        ).update(status=ProposalStatus.ACCEPTED, decided_at=timezone.now(), decided_by=by)
        if not claimed:
            return False
        if proposal.kind == ProposalKind.JOIN:
            TeamMembership.objects.get_or_create(
                user=invited_user(proposal),
                startup_id=proposal.startup_id,
                defaults={"role": proposal.role, "origin": MembershipOrigin.ESPACE_MEMBRE},
            )
        else:
            TeamMembership.objects.filter(
                startup_id=proposal.startup_id,
                user__email=normalize_email(proposal.email),
                origin=MembershipOrigin.ESPACE_MEMBRE,
            ).delete()
    return True


def proposals_accept(*, startup: Startup, by) -> int:
    """Accept every waiting proposal of the startup; how many this call accepted."""
    with transaction.atomic():
        waiting = MembershipProposal.objects.open().filter(startup=startup).order_by("pk")
        return sum(proposal_accept(proposal=p, by=by) for p in waiting.select_for_update())


def proposal_reject(*, proposal: MembershipProposal, by) -> bool:
    """Refuse a waiting proposal: nothing changes in the team, and it is not proposed again."""
    return bool(
        MembershipProposal.objects.filter(pk=proposal.pk, status=ProposalStatus.PROPOSED).update(
            status=ProposalStatus.REJECTED, decided_at=timezone.now(), decided_by=by
        )
    )
