"""French typography: "de" is elided before a vowel, in names that come from beta.gouv.fr."""

import pytest

from comite.french import de


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Accès cible", "d’Accès cible"),
        ("Écoles numériques", "d’Écoles numériques"),
        ("emplois de l’inclusion", "d’emplois de l’inclusion"),
        ("Yes We Hack", "de Yes We Hack"),
        ("Turgot", "de Turgot"),
        ("Démarche Numérique", "de Démarche Numérique"),
        ("", "de "),
        ("Le département Accompagnement", "du département Accompagnement"),
        ("Les Ateliers", "des Ateliers"),
        ("La Fabrique", "de La Fabrique"),
        ("Lemon", "de Lemon"),
    ],
)
def test_de_is_elided_before_a_vowel(name, expected):
    assert de(name) == expected


def test_templates_have_no_doubled_full_stop_or_doubled_bilan():
    """ "accessibilité.." and "Bilan Bilan du S2 2026" must not come back in pages, e-mails
    and PDFs: an ellipsis is three dots (…), a label starting with "Bilan" is not prefixed."""
    import re
    from pathlib import Path

    doubled = re.compile(r"(?<![.\w/{])\w+\.\.(?![./\w])")
    for path in Path("templates").rglob("*"):
        if path.suffix not in {".html", ".txt"}:
            continue
        text = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", "", path.read_text(), flags=re.S)
        assert not doubled.search(text), path
        assert "Bilan Bilan" not in text and not re.search(r"Bilan\s+{{[^}]*title", text), path
