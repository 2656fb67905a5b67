import datetime
import os
import random
import subprocess
import sys
import time
import uuid
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db.models.query import QuerySet

from config.celery import app as celery_app
from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, persona_user
from tests.permissions_world import build_world
from tests.utils import DEFAULT_TODAY, TODAY, frozen_at


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "today(day): run the test on another day than TODAY ('YYYY-MM-DD')"
    )


def pytest_report_header(config):
    source = "COMITE_TEST_TODAY" if os.environ.get("COMITE_TEST_TODAY") else "default"
    return f"clock: every test runs on {TODAY.isoformat()} ({source}; default {DEFAULT_TODAY})"


@pytest.fixture(autouse=True)
def clock(request):
    """The one clock of the tests: frozen on TODAY (or the test's `today` mark) at 10:00 in
    Paris, and ticking, so durations and timeouts still move. It is process-wide: the live
    server's thread reads it too. `clock.move_to(...)` moves it within a test."""
    if "celery_worker" in request.fixturenames:
        # A worker process reads the real clock: its tests run on it, and build their dates
        # from it as every test does, so they pass whatever the day.
        yield None
        return
    mark = request.node.get_closest_marker("today")
    day = datetime.date.fromisoformat(mark.args[0]) if mark else TODAY
    with time_machine.travel(frozen_at(day), tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _shuffle_unordered_querysets(monkeypatch):
    """Unordered querysets come back shuffled, so no test relies on an accidental order."""
    original = QuerySet._fetch_all

    def fetch_all(self):
        had_cache = self._result_cache is not None
        original(self)
        if not had_cache and not self.ordered and isinstance(self._result_cache, list):
            random.shuffle(self._result_cache)

    monkeypatch.setattr(QuerySet, "_fetch_all", fetch_all)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch):
    """Each test counts its own sign-in attempts: the cache (maybe Redis) outlives the test."""
    monkeypatch.setattr("accounts.ratelimit.CACHE_PREFIX", f"ratelimit-{uuid.uuid4().hex}")


@pytest.fixture
def world(db, settings, tmp_path):
    """Two of everything, one on each side (tests/permissions_world.py): what the permission
    matrix and the attacks run against."""
    settings.MEDIA_ROOT = tmp_path
    return build_world()


@pytest.fixture
def incubator(db):
    return IncubatorFactory(slug="fabrique", title="La Fabrique")


@pytest.fixture
def sponsor_organisation(db):
    return OrganisationFactory(
        slug="dgfip", name="Direction générale des finances publiques", acronym="DGFiP"
    )


@pytest.fixture
def startup(incubator, sponsor_organisation):
    return StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[sponsor_organisation],
        with_committee=True,
        with_round=True,
    )


# Personas (DESIGN §2, `PERSONAS` in tests/factories.py): who may see and do what is tested
# against each of them; a test parametrised over persona names gets them with
# `request.getfixturevalue(name)`.
@pytest.fixture
def staff(incubator):
    return persona_user("staff", incubator=incubator, email="staff@example.org")


@pytest.fixture
def sponsor(sponsor_organisation):
    return persona_user("sponsor", organisation=sponsor_organisation, email="sponsor@example.org")


@pytest.fixture
def intrapreneur(startup):
    """The `team` persona: a member of the startup's team."""
    return persona_user("team", startup=startup, email="intra@example.org")


@pytest.fixture
def outsider(db):
    return persona_user("outsider", email="outsider@example.org")


@pytest.fixture
def superuser(db):
    return persona_user("superuser", email="root@example.org")


@pytest.fixture
def other_team(db):
    return persona_user("other_team", email="other-team@example.org")


@pytest.fixture
def other_sponsor(db):
    return persona_user("other_sponsor", email="other-sponsor@example.org")


@pytest.fixture
def other_staff(db):
    return persona_user("other_staff", email="other-staff@example.org")


def worker_database() -> dict[str, str]:
    """DATABASE_URL of the test database for a worker process, on PostgreSQL (SQLite's test
    database lives in the memory of the test process: no worker can read it)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return {}
    user, password = quote(db["USER"] or ""), quote(db["PASSWORD"] or "")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return {"DATABASE_URL": f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"}


def start_worker(env: dict[str, str], *, queue: str = "celery") -> subprocess.Popen:
    """A real Celery worker process consuming `queue`, once it is ready."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            f"--queues={queue}",
            f"--hostname={queue}@%h",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    for line in worker.stdout:
        if "ready." in line or time.monotonic() > deadline:
            break
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
    worker.wait(timeout=10)
    worker.stdout.close()


@pytest.fixture(scope="session")
def celery_worker(tmp_path_factory, django_db_setup):
    """A real Celery worker process on the Redis of REDIS_URL, sending e-mails to files,
    storing documents in `media` and, on PostgreSQL, reading the test database (what
    `transaction=True` tests commit).

    Tests that claim to test the job path end to end use it; without REDIS_URL they skip.
    """
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker")
    outbox, media = tmp_path_factory.mktemp("outbox"), tmp_path_factory.mktemp("media")
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "MEDIA_ROOT": str(media),
        **worker_database(),
    }
    command = [sys.executable, "-m", "celery", "-A", "config"]
    subprocess.run([*command, "purge", "-f"], env=env, check=True, capture_output=True)
    worker = start_worker(env)
    yield SimpleNamespace(outbox=outbox, media=media, env=env, process=worker)
    stop_worker(worker)


@pytest.fixture
def real_worker(celery_worker):
    """Send jobs to the real worker instead of running them in the test's process."""
    celery_app.conf.task_always_eager = False
    yield celery_worker
    celery_app.conf.task_always_eager = True


class Broker:
    """Where the app sends its tasks: `down()` points it at a port where nothing listens (the
    connection is refused at once, as when Redis is stopped), `back()` at the tests' own way
    of running them (in the process, or the real worker's Redis)."""

    def __init__(self):
        self.url, self.eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager

    def point(self, url: str, *, eager: bool) -> None:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, eager
        celery_app._pool = None  # the connections to the broker it had
        celery_app.amqp._producer_pool = None

    def down(self) -> None:
        self.point("redis://127.0.0.1:1/0", eager=False)

    def back(self) -> None:
        self.point(self.url, eager=self.eager)


@pytest.fixture
def broker():
    broker = Broker()
    yield broker
    broker.back()
