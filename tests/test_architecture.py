"""The apps depend one way only: accounts ← startups ← metrics ← committees (STYLE.md rules 1 and
20b), in their Python modules and in their templates."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["accounts", "startups", "metrics", "committees"]


def imported_apps(app: str) -> set[str]:
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_never_imports_a_higher_one(app):
    higher = set(LAYERS[LAYERS.index(app) + 1 :])
    assert not imported_apps(app) & higher


# Templates: what import-linter cannot read (STYLE.md rule 20b). A template belongs to the app
# whose directory holds it (`templates/<app>/`), or else to the lowest app that names it (its
# views render it, or its templates include it); one that no app names is the page layer.
# `{% load x %}` depends on the app owning tag library `x`, `{% url 'ns:…' %}` on the app owning
# namespace `ns`, `{% include/extends "<app>/…" %}` on that app.
TEMPLATES = ROOT / "templates"
# URL namespaces (config/urls.py) and the app whose urls they gather.
NAMESPACES = {app: app for app in LAYERS}
# Templates above the apps, by design: the page layer may use any app.
PAGE_LAYER = {
    # The header and footer of every page: the menu links to every app's pages.
    "layout/",
}
# Lower apps' templates that use a higher app, each with its reason. Keep this list short.
ALLOWED = {
    # The startup's page, the sponsor's page and the portfolio's table show the committees'
    # decisions through committees' inclusion tags (`decisions`): startups' Python never imports
    # committees, but these pages need it. The way out is the one taken for the home page: their
    # views move to the page layer (config/).
    ("startups/detail.html", "committees"),
    # The same startup's page shows the metrics' impact panel (`metrics_tags`).
    ("startups/detail.html", "metrics"),
    ("startups/sponsor.html", "committees"),
    ("startups/startup_table.html", "committees"),
    # The impact panel (a metrics inclusion tag, shown on the startup's page) ends with a link to
    # the startup's semester reports: it goes with the startup's page above.
    ("metrics/impact_panel.html", "committees"),
}
LOAD = re.compile(r"{%-?\s*load\s+(.+?)\s*-?%}")
URL = re.compile(r"{%-?\s*url\s+[\"']([\w-]+):")
INCLUDE = re.compile(r"{%-?\s*(?:include|extends)\s+[\"']([\w-]+)/")


def tag_libraries() -> dict[str, str]:
    """{library name: the app that owns it} for the apps' templatetags packages."""
    return {
        path.stem: app
        for app in LAYERS
        for path in (ROOT / app).glob("templatetags/*.py")
        if path.stem != "__init__"
    }


def template_names() -> list[str]:
    return sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.*"))


def owner(name: str) -> str | None:
    """The app a template belongs to; None for the page layer."""
    top = name.split("/")[0]
    if top in LAYERS:
        return top
    if any(name.startswith(prefix) for prefix in PAGE_LAYER):
        return None
    users = set()
    for app in LAYERS:
        texts = [path.read_text() for path in (ROOT / app).rglob("*.py")]
        texts += [path.read_text() for path in (TEMPLATES / app).rglob("*.*")]
        if any(f'"{name}"' in text or f"'{name}'" in text for text in texts):
            users.add(app)
    return min(users, key=LAYERS.index) if users else None


def used_apps(name: str) -> set[str]:
    text = (TEMPLATES / name).read_text()
    libraries = tag_libraries()
    used = {
        libraries[library]
        for line in LOAD.findall(text)
        for library in line.split()
        if library in libraries and library != "from"
    }
    used |= {NAMESPACES[ns] for ns in URL.findall(text) if ns in NAMESPACES}
    used |= {top for top in INCLUDE.findall(text) if top in LAYERS}
    return used


def test_the_template_reader_sees_loads_urls_and_includes():
    assert tag_libraries()["decisions"] == "committees"
    assert used_apps("layout/header.html") >= {"committees"}
    assert used_apps("startups/detail.html") >= {"startups", "metrics", "committees"}


@pytest.mark.parametrize("name", template_names())
def test_a_template_never_uses_a_higher_app(name):
    app = owner(name)
    if app is None:
        return
    higher = set(LAYERS[LAYERS.index(app) + 1 :])
    assert {(name, other) for other in used_apps(name) & higher} <= ALLOWED


def test_every_allowed_exception_is_still_needed():
    for name, other in ALLOWED:
        assert other in used_apps(name), f"{name} no longer uses {other}: drop it from ALLOWED"


def test_committees_modules_import_each_other_without_a_loop():
    """The graph drawn in docs/committees-imports.svg has no loop when modules load (a task
    imports what it runs inside its body: those dashed arrows are left out)."""
    from committees.management.commands.import_graph import cycles, graph

    assert cycles(graph()) == []
