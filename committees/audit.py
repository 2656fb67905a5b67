"""The audit trail: one row per thing done to a committee, a session, its agenda, its votes and
its decisions, written in the same transaction as the change it records."""

from .models import AuditEvent


def audit(*, action, actor, session=None, review=None, committee=None, **detail) -> AuditEvent:
    if review is not None and session is None:
        session = review.session
    if session is not None and committee is None:
        committee = session.committee
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        session=session,
        review=review,
        committee=committee,
        detail=detail,
    )
