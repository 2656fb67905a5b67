"""French typography the templates and messages need: "de" elided before a vowel."""

# Not "y": "de Yes We Hack", as it is said (only a few names, "d’Yvelines", elide it).
VOWELS = set("aeiouàâäéèêëîïôöùûüæœ")


def de(name: str) -> str:
    """`de` and a name, elided before a vowel: "de Turgot", "d’Accès cible", "d’Écoles"."""
    name = str(name)
    return f"d’{name}" if name[:1].lower() in VOWELS else f"de {name}"
