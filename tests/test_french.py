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
    ],
)
def test_de_is_elided_before_a_vowel(name, expected):
    assert de(name) == expected
