"""HTML to PDF: WeasyPrint on Django templates, with stylesheets and fonts read from the static
files, never from the network, and the pypdf steps of a session pack: merging dossiers rendered
in parallel and stamping the page numbers of the whole.

Templates link their assets relative to `ORIGIN` (`href="css/pdf.css"`), a host that does not
exist: `StaticFetcher` answers it from the static files finders and refuses every other URL.
"""

import mimetypes
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

ORIGIN = "https://static.comite.invalid/"


@cache
def static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"Fichier statique introuvable : {path}")
    return Path(found).read_bytes()


class StaticFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        if not url.startswith(ORIGIN):
            raise ValueError(f"Ressource extérieure refusée : {url}")
        path = url.removeprefix(ORIGIN).split("?")[0]
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=static_bytes(path), headers={"Content-Type": kind})


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int


# Tagged for screen readers (headings, tables, the charts' descriptions), with the title and
# the language (`fr`) that WeasyPrint reads from the template's <title> and <html lang>.
TAGGED = "pdf/ua-1"


def render(html: str, *, tagged: bool = True) -> Pdf:
    """The PDF of `html`, tagged unless it is a part that `assemble` will merge (merging drops
    the tags: rendering them would be wasted)."""
    document = HTML(string=html, base_url=ORIGIN, url_fetcher=StaticFetcher()).render()
    data = document.write_pdf(pdf_variant=TAGGED) if tagged else document.write_pdf()
    return Pdf(data, len(document.pages))


def page_count(data: bytes) -> int:
    return len(PdfReader(BytesIO(data)).pages)


def assemble(parts: list[bytes], *, title: str, outline: list[tuple[str, int]]) -> Pdf:
    """One PDF of `parts` in order, every page numbered "Page n sur N" as the dossiers are
    (they are rendered without numbers: a worker does not know where its dossier will fall),
    with a bookmark per `(title, first page index)`, its `title` and the language `fr`."""
    writer = PdfWriter()
    writer.add_metadata({"/Title": title})
    writer.root_object[NameObject("/Lang")] = TextStringObject("fr")
    for data in parts:
        writer.append(PdfReader(BytesIO(data)), import_outline=False)
    total = len(writer.pages)
    numbers = render(
        render_to_string("committees/pdf/numbers.html", {"pages": range(total)}), tagged=False
    )
    for page, number in zip(writer.pages, PdfReader(BytesIO(numbers.data)).pages, strict=True):
        page.merge_page(number)
    for title, index in outline:
        writer.add_outline_item(title=title, page_number=index)
    writer.compress_identical_objects()
    out = BytesIO()
    writer.write(out)
    return Pdf(out.getvalue(), total)
