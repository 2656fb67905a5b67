"""The three PDF documents' content: rendered with WeasyPrint, read back with pypdf."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from lxml import html as lxml_html
from pypdf import PdfReader

from committees.documents.dossiers import (
    dossier_html,
    minutes_html,
    pack_front_html,
)
from committees.documents.pdf import render
from committees.enums import GRID, GRID_BLOCKS, MemberRole, Outcome
from committees.models import (
    Attendance,
    Ballot,
    CommitteeMember,
    Conflict,
    Review,
    Vote,
    Voter,
)
from committees.reports.services import (
    report_accept,
    report_request_changes,
    report_section_save,
    report_start,
)
from committees.sessions.decisions import Terms, decision_correct, decision_record, session_close
from metrics.charts import format_euros, month_label
from metrics.models import MetricDefinition
from metrics.startup_metrics import startup_series
from startups.dates import Semester
from startups.models import Contribution, FundingRound
from tests.committees.reports import COMPLETE, submitted_report
from tests.factories import (
    BudgetLineFactory,
    MetricFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
    add_measurements,
    factory_round,
)
from tests.utils import SEMESTER, TODAY, assert_queries, month, month_start

MARK = "Document de travail — diffusion restreinte"
SECTIONS = [
    "1. Identité",
    "2. Les six derniers mois",
    "3. Matrice d’impact",
    "4. Les six prochains mois",
    "5. La demande",
    "6. Les indicateurs",
    "7. L’argent depuis le début",
    "8. Les décisions précédentes",
]


def euros(value) -> str:
    """An amount as `pages` reads it: French spaces as plain ones."""
    return re.sub(r"[\u202f\u00a0]", " ", format_euros(value))


def pages(html: str) -> list[str]:
    """Each page's text, with French spaces (narrow and no-break) as plain spaces."""
    made = render(html)
    reader = PdfReader(BytesIO(made.data))
    assert len(reader.pages) == made.pages
    return [re.sub(r"[\u202f\u00a0]", " ", page.extract_text() or "") for page in reader.pages]


@pytest.fixture
def review(session):
    return session.reviews.get()


@pytest.fixture
def chair(session):
    user = UserFactory(email="chair@example.org", first_name="Camille", last_name="Président")
    CommitteeMember.objects.create(committee=session.committee, user=user, role=MemberRole.CHAIR)
    return user


def decide(review, chair, **kwargs):
    """Open the session, the chair present and voting, then record the decision."""
    session = SessionFactory.set_state(review.session, open=True)
    member = CommitteeMember.objects.get(committee=session.committee, user=chair)
    Attendance.objects.create(session=session, member=member, present=True)
    ReviewFactory.set_state(review, voted=True)
    ballot = {"choice": Outcome.REFINANCE, "amount": Decimal(240000), "months": 6}
    if session.committee.secret_ballot:  # who voted, apart from the ballot
        Voter.objects.create(review=review, member=member, cast_at=timezone.now())
        Ballot.objects.create(review=review, **ballot)
    else:
        Vote.objects.create(review=review, member=member, **ballot)
    review.refresh_from_db()
    values = {"outcome": Outcome.REFINANCE, "amount": Decimal("240000")}
    return decision_record(review=review, terms=Terms(**(values | kwargs)), by=chair)


# The review dossier


def test_dossier_shows_the_submitted_report_and_the_money(review, startup, intrapreneur):
    submitted_report(startup, intrapreneur)
    text = pages(dossier_html(review))
    whole = "\n".join(text)
    for heading in SECTIONS:
        assert heading in whole
    assert "9. L’avis des sponsors" not in whole  # only once the session is closed
    assert COMPLETE["identity"]["problem"] in whole
    # The amount typed in the report, and the round made by the factory, the French way.
    assert "Demande 400 000 €" in text[0]
    assert "250 000 €" in whole
    assert all(MARK in page for page in text)
    assert f"Page 1 sur {len(text)}" in text[0]
    assert f"Page {len(text)} sur {len(text)}" in text[-1]
    assert text[0].count("Dossier d’examen — Mon Service") == 2  # running title and heading


def test_the_money_spent_comes_from_the_budget_lines_and_is_given_once(
    review, startup, intrapreneur
):
    """The round's spending is what the actual budget lines paid in the semesters it covers,
    pro rata of its days; the dossier gives the money once, as of its own day."""
    submitted_report(startup, intrapreneur)
    start, end = factory_round(TODAY)
    semester = Semester.of(start)
    BudgetLineFactory(startup=startup, year=semester.year, half=semester.half, paid=90_000)
    covered = (min(end, semester.end) - start).days + 1
    spent = Decimal(90_000) * covered / ((semester.end - semester.start).days + 1)
    whole = "\n".join(pages(dossier_html(review)))
    money = whole[
        whole.index("7. L’argent depuis le début") : whole.index("8. Les décisions précédentes")
    ]
    euros = re.sub(r"[\u202f\u00a0]", " ", format_euros(spent))
    assert f"dépensé selon le budget réalisé {euros}" in " ".join(money.split())
    assert f"Au {TODAY:%d/%m/%Y}, date de ce document" in money
    assert whole.count("ccordé depuis le début") == 1


@pytest.mark.parametrize(
    "review_by_staff, said",
    [
        (None, "Relecture par l’incubateur En attente de relecture"),
        ("changes", "Modifications demandées à l’équipe : la version présentée est la dernière"),
        ("accept", "Bilan accepté le"),
    ],
)
def test_dossier_says_where_the_incubators_review_stands_with_its_comments(
    review, startup, intrapreneur, staff, review_by_staff, said
):
    report = submitted_report(startup, intrapreneur)
    comments = {"impact": "Les chiffres de novembre restent à confirmer."}
    if review_by_staff == "changes":
        report_request_changes(report=report, comments=comments, by=staff)
    elif review_by_staff == "accept":
        report_accept(report=report, comments=comments, by=staff)
    whole = " ".join(" ".join(pages(dossier_html(review))).split())
    assert said in whole
    assert ("Commentaire de l’incubateur" in whole) == (review_by_staff is not None)
    if review_by_staff:
        assert "Les chiffres de novembre restent à confirmer." in whole


def test_dossier_never_shows_a_draft(review, startup, intrapreneur):
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    report_section_save(report=report, key="identity", data=COMPLETE["identity"], by=intrapreneur)
    whole = "\n".join(pages(dossier_html(review)))
    assert "Bilan non remis" in whole
    assert COMPLETE["identity"]["problem"] not in whole
    assert "7. L’argent depuis le début" in whole
    # Comité's own figures say their day, in a document's words, not a form's.
    assert f"Chiffres de Comité au {TODAY:%d/%m/%Y}, date de ce document" in whole
    assert "actualisé" not in whole and "Pré-rempli" not in whole


def test_dossier_in_a_pack_is_unnumbered_and_names_the_pack(review, session):
    text = pages(dossier_html(review, in_pack=True))
    assert not any(
        "sur" in line and line.startswith("Page ") for p in text for line in p.split("\n")
    )
    assert "Dossiers de séance — Comité de la Fabrique" in text[0]
    assert "Mon Service" in text[0]


def test_dossier_queries_do_not_grow_with_the_metrics(review, startup, intrapreneur):
    submitted_report(startup, intrapreneur)
    first = MetricFactory(startup=startup, label="Dossiers déposés")
    add_measurements(first, {month(-10): 100, month(-9): 120})
    # + the conflicts of interest in its decision's part, the incubator's review comments, the
    # rounds' contributions (who funds the current round), the members' questions
    with assert_queries(16):
        dossier_html(review)
    for n in range(2):
        metric = MetricFactory(startup=startup, is_north_star=False, label=f"Indicateur {n}")
        add_measurements(metric, {month(-11): 3, month(-10): 4, month(-9): 5})
    with assert_queries(16):
        html = dossier_html(review)
    assert "Indicateur 1" in html


def test_closed_dossier_is_final_with_the_grid_and_the_decision(review, chair, startup):
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    decide(
        review,
        chair,
        conditions="Recruter un·e développeur·se",
        objectives=[(metric, Decimal("1500"), (SEMESTER + 1).end)],
    )
    session_close(session=review.session, by=chair)
    whole = "\n".join(pages(dossier_html(review)))
    assert MARK not in whole
    assert "9. L’avis des sponsors et la décision" in whole
    assert "Grille d’arbitrage des sponsors" not in whole  # the paper grid is for the pre-read
    assert "REFINANCER" in whole
    assert "Montant accordé 240 000 €" in whole
    assert "Recruter un·e développeur·se" in whole
    assert f"Dossiers déposés : 1 500 dossiers au {(SEMESTER + 1).end:%d/%m/%Y}" in whole


def test_a_previous_decision_shows_its_objectives_and_whether_they_were_met(
    review, chair, startup, session
):
    """The decision of an earlier session, seen from the dossier of a later one."""
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    due_on = (SEMESTER - 1).end  # the semester before the one reviewed
    add_measurements(metric, {f"{(SEMESTER - 1).start:%Y-%m}": 2000})
    decide(
        review,
        chair,
        conditions="Ouvrir aux régions",
        objectives=[(metric, Decimal("1500"), due_on)],
    )
    later = Review.objects.create(
        session=type(session).objects.create(
            committee=session.committee,
            starts_at=session.starts_at + datetime.timedelta(days=180),
        ),
        startup=startup,
    )
    whole = "\n".join(pages(dossier_html(later)))
    section = whole[whole.index("8. Les décisions précédentes") :]
    assert "Ouvrir aux régions" in section
    assert re.search(rf"Dossiers déposés 1 500 dossiers {due_on:%d/%m/%Y} (?i:atteint)", section)
    # The six months' section agrees: the last decision's objectives, whatever their date (this
    # one fell due on the last day of a June, before the semester reported on).
    last_six_months = whole[
        whole.index("2. Les six derniers mois") : whole.index("3. Matrice d’impact")
    ]
    assert "Aucun objectif" not in last_six_months
    assert re.search(
        rf"Dossiers déposés 1 500 dossiers au {due_on:%d/%m/%Y} .*(?i:atteint)", last_six_months
    )
    # The session that took the decision: its own objectives are not the "last committee's".
    assert "Le dernier comité n’a fixé aucun objectif" in "\n".join(pages(dossier_html(review)))


def test_a_corrected_decision_gives_way_to_its_correction_s_objectives(
    review, chair, startup, session
):
    """A decision corrected after the close: the next report's objectives are the
    correction's, not the ones it replaced."""
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    due_on = (SEMESTER + 1).end
    decision = decide(review, chair, objectives=[(metric, Decimal("7519"), due_on)])
    session_close(session=session, by=chair)
    decision_correct(
        decision=decision,
        terms=Terms(
            outcome=Outcome.REFINANCE,
            amount=Decimal("240000"),
            objectives=[(metric, Decimal("9000"), due_on)],
            reason="Cible mal saisie.",
        ),
        by=chair,
    )
    later = Review.objects.create(
        session=type(session).objects.create(
            committee=session.committee,
            starts_at=session.starts_at + datetime.timedelta(days=180),
        ),
        startup=startup,
    )
    whole = "\n".join(pages(dossier_html(later)))
    last_six_months = whole[
        whole.index("2. Les six derniers mois") : whole.index("3. Matrice d’impact")
    ]
    assert "9 000 dossiers" in last_six_months and "7 519" not in last_six_months


def test_a_new_objective_replaces_the_one_it_supersedes(review, chair, startup, session):
    """Two decisions set a target for the same metric on the same day: the later one counts,
    and the earlier stays in its decision's record."""
    metric = MetricFactory(startup=startup, label="Dossiers déposés")
    due_on = (SEMESTER + 2).end
    decide(review, chair, objectives=[(metric, Decimal("7519"), due_on)])
    later = Review.objects.create(
        session=type(session).objects.create(
            committee=session.committee,
            starts_at=session.starts_at + datetime.timedelta(days=1),
        ),
        startup=startup,
    )
    decide(later, chair, objectives=[(metric, Decimal("9000"), due_on)])
    [series] = startup_series(startup, today=TODAY)
    assert [(o.target, o.due_on) for o, _met in series.objectives] == [(9000, due_on)]
    assert sorted(o.target for o in metric.objectives.all()) == [7519, 9000]
    indicators = "\n".join(pages(dossier_html(later)))
    indicators = indicators[
        indicators.index("6. Les indicateurs") : indicators.index("7. L’argent depuis le début")
    ]
    assert "9 000" in indicators and "7 519" not in indicators


# The pack's front matter


def test_pack_front_has_agenda_times_and_the_pages_given(session, startup):
    other = StartupFactory(name="Autre Service", incubator=startup.incubator)
    Review.objects.create(session=session, startup=other, position=1, duration_minutes=30)
    reviews = list(session.reviews.select_related("startup").order_by("position", "id"))
    text = pages(pack_front_html(session, [(reviews[0], 3), (reviews[1], 14)]))
    whole = "\n".join(text)
    assert "Dossiers de séance" in text[0]
    assert "Comité de la Fabrique" in text[0]
    assert "Ségur" in text[0]
    assert re.search(r"14 h 00 – 14 h 50 Mon Service", whole)
    assert re.search(r"14 h 50 – 15 h 20 Autre Service", whole)
    assert re.search(r"1\. Mon Service 3\b", whole)
    assert re.search(r"2\. Autre Service 14\b", whole)
    assert MARK in text[0]
    assert not any("Page 1 sur" in page for page in text)


# The minutes


def test_minutes_before_and_after_the_close(review, chair, session):
    decide(review, chair, conditions="Publier la page de statistiques")
    draft = "\n".join(pages(minutes_html(session)))
    assert MARK in draft
    assert "relevé provisoire" in draft

    session_close(session=session, by=chair)
    text = pages(minutes_html(session))
    whole = "\n".join(text)
    assert MARK not in whole
    assert "Relevé de décisions" in text[0]
    assert "Page 1 sur" in text[0]
    assert "Présent·es Camille Président (président·e)" in whole
    assert "1 membre votant présent pour un quorum de 2 : non atteint" in whole
    assert "1. Mon Service" in whole
    assert "Montant accordé 240 000 €" in whole
    assert "Publier la page de statistiques" in whole
    assert "Vote à la majorité simple" in whole
    assert "Camille Président : refinancer" in whole


def test_minutes_give_the_quorum_fixed_when_the_vote_opened(review, chair, session):
    committee = session.committee
    # The rules opening its vote fixed on the item (committees.sessions.voting.vote_open).
    rules = {"majority": committee.majority, "quorum": 2, "secret_ballot": False}
    Review.objects.filter(pk=review.pk).update(**rules)
    decide(review, chair)
    session.committee.quorum = 5  # the rules changed after the vote
    session.committee.save(update_fields=["quorum"])
    whole = "\n".join(pages(minutes_html(session)))
    assert "1 membre votant présent pour un quorum de 2 : non atteint" in whole


def test_minutes_list_each_declared_conflict_of_interest(review, chair, session):
    member = CommitteeMember.objects.create(
        committee=session.committee,
        user=UserFactory(first_name="Dominique", last_name="Lié"),
        role=MemberRole.VOTER,
    )
    Conflict.objects.create(
        review=review, member=member, reason="Ancien membre de l’équipe", declared_by=chair
    )
    decide(review, chair)
    whole = " ".join(" ".join(pages(minutes_html(session))).split())
    assert (
        "Conflit d’intérêts déclaré, sans vote ni décompte : Dominique Lié (Ancien membre de "
        "l’équipe)." in whole
    )


def test_minutes_of_a_secret_ballot_give_counts_only(review, chair, session):
    session.committee.secret_ballot = True
    session.committee.save(update_fields=["secret_ballot"])
    decide(review, chair)
    whole = "\n".join(pages(minutes_html(session)))
    assert "seul le décompte est publié" in whole
    assert "Camille Président : refinancer" not in whole


def test_minutes_show_a_correction_as_such(review, chair, session):
    decision = decide(review, chair)
    session_close(session=session, by=chair)
    decision_correct(
        decision=decision,
        terms=Terms(
            outcome=Outcome.ADJUST,
            amount=Decimal("180000"),
            months=6,
            reason="Erreur de saisie du montant voté.",
        ),
        by=chair,
    )
    whole = "\n".join(pages(minutes_html(session)))
    assert "AJUSTER" in whole
    assert "DÉCISION CORRIGÉE APRÈS LA SÉANCE" in whole  # a badge, in capitals
    assert "180 000 €" in whole
    assert "Erreur de saisie du montant voté." in whole
    assert "Corrige la décision enregistrée le" in whole


# What the documents explain: the grid and the decisions, the money, what the metrics count


def test_each_grid_question_is_in_exactly_one_block():
    keys = [key for _title, keys in GRID_BLOCKS for key in keys]
    assert sorted(keys) == sorted(key for key, _label in GRID)
    assert len(keys) == len(set(keys)) == 10


def test_the_grid_sheet_has_the_ten_questions_in_three_blocks_and_the_three_decisions(review):
    """At the end of the pre-read dossier, to score on paper."""
    page = dossier_html(review)
    whole = " ".join(" ".join(pages(page)).split())  # tagged PDF/UA, as the dossier is
    blocks = ["Les six derniers mois", "Les six prochains mois", "Besoins et arbitrages"]
    assert [whole.index(block) for block in blocks] == sorted(whole.index(b) for b in blocks)
    for number, (_key, question) in enumerate(GRID, start=1):
        assert f"{number}. {question} ☐ ☐ ☐ ☐ ☐" in whole
    assert "Question 1 2 3 4 5" in whole
    assert "de 1 (pas du tout) à 5 (tout à fait)" in whole
    assert "Refinancer Le même budget ou un budget plus élevé, pour six mois de plus." in whole
    assert "Ajuster Un budget réduit, ou un budget provisoire d’un à deux mois" in whole
    assert "Arrêter La fin du financement." in whole
    assert "période de sauvegarde, à un nouveau sponsor ou à la maintenance" in whole
    # Accessible tables: each with its caption, its headers scoped.
    tree = lxml_html.fromstring(page)
    tables = tree.cssselect(".grid-sheet table")
    assert [t.cssselect("caption")[0].text_content() for t in tables] == [
        *blocks,
        "Les trois décisions possibles",
    ]
    assert len(tree.cssselect(".grid-sheet tbody th[scope=row]")) == 10 + 3
    assert len(tree.cssselect(".grid-sheet thead th[scope=col]")) == 3 * 6 + 3


@pytest.fixture
def dinum(db):
    return OrganisationFactory(name="Direction interministérielle du numérique", acronym="DINUM")


@pytest.fixture
def agenda(session, startup, intrapreneur, sponsor_organisation, dinum):
    """Mon Service asks 400 000 € in its report only; Autre Service 121 884 € on the agenda,
    its last round paid 60/40 by the DGFiP and the DINUM; Sans Sponsor 10 000 €, sponsored by
    no one; Muet asks nothing."""
    submitted_report(startup, intrapreneur)
    other = StartupFactory(
        name="Autre Service", incubator=startup.incubator, sponsors=[sponsor_organisation, dinum]
    )
    start, end = factory_round(TODAY)
    last = FundingRound.objects.create(
        startup=other, label="S1", source="manual", start=start, end=end, amount_granted=100_000
    )
    Contribution.objects.create(
        funding_round=last, organisation=sponsor_organisation, amount=60_000
    )
    Contribution.objects.create(funding_round=last, organisation=dinum, amount=40_000)
    for position, (name, sponsors, amount) in enumerate(
        [("Autre Service", None, "121884"), ("Sans Sponsor", [], "10000"), ("Muet", [], None)],
        start=1,
    ):
        added = (
            other if sponsors is None else StartupFactory(name=name, incubator=startup.incubator)
        )
        Review.objects.create(
            session=session,
            startup=added,
            position=position,
            requested_amount=Decimal(amount) if amount else None,
        )
    return list(session.reviews.select_related("startup").order_by("position", "id"))


def front_text(session, reviews) -> str:
    html = pack_front_html(session, [(review, 3 + n) for n, review in enumerate(reviews)])
    return " ".join(" ".join(pages(html)).split())


def test_pack_front_sums_what_is_asked_in_all_and_by_sponsor(session, agenda):
    mon_service = agenda[0]
    mon_service.recommended_amount = Decimal("300000")
    mon_service.save()
    whole = front_text(session, agenda)
    # Asked (from the report), then recommended by the incubator.
    assert re.search(r"Mon Service \S+ 50 min 400 000 € 300 000 €", whole)
    assert "Autre Service" in whole and "121 884 €" in whole
    assert "Total demandé 531 884 € (1 passage sans montant demandé)" in whole
    # The DGFiP: all of Mon Service's request, 60 % of Autre Service's and the euro left over.
    assert (
        "Total recommandé par l’incubateur 300 000 € (3 passages sans montant recommandé)" in whole
    )
    assert "Direction générale des finances publiques (DGFiP) 473 131 € 300 000 €" in whole
    assert "Direction interministérielle du numérique (DINUM) 48 753 € 0 €" in whole
    assert "Sans sponsor 10 000 € 0 €" in whole
    assert "Total 531 884 € 300 000 €" in whole
    assert 473_131 + 48_753 + 10_000 == 531_884
    assert "Total accordé" not in whole  # nothing decided before the close


def test_pack_front_of_a_closed_session_sums_what_the_decisions_granted(
    session, agenda, chair, dinum
):
    mon_service, autre, sans_sponsor, muet = agenda
    decide(mon_service, chair)  # 240 000 €
    member = CommitteeMember.objects.get(committee=session.committee, user=chair)
    for review, amount in [(autre, 120_000), (sans_sponsor, 0), (muet, 30_000)]:
        ReviewFactory.set_state(review, voted=True)
        outcome = Outcome.STOP if not amount else Outcome.REFINANCE
        ballot = {"amount": amount, "months": 6} if amount else {}
        Vote.objects.create(review=review, member=member, choice=outcome, **ballot)
        review.refresh_from_db()
        terms = Terms(outcome=outcome, amount=Decimal(amount)) if amount else Terms(outcome=outcome)
        decision_record(review=review, terms=terms, by=chair)
    session_close(session=session, by=chair)
    session.refresh_from_db()
    whole = front_text(session, agenda)
    assert "Total demandé 531 884 €" in whole
    assert "Total accordé 390 000 €" in whole
    # Who pays what was granted: the contributions of the rounds the decisions made.
    paid = Contribution.objects.filter(
        funding_round__decision__review__session=session
    ).values_list("organisation__acronym", "amount")
    by_funder: dict = {}
    for acronym, amount in paid:
        by_funder[acronym] = by_funder.get(acronym, 0) + amount
    unassigned = Decimal(390_000) - sum(by_funder.values())  # Muet: no sponsor to pay
    assert unassigned == 30_000
    assert f"(DGFiP) 473 131 € 0 € {euros(by_funder['DGFiP'])}" in whole
    assert f"(DINUM) 48 753 € 0 € {euros(by_funder['DINUM'])}" in whole
    assert "Sans sponsor 10 000 € 0 € 30 000 €" in whole
    assert "Total 531 884 € 0 € 390 000 €" in whole


@pytest.mark.parametrize("extra", [0, 6])
def test_pack_front_queries_do_not_grow_with_the_agenda(session, agenda, extra):
    for n in range(extra):
        sponsor = OrganisationFactory()
        Review.objects.create(
            session=session,
            startup=StartupFactory(incubator=agenda[0].startup.incubator, sponsors=[sponsor]),
            position=10 + n,
        )
    # The session, its items, their sponsors, rounds, contributions and decisions, the requests
    # of the reports for the items without an amount.
    with assert_queries(7):
        pack_front_html(session, [])


def test_the_dossier_says_what_each_metric_counts_and_when_that_changed(review, startup):
    changed = MetricFactory(startup=startup, label="Dossiers déposés")
    MetricDefinition.objects.create(
        metric=changed,
        valid_from=month_start(-3),
        text="Nombre de dossiers complets déposés dans le mois",
    )
    add_measurements(changed, {month(-n): 100 + n for n in range(1, 7)})
    steady = MetricFactory(
        startup=startup, label="Démarches", is_north_star=False, definition="Démarches ouvertes"
    )
    # Changed before the first month charted: nothing to say beside the definition in force.
    MetricDefinition.objects.create(
        metric=steady, valid_from=month_start(-24), text="Démarches ouvertes et publiées"
    )
    add_measurements(steady, {month(-2): 5, month(-1): 7})
    whole = " ".join(" ".join(pages(dossier_html(review))).split())
    indicators = whole[
        whole.index("6. Les indicateurs") : whole.index("7. L’argent depuis le début")
    ]
    assert (
        "Ce que compte l’indicateur : Nombre de dossiers complets déposés dans le mois"
        in indicators
    )
    assert (
        f"Définition modifiée en {month_label(month_start(-3))} ; avant, l’indicateur comptait : "
        "« Nombre de dossiers déposés dans le mois »." in indicators
    )
    assert "Ce que compte l’indicateur : Démarches ouvertes et publiées" in indicators
    assert indicators.count("Définition modifiée") == 1
