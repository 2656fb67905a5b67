"""PDF documents as jobs: asked for on the session page, rendered, merged, out of date, failed
and retried, taken over from a dead worker, and downloaded only by those allowed."""

import datetime
import re
import time
import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html
from pypdf import PdfReader

from comite.french import de
from committees.documents import services as documents
from committees.documents.dossiers import dossier_html, minutes_html, pack_title
from committees.documents.pdf import render
from committees.documents.services import (
    claim,
    document_render,
    document_retry,
    documents_recover,
    fingerprints,
)
from committees.enums import DocumentKind, DocumentStatus, MemberRole
from committees.models import Attendance, CommitteeMember, Document, Review
from committees.sessions.services import session_convene
from committees.tasks import document_request
from metrics.models import MetricDefinition
from startups.models import Contribution
from tests.committees.reports import submitted_report
from tests.factories import (
    BudgetLineFactory,
    MetricFactory,
    OrganisationFactory,
    SessionFactory,
    StartupFactory,
    add_measurements,
    persona_user,
)
from tests.utils import TODAY, assert_queries, month, month_start

PACK, DOSSIER, MINUTES = DocumentKind.PACK, DocumentKind.DOSSIER, DocumentKind.MINUTES


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files(media) -> list:
    return sorted((media / "documents").glob("*.pdf")) if (media / "documents").exists() else []


def text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def read(document: Document) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


@pytest.fixture
def member(session, sponsor):
    return CommitteeMember.objects.create(
        committee=session.committee, user=sponsor, role=MemberRole.CHAIR
    )


@pytest.fixture
def review(session):
    return session.reviews.get()


@pytest.fixture
def agenda(session, startup, incubator, member, intrapreneur):
    """Three startups on the agenda, the first with a submitted report and a metric."""
    submitted_report(startup, intrapreneur)
    add_measurements(
        MetricFactory(startup=startup, label="Dossiers déposés"),
        {month(-5): 120, month(-2): 340},
    )
    for position, name in enumerate(["Aides Jeunes", "Démarches Simplifiées"], start=1):
        Review.objects.create(
            session=session,
            startup=StartupFactory(name=name, incubator=incubator),
            position=position,
        )
    return list(session.reviews.select_related("startup").order_by("position"))


def test_a_dossier_asked_for_is_rendered_once_committed(
    session, review, staff, django_capture_on_commit_callbacks, media
):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    document.refresh_from_db()

    assert document.status == DocumentStatus.DONE
    assert (document.attempts, document.claim is not None) == (1, True)
    assert document.inputs == fingerprints(session)[(DOSSIER, review.pk)]
    pages = text(read(document))
    assert document.pages == len(pages)
    assert review.startup.name in pages[0]
    assert f"Page 1 sur {len(pages)}" in pages[0]
    assert files(media) == [media / document.file.name]
    # Tagged for screen readers (PDF/UA-1), with its title and language.
    reader = PdfReader(BytesIO(read(document)))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert (root["/Lang"], reader.metadata.title) == (
        "fr",
        f"Dossier d’examen — {review.startup.name}",
    )


def test_asking_twice_while_under_way_gives_the_same_job(session, review, staff):
    first = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    again = document_request(session=session, kind=DOSSIER, review=review, by=staff)

    assert again.pk == first.pk
    assert Document.objects.count() == 1


def test_rendering_twice_gives_one_file(session, review, staff, media):
    document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    document_render(document.pk)
    document_render(document.pk)  # a second delivery of the same message: nothing to claim

    document.refresh_from_db()
    assert (document.status, document.attempts) == (DocumentStatus.DONE, 1)
    assert files(media) == [media / document.file.name]


def test_a_stale_claim_is_taken_over_and_only_the_new_holder_keeps_its_file(
    session, review, staff, media
):
    document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    dead = uuid.uuid4()
    assert claim(document.pk, dead)
    assert not claim(document.pk, uuid.uuid4())  # a live claim is not taken
    long_ago = timezone.now() - documents.claim_timeout() - datetime.timedelta(seconds=1)
    Document.objects.filter(pk=document.pk).update(claimed_at=long_ago)

    document_render(document.pk)  # another worker takes over
    document.refresh_from_db()
    assert (document.status, document.attempts) == (DocumentStatus.DONE, 2)

    # The first worker comes back and finishes: refused, its file removed.
    made = documents.pdf.Pdf(b"%PDF-1.7 late", 1)
    documents.finish(document, dead, made, "")
    document.refresh_from_db()
    assert files(media) == [media / document.file.name]


def test_the_recovery_queues_again_what_a_dead_worker_left(
    session, review, staff, django_capture_on_commit_callbacks
):
    document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    claim(document.pk, uuid.uuid4())  # then the worker is killed

    assert documents_recover() == 0  # the claim is recent: the worker may be alive
    long_ago = timezone.now() - documents.claim_timeout() - datetime.timedelta(seconds=1)
    Document.objects.filter(pk=document.pk).update(claimed_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert documents_recover() == 1

    document.refresh_from_db()
    assert (document.status, document.attempts) == (DocumentStatus.DONE, 2)


@pytest.mark.django_db(transaction=True)  # the heartbeat commits from its own thread
def test_a_live_worker_s_heartbeat_keeps_its_claim_fresh(session, review, staff, settings):
    settings.DOCUMENT_CLAIM_TIMEOUT = 0.3  # a beat every 0.1 s
    document = Document.objects.create(session=session, kind=DOSSIER, review=review)
    token = uuid.uuid4()
    assert claim(document.pk, token)
    claimed_at = Document.objects.get(pk=document.pk).claimed_at

    with documents.heartbeat(document.pk, token):
        time.sleep(1)  # a long rendering: three timeouts
        assert documents_recover() == 0  # never stale while its worker is alive
        assert not claim(document.pk, uuid.uuid4())
    beaten = Document.objects.get(pk=document.pk).claimed_at
    assert beaten > claimed_at + datetime.timedelta(seconds=0.5)

    time.sleep(0.4)  # the worker died: no more beats, the claim goes stale
    assert Document.objects.get(pk=document.pk).claimed_at == beaten
    assert Document.objects.get(pk=document.pk).stuck
    assert claim(document.pk, uuid.uuid4())


def test_a_message_delivered_again_while_the_claim_is_fresh_waits_then_takes_it_over(
    session, review, staff
):
    document = Document.objects.create(session=session, kind=DOSSIER, review=review)
    assert claim(document.pk, uuid.uuid4())  # a worker that then dies, message unacknowledged
    with pytest.raises(documents.ClaimedElsewhere):  # the task retries it later
        document_render(document.pk)
    long_ago = timezone.now() - documents.claim_timeout() - datetime.timedelta(seconds=1)
    Document.objects.filter(pk=document.pk).update(claimed_at=long_ago)

    document_render(document.pk)
    document.refresh_from_db()
    assert (document.status, document.attempts) == (DocumentStatus.DONE, 2)
    document_render(document.pk)  # delivered once more: done, nothing to do


@pytest.mark.parametrize("lost", ["message", "worker"])
def test_staff_relaunch_a_stuck_document_from_the_session_page(
    client, session, review, staff, lost, django_capture_on_commit_callbacks
):
    document = Document.objects.create(session=session, kind=DOSSIER, review=review)
    if lost == "worker":
        claim(document.pk, uuid.uuid4())
    long_ago = timezone.now() - datetime.timedelta(minutes=2)
    Document.objects.filter(pk=document.pk).update(enqueued_at=long_ago, claimed_at=long_ago)
    client.force_login(staff)
    page = client.get(reverse("committees:session", args=[session.pk])).content.decode()
    assert "Plus aucun service de rendu ne le traite" in page
    assert reverse("committees:document-retry", args=[document.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("committees:document-retry", args=[document.pk]))
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE and not document.stuck


def test_a_document_cut_off_three_times_fails_with_the_reason(session, review, staff):
    document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    long_ago = timezone.now() - documents.claim_timeout() * 2
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.RENDERING, attempts=documents.MAX_ATTEMPTS, claimed_at=long_ago
    )

    documents_recover()

    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "interrompu 3 fois" in document.error


def test_a_failure_says_why_and_a_retry_renders_it(
    session, review, staff, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(review, **kwargs):
        raise ValueError("graphique illisible")

    monkeypatch.setattr("committees.documents.dossiers.dossier_html", broken)
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert document.error == "ValueError : graphique illisible"

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        document_retry(document=document)
    document.refresh_from_db()
    assert (document.status, document.error, document.attempts) == (DocumentStatus.DONE, "", 1)


def test_the_pack_merges_its_dossiers_behind_a_table_of_contents_with_the_right_pages(
    session, agenda, staff, django_capture_on_commit_callbacks, media
):
    with django_capture_on_commit_callbacks(execute=True):
        pack = document_request(session=session, kind=PACK, by=staff)
    pack.refresh_from_db()

    assert pack.status == DocumentStatus.DONE
    pages = text(read(pack))
    assert pack.pages == len(pages)
    assert all(f"Page {n} sur {len(pages)}" in page for n, page in enumerate(pages, start=1))
    # The table of contents gives the page each dossier starts on.
    listed = [
        int(re.search(rf"{re.escape(review.startup.name)}\D*?(\d+)\s*$", pages[1], re.M)[1])
        for review in agenda
    ]
    starts = [n for n, page in enumerate(pages, start=1) if "Dossier d’examen — " in page]
    assert starts == listed
    for review, start in zip(agenda, starts, strict=True):
        assert f"Dossier d’examen — {review.startup.name}" in pages[start - 1]
    reader = PdfReader(BytesIO(read(pack)))
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline == [
        ("Ordre du jour", 1),  # the agenda, after the cover
        *((review.startup.name, start - 1) for review, start in zip(agenda, starts, strict=True)),
    ]
    assert "Ordre du jour" in pages[1] and "Ordre du jour" not in pages[0]
    assert reader.metadata.title == pack_title(session)
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    # The parts are gone once merged: one file.
    assert files(media) == [media / pack.file.name]
    assert not Document.objects.filter(pack=pack).exists()


def test_a_failed_dossier_fails_its_pack_and_a_retry_finishes_it(
    session, agenda, staff, monkeypatch, django_capture_on_commit_callbacks
):
    from committees.documents import dossiers

    working = dossiers.dossier_html

    def fails_for_the_second(review, **kwargs):
        if review.position == 1:
            raise ValueError("données incohérentes")
        return working(review, **kwargs)

    monkeypatch.setattr(dossiers, "dossier_html", fails_for_the_second)
    with django_capture_on_commit_callbacks(execute=True):
        pack = document_request(session=session, kind=PACK, by=staff)
    pack.refresh_from_db()
    assert pack.status == DocumentStatus.FAILED
    assert pack.error == "Dossier d’Aides Jeunes : ValueError : données incohérentes"

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        document_retry(document=pack)
    pack.refresh_from_db()
    assert pack.status == DocumentStatus.DONE
    assert pack.pages == sum(1 for _ in PdfReader(BytesIO(read(pack))).pages)


def test_a_document_is_out_of_date_once_what_it_shows_changes(
    session, review, staff, startup, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    client.force_login(staff)
    page = reverse("committees:session", args=[session.pk])
    assert "Périmé" not in client.get(page).content.decode()

    add_measurements(MetricFactory(startup=startup, label="Usagers"), {month(-1): 40})

    assert "Périmé" in client.get(page).content.decode()
    document.refresh_from_db()
    assert document.inputs != fingerprints(session)[(DOSSIER, review.pk)]


@pytest.mark.parametrize(
    "change",
    ["definition", "contribution", "sponsor", "accessibility"],
)
def test_what_the_dossier_s_template_items_read_makes_it_out_of_date(session, review, change):
    """A metric's definition, who funds a round, the sponsors, the standards' evidence."""
    before = fingerprints(session)[(DOSSIER, review.pk)]
    startup = review.startup
    if change == "definition":
        metric = MetricFactory(startup=startup, label="Usagers")
        MetricDefinition.objects.create(metric=metric, valid_from=TODAY.replace(day=1), text="x")
        before = fingerprints(session)[(DOSSIER, review.pk)]
        MetricDefinition.objects.create(
            metric=metric, valid_from=month_start(1), text="Usagers ayant déposé un dossier"
        )
    elif change == "contribution":
        funding_round = startup.funding_rounds.get()
        Contribution.objects.create(funding_round=funding_round, funder="FAST", amount=1000)
    elif change == "sponsor":
        startup.sponsors.add(OrganisationFactory())
    else:
        startup.accessibility_status = "partiellement conforme"
        startup.save()
    assert fingerprints(session)[(DOSSIER, review.pk)] != before


def test_fingerprints_take_two_queries_whatever_the_agenda(session, agenda):
    with assert_queries(2):
        fingerprints(session)


def test_convening_makes_the_pack(session, agenda, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        session_convene(session=session, by=staff)

    pack = Document.objects.get(kind=PACK)
    assert pack.status == DocumentStatus.DONE
    assert "Document de travail — diffusion restreinte" in text(read(pack))[0]


def test_closing_makes_the_minutes_and_the_final_pack(
    session, review, member, django_capture_on_commit_callbacks
):
    from committees.sessions.decisions import session_close
    from tests.committees.test_decisions import add_item, record

    SessionFactory.set_state(session, open=True)
    Attendance.objects.create(session=session, member=member, present=True)
    startup = review.startup
    review.delete()
    record(add_item(session, startup, choices=("refinance",)), member.user)
    with django_capture_on_commit_callbacks(execute=True):
        session_close(session=session, by=member.user)

    minutes, pack = (Document.objects.get(kind=kind, pack=None) for kind in (MINUTES, PACK))
    assert (minutes.status, pack.status) == (DocumentStatus.DONE, DocumentStatus.DONE)
    words = "".join(text(read(minutes)))
    assert "240 000" in words
    assert "Document de travail" not in words + "".join(text(read(pack)))


# The pages


def test_the_session_page_asks_for_the_pack_and_follows_it(
    session, agenda, staff, client, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("committees:document-request", args=[session.pk, PACK])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Rendu des dossiers : 0 sur 3" in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()

    pack = Document.objects.get(kind=PACK, pack=None)
    status = client.get(
        reverse("committees:document-status", args=[pack.pk]), headers={"HX-Request": "true"}
    )
    assert status.status_code == 286  # done: the page stops polling
    assert "Télécharger" in status.content.decode()
    assert "every 2s" not in status.content.decode()

    download = client.get(reverse("committees:document-download", args=[pack.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert len(text(b"".join(download.streaming_content))) == pack.pages


def test_without_javascript_asking_redirects_back_to_the_session(session, review, staff, client):
    client.force_login(staff)
    page = reverse("committees:session", args=[session.pk])
    response = client.post(
        reverse("committees:document-request", args=[session.pk, DOSSIER]),
        {"review": review.pk, "next": page},
    )
    assert response.status_code == 302
    assert response["Location"] == page
    assert "En file d’attente" in client.get(page).content.decode()


def test_a_review_of_another_session_cannot_be_asked_for(session, staff, client, incubator):
    other = Review.objects.create(
        session=type(session).objects.create(
            committee=session.committee, starts_at=session.starts_at
        ),
        startup=StartupFactory(incubator=incubator),
    )
    client.force_login(staff)
    response = client.post(
        reverse("committees:document-request", args=[session.pk, DOSSIER]),
        {"review": other.pk},
    )
    assert response.status_code == 404
    assert not Document.objects.exists()


@pytest.fixture
def made(session, review, agenda, staff, django_capture_on_commit_callbacks):
    """The dossier of the first startup, the dossier of another, the pack and the minutes."""
    SessionFactory.set_state(session, convened=True)
    with django_capture_on_commit_callbacks(execute=True):
        own = document_request(session=session, kind=DOSSIER, review=agenda[0], by=staff)
        other = document_request(session=session, kind=DOSSIER, review=agenda[1], by=staff)
        minutes = document_request(session=session, kind=MINUTES, by=staff)
    for document in (own, other, minutes):
        document.refresh_from_db()
    return {"own": own, "other": other, "minutes": minutes}


def download_status(client, document) -> int:
    response = client.get(reverse("committees:document-download", args=[document.pk]))
    if response.streaming:  # read to the end: the test client then closes the file
        b"".join(response.streaming_content)
    return response.status_code


READERS = {
    # persona: (own dossier, another startup's dossier, minutes)
    "staff": (200, 200, 200),
    "chair": (200, 200, 200),
    "intrapreneur": (200, 403, 200),
    "other_team": (403, 403, 200),
    "outsider": (403, 403, 403),
}


@pytest.mark.parametrize("persona", READERS)
def test_downloads_are_for_those_who_may_read_them(
    persona, made, client, staff, member, intrapreneur, outsider, agenda
):
    other_team = persona_user("team", startup=agenda[2].startup, email="autre@example.org")
    people = {
        "staff": staff,
        "chair": member.user,
        "intrapreneur": intrapreneur,
        "other_team": other_team,
        "outsider": outsider,
    }
    client.force_login(people[persona])
    assert tuple(download_status(client, made[name]) for name in made) == READERS[persona]


def test_anonymous_people_are_sent_to_log_in(made, client):
    response = client.get(reverse("committees:document-download", args=[made["own"].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_files_are_not_served_from_a_public_address(made, client, staff):
    client.force_login(staff)
    name = made["own"].file.name
    assert client.get(f"/media/{name}").status_code == 404
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", name)


def test_teams_do_not_make_documents(made, client, intrapreneur, session, agenda):
    client.force_login(intrapreneur)
    response = client.post(
        reverse("committees:document-request", args=[session.pk, DOSSIER]),
        {"review": agenda[0].pk},
    )
    assert response.status_code == 403
    page = client.get(reverse("committees:session", args=[session.pk])).content.decode()
    assert "Dossier " + de(agenda[0].startup.name) in page
    assert "Dossier " + de(agenda[1].startup.name) not in page
    assert "Produire" not in page


@pytest.fixture
def s3_bucket(settings):
    """Documents stored in a bucket of a real, local S3-compatible server."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    credentials = {"access_key": "comite", "secret_key": "secret", "region_name": "eu-west-3"}
    options = {"bucket_name": "comite-documents", "endpoint_url": f"http://{host}:{port}"}
    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": options | credentials | {"default_acl": "private"},
        }
    }
    client = boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        aws_access_key_id="comite",
        aws_secret_access_key="secret",
        region_name="eu-west-3",
    )
    client.create_bucket(
        Bucket="comite-documents",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-3"},
    )
    yield client
    server.stop()


def test_documents_can_be_stored_in_an_s3_compatible_bucket(
    s3_bucket, session, review, staff, client, django_capture_on_commit_callbacks, media
):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(session=session, kind=DOSSIER, review=review, by=staff)
    document.refresh_from_db()

    keys = [
        item["Key"] for item in s3_bucket.list_objects_v2(Bucket="comite-documents")["Contents"]
    ]
    assert keys == [document.file.name]
    assert files(media) == []
    client.force_login(staff)
    download = client.get(reverse("committees:document-download", args=[document.pk]))
    assert len(text(b"".join(download.streaming_content))) == document.pages


# What a sponsor reads, page by page

MARGINS = ("Comité — beta.gouv.fr", "Relevé de décisions —", "Dossier d’examen —")
# An amount the French way: groups of three digits after narrow (or plain) no-break spaces,
# decimals after a comma, a no-break space before the euro sign.
EUROS = re.compile(r"\d{1,3}(?:[\u202f\u00a0]\d{3})*(?:,\d+)?[\u202f\u00a0]€")
AMOUNT_CELL = re.compile(r"[−-]?\d{1,3}(?:[\u202f\u00a0]\d{3})*(?:,\d+)?(?:[\u202f\u00a0][€%])?")


def lines(page: str) -> list[str]:
    """A page's lines of text, without its running title and footer."""
    return [
        line.strip() for line in page.splitlines() if line.strip() and not line.startswith(MARGINS)
    ]


def read_text(html: str):
    """A document's HTML as printed: without its stylesheet, the charts' SVG and data tables."""
    tree = lxml_html.fromstring(html)
    for hidden in tree.xpath("//style | //*[local-name()='svg'] | //details"):
        hidden.getparent().remove(hidden)
    return tree


@pytest.fixture
def decided(session, review, member, incubator):
    """Eight decisions, their conditions one to four lines long: the minutes take several pages."""
    from tests.committees.test_decisions import add_item, record

    SessionFactory.set_state(session, open=True)
    Attendance.objects.create(session=session, member=member, present=True)
    review.delete()
    for position in range(8):
        startup = StartupFactory(name=f"Startup {position + 1}", incubator=incubator)
        conditions = "\n".join(f"Condition {n + 1}" for n in range(position % 4 + 1))
        record(
            add_item(session, startup, choices=("refinance",)), member.user, conditions=conditions
        )
    return session


def test_no_page_of_the_minutes_ends_on_a_heading_nor_cuts_a_decision(decided):
    made = render(minutes_html(decided))
    heading = re.compile(r"\d+\. Startup \d+")
    pages = text(made.data)
    assert made.pages > 2
    for page in pages[:-1]:
        assert not heading.fullmatch(lines(page)[-1])
        assert lines(page)[-1] != "REFINANCER"
    # Each decision whole on one page: its heading, its terms and its vote.
    for page in pages:
        assert len(heading.findall(page)) == page.count("Vote à la majorité simple")
        assert len(heading.findall(page)) == page.count("Prochain comité au plus tard le")


def test_no_page_of_a_dossier_is_left_near_empty(review, startup):
    """The dossier's parts follow each other: no forced page break leaves a page with a heading
    and a line (a dossier without a report, metrics nor earlier decisions is short)."""
    pages = text(render(dossier_html(review)).data)
    for page in pages[:-1]:
        assert len(lines(page)) > 10
    assert len(pages) < 6


def test_amounts_in_the_pdfs_are_written_the_french_way_and_aligned_right(
    decided, startup, intrapreneur
):
    startup_review = Review.objects.create(session=decided, startup=startup, position=9)
    submitted_report(startup, intrapreneur)
    BudgetLineFactory(startup=startup, committed=Decimal("331884"), paid=Decimal("1234567.5"))
    for html in (minutes_html(decided), dossier_html(startup_review)):
        tree = read_text(html)
        words = " ".join(tree.itertext())
        assert not re.findall(r"(?<![\d/])\d{5,}", words)  # no "331884": "331 884"
        # Each amount before a euro sign (not a "(€)" in a label), whole from its first digit.
        for sign in re.finditer("€", words):
            before = words[max(0, sign.start() - 24) : sign.end()]
            if re.search(r"\d\s?€$", before):
                assert re.search(rf"(?<![\d\u202f\u00a0]){EUROS.pattern}$", before), before
        # In a table with a header row, a cell that holds a figure is aligned right.
        for cell in tree.xpath("//table[thead]//td"):
            if AMOUNT_CELL.fullmatch(cell.text_content().strip()):
                assert {"num", "comite-num"} & set(cell.get("class", "").split()), cell.text
    assert "331\u202f884\u202f€" in words
