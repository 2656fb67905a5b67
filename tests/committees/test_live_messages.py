"""The live page's messages live outside the polled board: an htmx action's answer delivers them
out of band into #live-notices, so the next poll (every 2 s) does not wipe them."""

import pytest
from django.urls import reverse

from committees.enums import MemberRole
from committees.sessions.voting import attendance_set, session_open
from tests.factories import CommitteeMemberFactory, SessionFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def live(session, sponsor):
    """An open session whose chair alone is present: no quorum to open a vote."""
    chair = CommitteeMemberFactory(committee=session.committee, role=MemberRole.CHAIR).user
    CommitteeMemberFactory(committee=session.committee, user=sponsor)
    SessionFactory.set_state(session, convened=True)
    session_open(session=session, by=chair, another_day=True)
    member = session.committee.members.get(user=chair)
    attendance_set(session=session, member=member, present=True, by=chair)
    return {"session": session, "review": session.reviews.get(), "chair": chair}


def outside_board(html: str) -> str:
    """The answer without the board (`#live-board`, the polled target, comes first)."""
    board_end = html.index('<div id="live-notices"')
    return html[board_end:]


def test_a_refusal_comes_out_of_band_outside_the_polled_board(client, live):
    client.force_login(live["chair"])
    url = reverse("committees:session-live-vote-open", args=[live["session"].pk, live["review"].pk])
    html = client.post(url, headers=HTMX).content.decode()
    notices = outside_board(html)
    assert 'hx-swap-oob="true"' in notices
    assert 'role="status"' in notices
    assert "Quorum non atteint :" in notices
    assert "data-dismiss-alert" in notices  # stays until dismissed
    board = html[: html.index('<div id="live-notices"')]
    assert "Quorum non atteint :" not in board  # the refusal, not the item's own warning


def test_the_polled_board_carries_no_message(client, live):
    client.force_login(live["chair"])
    board = reverse("committees:session-live-board", args=[live["session"].pk])
    html = client.get(board, headers=HTMX).content.decode()
    assert "live-notices" not in html


def test_the_full_page_has_an_empty_notice_region_outside_the_board(client, live):
    client.force_login(live["chair"])
    page = reverse("committees:session-live", args=[live["session"].pk])
    html = client.get(page).content.decode()
    assert html.index('id="live-notices"') < html.index('id="live-board"')
    assert "hx-swap-oob" not in html
