"""The demo committee, session and reports: every status shown, and a second run creates
nothing."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse

from committees.enums import DocumentKind, DocumentStatus, Reminder, ReportStatus
from committees.management.commands.setup_demo_reports import COMMITTEE, REPORTS
from committees.models import (
    Committee,
    Document,
    ReportComment,
    ReportSection,
    ReportVersion,
    Review,
    SemesterReport,
    SentReminder,
    Session,
)
from metrics.enums import BudgetNature
from metrics.management.commands.setup_demo_metrics import STARTUPS as METRIC_STARTUPS
from metrics.models import BudgetLine
from startups.dates import Semester
from startups.models import IncubatorStaff
from tests.committees.test_overview import rows
from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, paris_time
from tests.utils import TODAY


def run(command: str) -> str:
    out = StringIO()
    call_command(command, "--today", TODAY.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def portfolio(db):
    """The real startups the demo uses, as the import lays them out: Démarche Numérique in the
    DINUM's other incubator, the others in the DINUM incubator; demo accounts and metrics."""
    dinum = OrganisationFactory(slug="dinum", acronym="DINUM")
    incubator = IncubatorFactory(slug="dinum", title="Incubateur de la DINUM", owner=dinum)
    products = IncubatorFactory(slug="dinum_produits_interministeriels", owner=dinum)
    for demo in REPORTS:
        StartupFactory(
            slug=demo.slug,
            name=demo.slug,
            incubator=products if demo.slug == "demarches-simplifiees.fr" else incubator,
            sponsors=[dinum],
        )
    # Every startup with demo metrics is on the demo agenda.
    assert {demo.slug for demo in METRIC_STARTUPS} <= {demo.slug for demo in REPORTS}
    call_command("setup_demo", stdout=StringIO())
    run("setup_demo_metrics")
    return incubator


def counts():
    return [
        model.objects.count()
        for model in (
            Committee,
            Session,
            Review,
            SemesterReport,
            ReportVersion,
            ReportSection,
            ReportComment,
            IncubatorStaff,
        )
    ]


def test_a_second_run_creates_nothing(portfolio):
    output = run("setup_demo_reports")
    assert COMMITTEE in output
    first = counts()
    assert first[:3] == [1, 1, len(REPORTS)]
    assert "Rien de nouveau" in run("setup_demo_reports")
    assert counts() == first


def test_a_second_run_never_touches_a_session_people_planned(portfolio):
    run("setup_demo_reports")
    committee = Committee.objects.get(name=COMMITTEE)
    staff = IncubatorStaff.objects.filter(incubator=portfolio).first().user
    planned = Session.objects.create(
        committee=committee,
        starts_at=paris_time(TODAY + datetime.timedelta(days=3)),
        place="Salle 2",
        created_by=staff,
    )
    Committee.objects.filter(pk=committee.pk).update(quorum=3)
    first = counts()

    assert "Rien de nouveau" in run("setup_demo_reports")

    assert counts() == first
    assert not planned.reviews.exists()
    assert Committee.objects.get(pk=committee.pk).quorum == 3
    demo = Session.objects.exclude(pk=planned.pk).get()
    assert sorted(demo.reviews.values_list("position", flat=True)) == list(range(len(REPORTS)))


def test_reports_in_every_state_and_a_draft_for_the_demo_intrapreneur(portfolio):
    run("setup_demo_reports")
    statuses = dict(SemesterReport.objects.values_list("startup__slug", "status"))
    assert statuses == {
        "demarches-simplifiees.fr": ReportStatus.DRAFT,
        "gestion.subventions.locales": ReportStatus.SUBMITTED,
        "la-bonne-alternance": ReportStatus.CHANGES_REQUESTED,
        "sante-psy-etudiant": ReportStatus.ACCEPTED,
        "envirogend": ReportStatus.ACCEPTED,
    }
    # The newcomer's draft: one version, nothing saved yet but the pitch it starts from.
    draft = SemesterReport.objects.get(startup__slug="demarches-simplifiees.fr")
    [version] = draft.versions.all()
    assert version.is_draft
    assert not version.sections.filter(saved_at__isnull=False).exists()
    # Sent back once with comments, then accepted: two submitted versions to compare.
    accepted = SemesterReport.objects.get(startup__slug="envirogend")
    assert [v.is_draft for v in accepted.versions.all()] == [False, False]
    assert accepted.versions.get(number=1).comments.count() == 2
    # The request's amount is the team's budget forecast for the next semester.
    request = ReportSection.objects.get(
        version__report__startup__slug="sante-psy-etudiant", key="request"
    )
    following = Semester.parse(accepted.semester) + 1
    forecast = BudgetLine.objects.filter(
        startup__slug="sante-psy-etudiant",
        year=following.year,
        half=following.half,
        nature=BudgetNature.FORECAST,
    ).aggregate(total=Sum("paid"))["total"]
    assert forecast
    assert Decimal(request.data["amount"]) == forecast
    # The session: in three weeks, the reports due a week before.
    session = Session.objects.get()
    assert (session.date - TODAY).days == 21
    assert session.committee.incubator == portfolio


def test_the_portfolio_manager_of_the_demo_sees_every_status(client, portfolio):
    run("setup_demo_reports")
    session = Session.objects.get()
    client.force_login(IncubatorStaff.objects.filter(incubator=portfolio).get().user)
    response = client.get(reverse("committees:reports"))
    assert rows(response, f"session-{session.pk}") == {
        "demarches-simplifiees.fr": "Brouillon",
        "gestion.subventions.locales": "Soumis, à relire",
        "la-bonne-alternance": "Modifications demandées",
        "sante-psy-etudiant": "Accepté",
        "envirogend": "Accepté",
        "jeveuxaider": "Manquant",
    }


def test_without_the_demo_incubator_nothing_is_made(db):
    assert "absent" in run("setup_demo_reports")
    assert counts() == [0, 0, 0, 0, 0, 0, 0, 0]


def test_the_admin_shows_the_demo_committee_and_reads_reports_only(client, portfolio, superuser):
    run("setup_demo_reports")
    session = Session.objects.get()
    SentReminder.objects.create(session=session, kind=Reminder.ONE_WEEK)
    report = SemesterReport.objects.get(startup__slug="envirogend")
    client.force_login(superuser)
    for model, obj in [
        ("committee", session.committee),
        ("session", session),
        ("semesterreport", report),
        ("sentreminder", SentReminder.objects.get()),
    ]:
        assert client.get(reverse(f"admin:committees_{model}_changelist")).status_code == 200
        page = client.get(reverse(f"admin:committees_{model}_change", args=[obj.pk]))
        assert page.status_code == 200
    session_page = client.get(reverse("admin:committees_session_change", args=[session.pk]))
    assert "passages en comité" in session_page.content.decode().lower()
    report_page = client.get(reverse("admin:committees_semesterreport_change", args=[report.pk]))
    assert "versions de bilan" in report_page.content.decode().lower()
    assert 'name="_save"' not in report_page.content.decode()  # read only
    assert client.get(reverse("admin:committees_semesterreport_add")).status_code == 403
    assert (
        client.post(
            reverse("admin:committees_semesterreport_change", args=[report.pk]),
            {"status": "draft"},
        ).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED


def test_the_demo_session_has_its_pack_rendered(portfolio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("setup_demo_reports")

    pack = Document.objects.get(kind=DocumentKind.PACK)
    assert pack.status == DocumentStatus.DONE
    assert pack.pages > len(REPORTS) * 2


def test_the_demo_accounts_are_refused_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="pas en production"):
        call_command("setup_demo", stdout=StringIO())


def test_each_filed_demo_report_gives_sponsors_every_item_of_the_committee_template(portfolio):
    """What a sponsor reading the demo session's pack finds for every startup that filed a
    report (the dossiers are the pack's parts)."""
    from committees.documents.dossiers import dossier_html
    from tests.committees.test_committee_template import text_of

    run("setup_demo_reports")
    session = Session.objects.get(committee__name=COMMITTEE)
    filed = [
        review
        for review in session.reviews.select_related("startup")
        if ReportVersion.objects.filter(
            report__startup=review.startup, submitted_at__isnull=False
        ).exists()
    ]
    assert len(filed) >= 3
    for review in filed:
        text = text_of(dossier_html(review))
        for item in (
            "Objectifs fixés au dernier comité",
            "Explication de l’équipe",
            "Coût par unité d’impact projeté",
            "Exécution du tour en cours",
            "Qui finance ce tour",
            "Standards du programme beta.gouv.fr",
            "Soutien attendu de chaque acteur",
            "Taille de l’équipe (équivalents temps plein)",
            "mois dans cette phase",
            "Comment la taille du marché est estimée",
        ):
            assert item in text, f"{review.startup.slug}: « {item} » missing"
