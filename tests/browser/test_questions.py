"""Questions to the team in a real browser: a sponsor asks on the item's preparation page, the
intrapreneur signs in and answers on the startup's reports page, the sponsor reads the answer;
axe-core on both pages."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from committees.models import Committee, Question, Review, Session
from tests.committees.reports import submitted_report
from tests.factories import (
    CommitteeMemberFactory,
    IncubatorFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
)

ASKED = "Combien d’usagers actifs chaque mois depuis juin ?"
ANSWERED = "Quatre mille deux cents en octobre, deux fois plus qu’en juin."


@pytest.fixture
def people(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="DGFiP", acronym="DGFiP")
    startup = StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dgfip],
        with_committee=True,
        with_round=True,
    )
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=incubator)
    starts_at = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=21), datetime.time(14)
        )
    )
    session = Session.objects.create(committee=committee, starts_at=starts_at, place="Ségur")
    review = Review.objects.create(session=session, startup=startup, position=1)
    intrapreneur = UserFactory(first_name="Inès", last_name="Martin", member_of=startup)
    submitted_report(startup, intrapreneur)
    sponsor = UserFactory(first_name="Dominique", last_name="Durand")
    CommitteeMemberFactory(committee=committee, user=sponsor)
    return {"review": review, "sponsor": sponsor, "intrapreneur": intrapreneur}


def test_a_sponsor_asks_and_the_team_answers(page, log_in, screenshot, assert_accessible, people):
    review = people["review"]
    log_in(people["sponsor"])
    page.goto(f"/seances/{review.session_id}/passages/{review.pk}/preparer/")
    expect(page.locator("h1")).to_have_text("Passage de Mon Service")
    questions = page.locator("#questions")
    questions.get_by_label("Votre question à l’équipe").fill(ASKED)
    questions.get_by_role("button", name="Envoyer la question").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Question envoyée")
    expect(questions).to_contain_text(ASKED)
    expect(questions).to_contain_text("Sans réponse")
    assert Question.objects.get().body == ASKED
    assert_accessible()
    screenshot("question-asked")

    log_in(people["intrapreneur"])
    page.goto("/portefeuille/startups/mon-service/bilans/")
    team = page.locator("#questions")
    expect(team).to_contain_text("Questions des membres du comité")
    expect(team).to_contain_text("Dominique Durand")
    expect(team).to_contain_text(ASKED)
    assert_accessible()
    team.get_by_label("Réponse de l’équipe").fill(ANSWERED)
    team.get_by_role("button", name="Répondre").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Réponse enregistrée")
    expect(team).to_contain_text(ANSWERED)
    expect(team.get_by_role("button", name="Modifier la réponse")).to_be_visible()
    assert_accessible()
    screenshot("question-answered")
    question = Question.objects.get()
    assert (question.answer, question.answered_by) == (ANSWERED, people["intrapreneur"])

    log_in(people["sponsor"])
    page.goto(f"/seances/{review.session_id}/passages/{review.pk}/preparer/")
    expect(page.locator("#questions")).to_contain_text(ANSWERED)
    expect(page.locator("#questions")).to_contain_text("Inès Martin")
