import datetime
import socketserver
import threading
import time

import pytest
from celery.schedules import crontab
from django.db import connection, transaction
from django.utils import timezone

from committees.enums import Reminder, ReportStatus
from committees.models import SentReminder
from committees.reports.reminders import reminder_for, reminders_send
from committees.reports.services import report_accept, report_request_changes, report_start
from committees.tasks import send_report_reminders
from config.celery import app as celery_app
from tests.committees.reports import submitted_report
from tests.factories import (
    IncubatorFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
    paris_time,
)
from tests.utils import TODAY, assert_queries

# SessionFactory's session: in 15 days at 14 h, reports due a week before. The tests of the
# e-mails' exact wording pin the day (TEXT_DAY): the session is then on Tuesday 8 December 2026.
TEXT_DAY = "2026-11-23"


def due_on() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=8)


LINK = "http://127.0.0.1:8000/portefeuille/startups/mon-service/bilans/"


def days_before(days: int) -> datetime.date:
    return due_on() - datetime.timedelta(days=days)


@pytest.fixture
def agenda(startup, intrapreneur, staff):
    """The startup on the agenda of the session in 15 days, its intrapreneur, its staff."""
    return ReviewFactory(startup=startup, session__committee__name="Comité de la Fabrique").session


@pytest.fixture
def send(db, django_capture_on_commit_callbacks):
    """Run the job as the beat would, the e-mails queued once its transaction commits. (With
    `db` first: setting up the test database empties `mailoutbox` by replacing the list.)"""

    def run(today: datetime.date) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_send(today=today)

    return run


def by_recipients(outbox) -> dict[tuple[str, ...], object]:
    return {tuple(sorted(message.to)): message for message in outbox}


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (30, None),
        (15, None),
        (14, Reminder.TWO_WEEKS),
        (8, Reminder.TWO_WEEKS),
        (7, Reminder.ONE_WEEK),
        (3, Reminder.ONE_WEEK),
        (2, Reminder.TWO_DAYS),
        (1, Reminder.TWO_DAYS),
        (0, Reminder.TWO_DAYS),
        (-1, Reminder.LATE),
        (-7, Reminder.LATE),
    ],
)
def test_the_reminder_due_depends_on_the_days_left(days_left, expected):
    assert reminder_for(days_left) == expected


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(15, []), (14, ["two_weeks"]), (7, ["one_week"]), (2, ["two_days"]), (-1, ["late"])],
)
def test_the_job_records_the_reminder_due_that_day(agenda, send, mailoutbox, days_left, expected):
    send(days_before(days_left))
    sent = {(r.kind, r.review_id is None) for r in SentReminder.objects.all()}
    assert sent == {(kind, to_staff) for kind in expected for to_staff in (False, True)}
    assert len(mailoutbox) == 2 * len(expected)


def test_running_the_job_twice_sends_one_email_per_reminder(
    agenda, send, mailoutbox, intrapreneur, staff
):
    assert send(days_before(14)) == 2
    assert send(days_before(14)) == 0
    assert send(days_before(13)) == 0  # still the two weeks' reminder: sent already
    assert set(by_recipients(mailoutbox)) == {(intrapreneur.email,), (staff.email,)}
    assert send(days_before(7)) == 2  # the next milestone goes out
    assert len(mailoutbox) == 4


@pytest.mark.today(TEXT_DAY)
def test_a_job_that_did_not_run_sends_only_the_reminder_due_today(agenda, send, mailoutbox):
    assert send(days_before(1)) == 2
    assert set(SentReminder.objects.values_list("kind", flat=True)) == {Reminder.TWO_DAYS}
    [team] = [m for m in mailoutbox if m.subject.startswith("Bilan semestriel")]
    assert team.subject.endswith("à remettre le mardi 1er décembre 2026")


@pytest.mark.parametrize("accepted", [False, True], ids=["submitted", "accepted"])
def test_a_submitted_or_accepted_report_gets_no_reminder(
    agenda, send, mailoutbox, startup, intrapreneur, staff, accepted
):
    report = submitted_report(startup, intrapreneur)
    if accepted:
        report_accept(report=report, comments={}, by=staff)
    assert send(days_before(2)) == 0
    assert mailoutbox == []
    assert not SentReminder.objects.exists()


@pytest.mark.parametrize(
    ("state", "label"),
    [("missing", "manquant"), ("draft", "brouillon"), ("changes", "modifications demandées")],
)
def test_a_report_not_submitted_gets_its_reminder_with_its_state(
    agenda, send, mailoutbox, startup, intrapreneur, staff, state, label
):
    if state == "draft":
        report_start(startup=startup, semester=agenda.reviews.get().semester, by=intrapreneur)
    if state == "changes":
        report = submitted_report(startup, intrapreneur)
        report_request_changes(report=report, comments={"identity": "Le pitch ?"}, by=staff)
        assert report.__class__.objects.get().status == ReportStatus.CHANGES_REQUESTED
    send(days_before(7))
    mails = by_recipients(mailoutbox)
    semester = agenda.reviews.get().semester
    assert f"État du bilan ({semester}) : {label}." in mails[intrapreneur.email,].body
    assert f"- Mon Service : {label}" in mails[staff.email,].body


@pytest.mark.today(TEXT_DAY)
def test_a_late_report_gets_the_late_reminder_once(agenda, send, mailoutbox, intrapreneur):
    assert send(due_on() + datetime.timedelta(days=3)) == 2
    assert send(due_on() + datetime.timedelta(days=4)) == 0
    assert send(due_on() + datetime.timedelta(days=6)) == 0
    team = by_recipients(mailoutbox)[intrapreneur.email,]
    assert team.subject == "Bilan semestriel de Mon Service : en retard de 3 jours"
    assert (
        "Le bilan semestriel de Mon Service était attendu le mardi 1er décembre 2026 : "
        "il est en retard de 3 jours." in team.body
    )
    assert "Soumettez-le dès que possible" in team.body


def test_no_reminder_once_the_session_is_held(agenda, send, mailoutbox):
    assert send(due_on() + datetime.timedelta(days=8)) == 0  # the day after the session
    assert mailoutbox == []


def test_a_team_with_nobody_in_comite_gets_no_email_but_staff_are_told(
    send, mailoutbox, incubator, staff
):
    review = ReviewFactory(startup=StartupFactory(name="Sans Équipe", incubator=incubator))
    UserFactory(member_of=review.startup, is_active=False)
    assert send(days_before(7)) == 1
    [summary] = mailoutbox
    assert summary.to == [staff.email]
    assert "Personne n’est inscrit dans Comité" in summary.alternatives[0][0]
    assert list(SentReminder.objects.values_list("review_id", flat=True)) == [None]


def test_one_email_to_the_whole_team(agenda, send, mailoutbox, startup, intrapreneur):
    coach = UserFactory(email="coach@example.org", member_of=startup)
    send(days_before(7))
    assert (coach.email, intrapreneur.email) in by_recipients(mailoutbox)


@pytest.mark.today(TEXT_DAY)
def test_the_staff_summary_lists_the_missing_reports_to_the_staff_who_follow_them(
    send, mailoutbox, incubator, staff, intrapreneur
):
    """Two incubators share a session: each staff member is told of their own startups, those
    of their incubator and those it co-incubates; a submitted report is not listed."""
    session = SessionFactory(committee__incubator=incubator)
    other = IncubatorFactory(title="Incubateur des territoires")
    other_staff = UserFactory(email="territoires@example.org", staff_of=other)
    UserFactory(email="ailleurs@example.org", staff_of=IncubatorFactory())
    UserFactory(email="parti@example.org", staff_of=incubator, is_active=False)

    def on_agenda(name, incubator, **kwargs):
        startup = StartupFactory(name=name, incubator=incubator, **kwargs)
        UserFactory(member_of=startup)
        return ReviewFactory(session=session, startup=startup).startup

    on_agenda("Absente", incubator)
    drafted = on_agenda("Brouillonne", incubator)
    report_start(startup=drafted, semester=session.reviews.first().semester, by=intrapreneur)
    submitted_report(on_agenda("Soumise", incubator), intrapreneur)
    on_agenda("Territoriale", other)
    shared = on_agenda("Partagée", other)
    shared.co_incubators.add(incubator)

    assert send(days_before(7)) == 4 + 2  # the four teams not submitted, two summaries
    summaries = by_recipients(
        m for m in mailoutbox if "bilan" in m.subject and "séance" in m.subject
    )
    assert set(summaries) == {(staff.email,), (other_staff.email,)}
    ours, theirs = summaries[staff.email,].body, summaries[other_staff.email,].body
    assert "3 bilans de vos startups ne sont pas encore soumis" in ours
    assert "- Absente : manquant" in ours and "- Brouillonne : brouillon" in ours
    assert "- Partagée : manquant" in ours
    assert "Soumise" not in ours and "Territoriale" not in ours
    assert "- Territoriale : manquant" in theirs and "- Partagée : manquant" in theirs
    assert "Absente" not in theirs and "Brouillonne" not in theirs
    assert summaries[staff.email,].subject == (
        f"{session.committee.name}, séance du mardi 8 décembre 2026 : 3 bilans pas encore soumis"
    )
    assert send(days_before(6)) == 0


@pytest.mark.today(TEXT_DAY)
def test_the_emails_are_in_french_in_plain_text_and_html_with_absolute_links(
    agenda, send, mailoutbox, intrapreneur, staff, settings
):
    settings.SITE_URL = "https://comite.beta.gouv.fr"
    agenda.reviews.get().startup.incubator.__class__.objects.update(contact="fabrique@example.org")
    send(days_before(8))
    mails = by_recipients(mailoutbox)
    team, summary = mails[intrapreneur.email,], mails[staff.email,]
    link = "https://comite.beta.gouv.fr/portefeuille/startups/mon-service/bilans/"

    assert team.subject == "Bilan semestriel de Mon Service à remettre le mardi 1er décembre 2026"
    assert "est attendu le mardi 1er décembre 2026, dans 8 jours." in team.body
    assert "le mardi 8 décembre 2026 à 14 h (Ségur, salle 4012)" in team.body
    assert link in team.body
    assert (
        "Votre incubateur, La Fabrique, vous répond :\n- La Fabrique, fabrique@example.org\n"
        in (team.body)
    )
    assert f"- {staff.get_full_name()}, {staff.email}" in team.body
    [(html, mimetype)] = team.alternatives
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html and f'href="{link}"' in html
    assert "<img" not in html and "<link" not in html

    assert "https://comite.beta.gouv.fr/bilans/" in summary.body
    assert link in summary.body and intrapreneur.email in summary.body
    [(html, mimetype)] = summary.alternatives
    assert mimetype == "text/html" and f'href="{link}"' in html
    assert "<" not in team.body and "<" not in summary.body


def test_plain_text_is_not_html_escaped(send, mailoutbox, incubator, staff):
    startup = StartupFactory(name="Aide à l'embauche & co", incubator=incubator)
    UserFactory(member_of=startup)
    ReviewFactory(startup=startup)
    send(days_before(7))
    for message in mailoutbox:
        assert "Aide à l'embauche & co" in message.body
        assert "Aide à l&#x27;embauche &amp; co" in message.alternatives[0][0]


@pytest.mark.today(TEXT_DAY)
def test_session_times_are_told_in_paris_time(send, mailoutbox, startup, intrapreneur):
    ReviewFactory(
        startup=startup,
        session__starts_at=paris_time(datetime.date(2026, 12, 7), 9, 30),
        session__place="",
        session__video_url="https://webinaire.numerique.gouv.fr/meeting/comite",
    )
    send(datetime.date(2026, 11, 25))
    assert "le lundi 7 décembre 2026 à 9 h 30 (en visioconférence)." in mailoutbox[0].body
    assert "Votre incubateur, La Fabrique, vous répond.\n" in mailoutbox[0].body  # no staff


def test_the_emails_go_out_with_the_console_backend(agenda, send, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert send(days_before(7)) == 2
    out = capsys.readouterr().out
    assert "To: intra@example.org" in out and "To: staff@example.org" in out
    assert "Content-Type: text/html" in out and LINK in out


class SMTPSink(socketserver.StreamRequestHandler):
    """Just enough of an SMTP server to take messages: what Django's SMTP backend says to
    any mail server."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 sink")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith("DATA"):
                self.reply("354 go on")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.messages.append(data.decode())
                self.reply("250 kept")
            elif command.startswith("QUIT"):
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server(settings):
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPSink) as server:
        server.messages = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address
        settings.EMAIL_USE_TLS = False
        yield server
        server.shutdown()


def test_the_emails_go_out_through_an_smtp_server(agenda, send, smtp_server):
    assert send(days_before(7)) == 2
    assert len(smtp_server.messages) == 2
    [team] = [m for m in smtp_server.messages if "To: intra@example.org" in m]
    assert "multipart/alternative" in team and "text/html" in team and LINK in team


@pytest.mark.parametrize("reviews", [1, 10])
def test_queries_do_not_grow_with_the_agenda(
    db, django_capture_on_commit_callbacks, mailoutbox, incubator, staff, reviews
):
    co_incubator = IncubatorFactory()
    UserFactory(staff_of=co_incubator)
    session = SessionFactory(committee__incubator=incubator)
    for _ in range(reviews):
        startup = StartupFactory(incubator=incubator)
        startup.co_incubators.add(co_incubator)
        UserFactory(member_of=startup)
        ReviewFactory(session=session, startup=startup)
    submitted_report(ReviewFactory(session=session).startup, staff)
    # Sessions, agenda items, teams, staff, co-incubators and their staff, reports; the claims
    # in one statement and the e-mails in another, between a savepoint and its release. The
    # e-mails go out once that commits (here: the callbacks, which run the workers' deliveries).
    for day, sent, queries in ((days_before(7), reviews + 1, 11), (days_before(6), 0, 10)):
        with django_capture_on_commit_callbacks() as relay, assert_queries(queries):
            assert reminders_send(today=day) == sent
        for callback in relay:
            callback()
    assert len(mailoutbox) == reviews + 1


def test_no_query_beyond_the_sessions_when_no_reminder_is_due(agenda):
    with assert_queries(1):
        assert reminders_send(today=days_before(20)) == 0


def run_in_thread(target):
    """Run `target` in a thread with its own database connection; its result or error."""
    outcome = {}

    def body():
        try:
            outcome["result"] = target()
        except BaseException as error:  # reported to the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, outcome


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite locks the whole file)")


def agenda_of_three(incubator):
    session = SessionFactory(committee__incubator=incubator)
    for _ in range(3):
        startup = StartupFactory(incubator=incubator)
        UserFactory(member_of=startup)
        ReviewFactory(session=session, startup=startup)
    return session


@pytest.mark.django_db(transaction=True)
def test_a_run_waits_for_a_concurrent_run_and_skips_what_it_claimed(incubator, staff, mailoutbox):
    postgresql_only()
    agenda_of_three(incubator)
    claimed, waiting = threading.Event(), threading.Event()
    committed_at = {}

    def first():
        with transaction.atomic():
            sent = reminders_send(today=days_before(7))
            claimed.set()
            waiting.wait(10)
            time.sleep(0.5)  # the second run is blocked on our rows meanwhile
            committed_at["first"] = time.monotonic()
        return sent

    def second():
        claimed.wait(10)
        waiting.set()
        sent = reminders_send(today=days_before(7))
        committed_at["second"] = time.monotonic()
        return sent

    threads = [run_in_thread(first), run_in_thread(second)]
    for thread, _ in threads:
        thread.join(30)
    (_, one), (_, two) = threads
    assert one == {"result": 4} and two == {"result": 0}
    assert committed_at["second"] > committed_at["first"]
    assert len(mailoutbox) == 4 and SentReminder.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_runs_at_the_same_time_send_each_reminder_once(incubator, staff, mailoutbox):
    postgresql_only()
    agenda_of_three(incubator)
    start = threading.Barrier(4)

    def run():
        start.wait(10)
        return reminders_send(today=days_before(7))

    threads = [run_in_thread(run) for _ in range(4)]
    for thread, _ in threads:
        thread.join(30)
    results = sorted(outcome.get("result", outcome.get("error")) for _, outcome in threads)
    assert sum(results) == 4, results
    assert len(mailoutbox) == 4
    assert len({tuple(message.to) for message in mailoutbox}) == 4


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_runs_on_a_real_worker_and_the_email_goes_out(real_worker, incubator, staff):
    postgresql_only()  # the worker reads the test database: PostgreSQL's, not SQLite's memory
    startup = StartupFactory(name="Service du Travailleur", incubator=incubator)
    UserFactory(email="equipe@example.org", member_of=startup)
    in_ten_days = timezone.localdate() + datetime.timedelta(days=10)
    ReviewFactory(startup=startup, session__starts_at=paris_time(in_ten_days))
    before = set(real_worker.outbox.iterdir())

    send_report_reminders.delay()  # no result store: what it did is read from its e-mails

    deadline = time.monotonic() + 30
    while (
        len(new := set(real_worker.outbox.iterdir()) - before) < 2 and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    texts = [path.read_text() for path in new]
    for path in new:  # the outbox is the session's: leave it as we found it
        path.unlink()
    [team] = [text for text in texts if "To: equipe@example.org" in text]
    assert "Service du Travailleur" in team and "dans 3 jours" in team
    assert "text/html" in team
    assert SentReminder.objects.count() == 2


def test_beat_runs_the_reminders_every_day_at_8_in_paris():
    celery_app.loader.import_default_modules()
    entry = celery_app.conf.beat_schedule["report-reminders"]
    assert entry["task"] in celery_app.tasks
    schedule = entry["schedule"]
    assert schedule == crontab(hour=8, minute=0) and str(schedule.tz) == "Europe/Paris"
    # Run last yesterday at 8 h in Paris: due again today at 8 h in Paris.
    last_run = paris_time(TODAY - datetime.timedelta(days=1), 8)
    assert last_run + schedule.remaining_delta(last_run)[1] == paris_time(TODAY, 8)
