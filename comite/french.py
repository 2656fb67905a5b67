"""French typography the templates and messages need: "de" elided before a vowel, and
contracted with a name's own article ("du département", "des Ateliers")."""

# Not "y": "de Yes We Hack", as it is said (only a few names, "d’Yvelines", elide it).
VOWELS = set("aeiouàâäéèêëîïôöùûüæœ")
# A name that starts with its article: "de" + "Le …" is "du …", + "Les …" is "des …" ("La" and
# "L’" stay: "de La Fabrique", "de L’Assistant").
ARTICLES = {"le ": "du ", "les ": "des "}


def de(name: str) -> str:
    """`de` and a name: "de Turgot", "d’Accès cible", "d’Écoles", "du département …"."""
    name = str(name)
    for article, contracted in ARTICLES.items():
        if name[: len(article)].lower() == article and len(name) > len(article):
            return contracted + name[len(article) :]
    return f"d’{name}" if name[:1].lower() in VOWELS else f"de {name}"
