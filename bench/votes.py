"""Votes through the real HTTP stack: gunicorn with 2 sync workers on PostgreSQL (or on the
embedded SQLite, with DATABASE_URL=sqlite:///…: `make run`'s default, the lock rounds left out).

Run by bench/run.py, which sets DATABASE_URL (a database recreated each run) and the rest of the
environment. Builds an open session with 50 voting members present and two agenda items, then:

- spread: the first item's vote open, 50 voters (each logged in with their own session cookie)
  post their vote at random moments within the same 5 s: median and 95th percentile latency;
- burst: the second item's vote open, 50 voters post at the same instant (threads released by a
  barrier): the slowest answer;

each as the browser sends it (htmx POST, answered with the refreshed board), each on a new
connection, and checks that each item has exactly 50 votes in the database. Prints one JSON
object on stdout.
"""

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import urlencode

import django

ROOT = Path(__file__).resolve().parent.parent
VOTERS = 50
SPREAD_S = 5.0


def main() -> None:
    django.setup()
    with redirect_stdout(sys.stderr):
        result = measure()
    print(json.dumps(result))


def measure() -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    sitting = build()
    port = free_port()
    server = start_gunicorn(port)
    try:
        wait_until_up(port, sitting)
        spread, spread_votes = run_round(port, sitting, sitting["reviews"][0], burst=False)
        burst, burst_votes = run_round(port, sitting, sitting["reviews"][1], burst=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    from django.db import connection

    if connection.vendor == "sqlite":  # the lock rounds compare PostgreSQL's row locks
        share = update = None
    else:
        share = lock_round(sitting, sitting["reviews"][2], lock="FOR SHARE")
        update = lock_round(sitting, sitting["reviews"][3], lock="FOR UPDATE")
    return {
        "vote_spread_median_ms": round(statistics.median(spread), 1),
        "vote_spread_p95_ms": round(percentile(spread, 95), 1),
        "vote_burst_max_ms": round(max(burst), 1),
        "votes_recorded": min(spread_votes, burst_votes),
        "info": {
            "votes in the database (spread, burst)": f"{spread_votes}, {burst_votes}",
            "burst median ms": round(statistics.median(burst), 1),
            "spread max ms": round(max(spread), 1),
            "50 vote_cast at once in-process, slowest, item locked FOR SHARE ms": share,
            "… the same, item locked FOR UPDATE ms": update,
        },
    }


def build() -> dict:
    """An open session, its chair, 50 voting members present, two items; a session cookie and a
    CSRF token per voter."""
    from django.test import Client
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from committees.models import Committee, Review, Session
    from committees.sessions.voting import attendance_set, session_open
    from tests.factories import CommitteeMemberFactory, IncubatorFactory, StartupFactory

    incubator = IncubatorFactory(slug="bench-votes", title="Incubateur du bench")
    committee = Committee.objects.create(name="Comité du bench", incubator=incubator, quorum=26)
    now = timezone.now()
    session = Session.objects.create(
        committee=committee, starts_at=now, status="convened", convened_at=now
    )
    reviews = [
        Review.objects.create(session=session, startup=StartupFactory(incubator=incubator))
        for _ in range(4)
    ]
    chair = CommitteeMemberFactory(committee=committee, role="chair").user
    session_open(session=session, by=chair)
    members = [CommitteeMemberFactory(committee=committee) for _ in range(VOTERS)]
    cookies = []
    for member in members:
        attendance_set(session=session, member=member, present=True, by=chair)
        client = Client()
        client.force_login(member.user)
        csrf = get_random_string(32)
        cookies.append((client.cookies["sessionid"].value, csrf))
    return {"session": session, "reviews": reviews, "chair": chair, "voters": cookies}


def run_round(port: int, sitting: dict, review, *, burst: bool) -> tuple[list[float], int]:
    from django.db import connection

    from committees.models import Vote
    from committees.sessions.voting import vote_close, vote_open

    vote_open(review=review, by=sitting["chair"])
    connection.close()  # no transaction or connection held by this process during the round
    path = f"/seances/{sitting['session'].pk}/direct/{review.pk}/voter/"
    latencies, failures = [], []
    barrier = threading.Barrier(VOTERS)
    start = time.monotonic() + 0.5

    def voter(cookie):
        if burst:
            barrier.wait()
        else:
            time.sleep(max(0.0, start + random.uniform(0, SPREAD_S) - time.monotonic()))
        try:
            elapsed, status, body = post_vote(port, path, cookie)
        except OSError as error:
            failures.append(repr(error))
            return
        if status != 200 or "Votre vote est enregistré" not in body:
            failures.append(f"HTTP {status}")
        latencies.append(elapsed)

    threads = [threading.Thread(target=voter, args=(c,)) for c in sitting["voters"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    votes = Vote.objects.filter(review=review).count()
    vote_close(review=review, by=sitting["chair"])
    if failures:
        print(f"  {len(failures)} failed votes: {failures[:3]}", file=sys.stderr)
    return latencies, votes


def lock_round(sitting: dict, review, *, lock: str) -> float:
    """50 threads call vote_cast at the same instant, each on its own connection, the item's
    row locked FOR SHARE (as shipped) or FOR UPDATE (the alternative): the slowest, in ms."""
    from django.db import connection, connections

    from committees.models import CommitteeMember, Review, Vote
    from committees.sessions import voting

    voting.vote_open(review=review, by=sitting["chair"])
    review = Review.objects.select_related("session__committee").get(pk=review.pk)
    members = list(
        CommitteeMember.objects.filter(committee=review.session.committee, role="voter")
        .select_related("user")
        .order_by("id")
    )
    shipped = voting.VOTE_LOCK
    voting.VOTE_LOCK = lock
    barrier, latencies = threading.Barrier(len(members)), []

    def cast(member):
        connection.ensure_connection()
        barrier.wait()
        started = time.perf_counter()
        voting.vote_cast(review=review, member=member, choice="refinance")
        latencies.append((time.perf_counter() - started) * 1000)
        connections.close_all()

    threads = [threading.Thread(target=cast, args=(m,)) for m in members]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        voting.VOTE_LOCK = shipped
    assert Vote.objects.filter(review=review).count() == len(members)
    voting.vote_close(review=review, by=sitting["chair"])
    return round(max(latencies), 1)


def post_vote(port: int, path: str, cookie: tuple[str, str]) -> tuple[float, int, str]:
    session_id, csrf = cookie
    body = urlencode({"choice": random.choice(["refinance", "adjust", "stop"]), "months": 6})
    headers = {
        "Host": "127.0.0.1",
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={session_id}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "HX-Request": "true",
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read().decode()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return elapsed, response.status, content


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = os.environ | {"ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "0"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--workers=2",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=sys.stderr)


def wait_until_up(port: int, sitting: dict) -> None:
    """Until gunicorn answers; then a warm-up of each worker (its database connection)."""
    path = f"/seances/{sitting['session'].pk}/direct/tableau/"
    session_id, _ = sitting["voters"][0]
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers={"Cookie": f"sessionid={session_id}"})
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)
    for _ in range(10):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path, headers={"Cookie": f"sessionid={session_id}"})
        connection.getresponse().read()
        connection.close()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


if __name__ == "__main__":
    main()
