"""The public API's payloads, rendered from a markdown folder as beta.gouv.fr's Jekyll templates
render them, for a local mirror of the API (`manage.py serve_betagouv_api`) and the sync's tests: `api/v2.7/startups.json` (commit 14199fe2 of betagouv/beta.gouv.fr) and
`api/v2.6/organisations.json`. The same fields and the same quirks, read off the templates:

- Liquid's truth: only nil and false are false, so an empty `link: ""` still prints
  `impact_url` and `link`, and `{% if %}` leaves out a false `analyse_risques`;
- `stats_url` is the startup's own, else `<link | strip>/stats` when `stats` is true, else "";
- sponsors lose their "/organisations/" prefix; an open phase has `"end": ""`;
- events' comments lose their line breaks (`strip_newlines`); phases have no comment;
- the markdown body is `ERB::Util.url_encode`d (`content_url_encoded_markdown`);
- `incubators` is always given: the co-incubation list, else the one `incubator`;
- incubators come in `included` with title, owner, website, github and contact only;
- organisations' texts are HTML-escaped (`| escape`, CGI.escapeHTML).
"""

import datetime
import re
from pathlib import Path
from urllib.parse import quote

import yaml

# Jekyll's own front matter pattern (Jekyll::Document::YAML_FRONT_MATTER_REGEXP).
FRONT_MATTER = re.compile(r"\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)", re.MULTILINE | re.DOTALL)


def documents(directory: Path) -> list[tuple[str, dict, str]]:
    """(id, front matter, content) of each document of a Jekyll collection folder."""
    found = []
    for path in sorted(directory.iterdir()):
        if path.is_file() and not path.name.startswith((".", "_")):
            text = path.read_text(encoding="utf-8")
            match = FRONT_MATTER.match(text)
            data = yaml.safe_load(match.group(1))
            found.append((path.name.removesuffix(".md"), data, text[match.end() :]))
    return found


def truthy(value) -> bool:
    return value is not None and value is not False


def out(value) -> str:
    """{{ value }}"""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def escape(value) -> str:
    """Liquid's `escape` (CGI.escapeHTML)."""
    text = out(value)
    for char, entity in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ('"', "&quot;"),
        ("'", "&#39;"),
    ):
        text = text.replace(char, entity)
    return text


def startup(slug: str, s: dict, content: str) -> dict:
    attributes = {"name": out(s.get("title")), "pitch": out(s.get("mission"))}
    if truthy(s.get("stats_url")):
        attributes["stats_url"] = out(s["stats_url"])
    else:
        attributes["stats_url"] = (
            f"{out(s.get('link')).strip()}/stats" if truthy(s.get("stats")) else ""
        )
    if truthy(s.get("budget_url")):
        attributes["budget_url"] = out(s["budget_url"])
    if truthy(s.get("link")):
        attributes["impact_url"] = out(s.get("impact_url"))
        attributes["link"] = out(s["link"])
    if truthy(s.get("repository")):
        attributes["repository"] = out(s["repository"])
    attributes |= {
        "contact": out(s.get("contact")),
        "content_url_encoded_markdown": quote(content, safe=""),
        "events": [
            {
                "name": out(e.get("name")),
                "date": out(e.get("date")),
                "comment": re.sub(r"\r?\n", "", out(e.get("comment"))),
            }
            for e in s.get("events") or []
        ],
        "phases": [
            {"name": out(p.get("name")), "start": out(p.get("start")), "end": out(p.get("end"))}
            for p in s.get("phases") or []
        ],
        "sponsors": [
            out(sponsor).replace("/organisations/", "") for sponsor in s.get("sponsors") or []
        ],
        "thematiques": [out(t) for t in s.get("thematiques") or []],
        "technos": [out(t) for t in s.get("techno") or []],
    }
    for key in ("analyse_risques", "analyse_risques_url", "dashlord_url", "accessibility_status"):
        if truthy(s.get(key)):
            attributes[key] = out(s[key])
    incubator = out(s.get("incubator"))
    incubators = s.get("incubators") if truthy(s.get("incubators")) else incubator.split(",")
    return {
        "id": slug,
        "type": "startup",
        "attributes": attributes,
        "relationships": {
            "incubator": {"data": {"type": "incubator", "id": incubator}},
            "incubators": {"data": [{"type": "incubator", "id": out(i)} for i in incubators if i]},
        },
    }


def startups_json(folder: Path) -> dict:
    return {
        "links": {"self": "https://beta.gouv.fr/startups"},
        "data": [startup(*document) for document in documents(folder / "_startups")],
        "included": [
            {
                "id": slug,
                "type": "incubator",
                "attributes": {
                    key: out(data.get(key))
                    for key in ("title", "owner", "website", "github", "contact")
                },
            }
            for slug, data, _ in documents(folder / "_incubators")
        ],
    }


def organisations_json(folder: Path) -> list[dict]:
    return [
        {"id": slug}
        | {key: escape(data.get(key)) for key in ("name", "acronym", "domaine_ministeriel", "type")}
        for slug, data, _ in documents(folder / "_organisations")
    ]
