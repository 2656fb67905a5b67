"""Two versions of a report compared section by section, with a word diff."""

import pytest
from django.urls import reverse
from lxml import html

from committees.reports.compare import word_diff
from committees.reports.services import (
    latest_version,
    report_request_changes,
    report_section_save,
    report_submit,
    sections_of,
)
from tests.committees.reports import COMPLETE, submitted_report
from tests.utils import get_page


def compare_url(report, **params):
    url = reverse("committees:report-compare", args=[report.startup.slug, report.semester])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def revise(report, staff, team, changes: dict[str, dict], *, comments=None, submit=True):
    """Staff send the report back; the team changes some fields (and resubmits)."""
    report_request_changes(report=report, comments=comments or {"impact": "Précisez."}, by=staff)
    draft = sections_of(latest_version(report))
    for key, fields in changes.items():
        report_section_save(report=report, key=key, data=draft[key] | fields, by=team)
    if submit:
        report_submit(report=report, by=team, today=report.created_at.date())
    report.refresh_from_db()
    return report


def sections(response) -> dict[str, str]:
    """Section title → its text, whitespace collapsed."""
    assert response.status_code == 200
    tree = html.fromstring(response.content)
    return {
        " ".join(s.cssselect("h2")[0].text_content().split()): " ".join(s.text_content().split())
        for s in tree.cssselect("main section")
    }


@pytest.fixture
def report(startup, intrapreneur):
    return submitted_report(startup, intrapreneur)


def test_a_changed_field_is_shown_with_deletions_and_insertions(
    client, report, staff, intrapreneur
):
    revise(
        report,
        staff,
        intrapreneur,
        {"identity": {"problem": "Des formulaires papier ressaisis deux fois."}},
        comments={"identity": "Le problème est-il le bon ?"},
    )
    client.force_login(staff)
    response = client.get(compare_url(report))
    page = response.content.decode()
    assert '<del><span class="fr-sr-only">supprimé : </span>à la main.</del>' in page
    assert '<ins><span class="fr-sr-only">ajouté : </span>deux fois.</ins>' in page
    found = sections(response)
    assert "Le problème" in found["1. Identité"]
    # The comment made on the older version, next to the section it is about.
    assert "Le problème est-il le bon ?" in found["1. Identité"]
    # Unchanged sections say so, with the reviewer's comments on them kept.
    assert "Sans changement" in found["2. Les six derniers mois"]
    assert "Sans changement" in found["3. Matrice d’impact"]
    assert "Pitch" not in found["1. Identité"]  # an unchanged field is not repeated


def test_html_typed_by_the_team_is_escaped(client, report, staff, intrapreneur):
    typed = '<script>alert("bilan")</script> <b>gras</b>'
    revise(report, staff, intrapreneur, {"identity": {"problem": typed}})
    client.force_login(staff)
    page = client.get(compare_url(report)).content.decode()
    assert "&lt;script&gt;alert(&quot;bilan&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;gras&lt;/b&gt;" in page
    assert "<script>alert" not in page
    assert "<b>gras" not in page


def test_a_choice_shows_its_label(client, report, staff, intrapreneur):
    revise(report, staff, intrapreneur, {"next_semester": {"security_now": "partly"}})
    client.force_login(staff)
    found = sections(client.get(compare_url(report)))["4. Les six prochains mois"]
    assert "Sécurité : aujourd’hui" in found
    assert "supprimé : Oui" in found and "ajouté : En partie" in found


def test_the_last_two_versions_by_default_and_any_two_on_demand(
    client, report, staff, intrapreneur
):
    revise(report, staff, intrapreneur, {"impact": {"reading": "Deuxième lecture."}})
    revise(report, staff, intrapreneur, {"impact": {"reading": "Troisième lecture."}})
    client.force_login(staff)
    response = client.get(compare_url(report))
    assert (response.context["old"].number, response.context["new"].number) == (2, 3)
    impact = sections(response)["3. Matrice d’impact"]
    assert "Deuxième" in impact and "Troisième" in impact
    # The picker: a plain GET form with both versions chosen.
    tree = html.fromstring(response.content)
    [form] = tree.cssselect("main form[method=get]")
    assert [s.get("name") for s in form.cssselect("select")] == ["de", "a"]
    assert [o.get("value") for o in form.cssselect("select[name=de] option[selected]")] == ["2"]
    # Any two, in either order: the older one is always on the left.
    response = client.get(compare_url(report, de=3, a=1))
    assert (response.context["old"].number, response.context["new"].number) == (1, 3)
    impact = sections(response)["3. Matrice d’impact"]
    assert "La croissance continue." in impact and "Troisième" in impact


def test_a_version_that_does_not_exist_is_a_404(client, report, staff):
    client.force_login(staff)
    assert client.get(compare_url(report, de=1, a=7)).status_code == 404
    assert client.get(compare_url(report, de="x", a=1)).status_code == 404


def test_a_single_version_has_nothing_to_compare(client, report, staff):
    client.force_login(staff)
    page = client.get(compare_url(report)).content.decode()
    assert "il n’y a rien à comparer" in page


@pytest.mark.parametrize(("persona", "status"), [("sponsor", 200), ("outsider", 403)])
def test_sponsors_compare_the_submitted_versions(
    client, request, report, staff, intrapreneur, persona, status
):
    revise(report, staff, intrapreneur, {"impact": {"reading": "Mieux expliqué."}})
    client.force_login(request.getfixturevalue(persona))
    assert client.get(compare_url(report)).status_code == status


def test_a_sponsor_cannot_compare_a_draft(client, report, staff, intrapreneur, sponsor):
    # Changes requested: the new version is a draft that sponsors never see.
    revise(report, staff, intrapreneur, {"impact": {"reading": "Brouillon secret."}}, submit=False)
    client.force_login(sponsor)
    assert client.get(compare_url(report, de=1, a=2)).status_code == 403
    page = client.get(compare_url(report)).content.decode()
    assert "il n’y a rien à comparer" in page
    assert "Brouillon secret" not in page
    # The team and the incubator see the draft's changes.
    for reader in (intrapreneur, staff):
        client.force_login(reader)
        assert "Brouillon secret" in client.get(compare_url(report, de=1, a=2)).content.decode()


# Session and user (2), savepoint and release (2), the startup and its sponsors (2), access (1),
# the report, its versions, their sections, the comments (4), the header's navigation (1).
COMPARE_QUERIES = 12


def test_query_count_does_not_grow_with_versions_and_comments(client, report, staff, intrapreneur):
    revise(report, staff, intrapreneur, {"impact": {"reading": "Deux."}})
    client.force_login(staff)
    get_page(client, compare_url(report), queries=COMPARE_QUERIES)
    for n in range(4):
        revise(
            report,
            staff,
            intrapreneur,
            {
                key: {"problem" if key == "identity" else "reading": f"Version {n}"}
                for key in ("identity", "impact")
            },
            comments=dict.fromkeys(COMPLETE, f"Commentaire {n}"),
        )
    get_page(client, compare_url(report), queries=COMPARE_QUERIES)


def test_word_diff_keeps_line_breaks_and_groups_a_rewritten_sentence():
    old, new = word_diff("Un\ndeux trois quatre", "Un\ndeux cinq six sept")
    assert old == 'Un<br>deux <del><span class="fr-sr-only">supprimé : </span>trois quatre</del>'
    assert new == 'Un<br>deux <ins><span class="fr-sr-only">ajouté : </span>cinq six sept</ins>'
    old, new = word_diff("Le chat dort sur le tapis", "Le chien mange sur le canapé")
    assert '<del><span class="fr-sr-only">supprimé : </span>chat dort sur le tapis</del>' in old
