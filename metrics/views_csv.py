"""The CSV upload of measurements: upload and check, preview, apply (POST-redirect-GET).

Between the preview and the apply the file stays on the server under a random name that only
the session knows; the apply reads it again, checks it again, then deletes it.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from dsfr.forms import DsfrBaseForm

from startups.access import get_startup_for_editor

from .csv_import import (
    CsvRejected,
    csv_apply,
    csv_check,
    csv_preview,
    csv_template,
    upload_delete,
    upload_read,
    upload_store,
)

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
SESSION_KEY = "metrics_csv_uploads"


class CsvUploadForm(DsfrBaseForm):
    fichier = forms.FileField(
        label="Fichier CSV",
        help_text=f"Taille maximale : {MAX_UPLOAD_MB} Mo. Format accepté : .csv "
        "(séparateur point-virgule ou virgule, encodage UTF-8 ou celui d’Excel).",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv", "class": "fr-upload"}),
        error_messages={
            "required": "Choisissez un fichier CSV.",
            "empty": "Le fichier est vide.",
            "invalid": "Ce n’est pas un fichier.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fichier"].widget.group_class = "fr-upload-group"

    def clean_fichier(self):
        file = self.cleaned_data["fichier"]
        if file.size > MAX_UPLOAD_BYTES:
            size = f"{file.size / 1024 / 1024:.1f}".replace(".", ",")
            raise forms.ValidationError(f"Le fichier pèse {size} Mo : {MAX_UPLOAD_MB} Mo au plus.")
        if not file.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Seuls les fichiers .csv sont acceptés.")
        # A spreadsheet or a PDF renamed .csv: text files have no NUL byte.
        head = file.read(4096)
        file.seek(0)
        if b"\x00" in head:
            raise forms.ValidationError(
                "Ce fichier n’est pas un CSV : enregistrez-le au format CSV depuis le tableur."
            )
        return file


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n < 2 else many}"


def metrics_page_url(startup) -> str:
    """The metrics list of the startup, or its page while that list does not exist."""
    try:
        return reverse("metrics:list", args=[startup.slug])
    except NoReverseMatch:
        return startup.get_absolute_url()


def pending(request, startup) -> dict | None:
    return request.session.get(SESSION_KEY, {}).get(startup.slug)


def token_of(upload: dict) -> str:
    """What the preview's form sends back, so that it applies the file it showed."""
    return upload["name"].rpartition("/")[2].removesuffix(".csv")


def forget(request, startup) -> None:
    """Delete the kept file of this startup's upload and its trace in the session."""
    uploads = request.session.get(SESSION_KEY, {})
    upload = uploads.pop(startup.slug, None)
    if upload:
        upload_delete(upload["name"])
        request.session[SESSION_KEY] = uploads


def render_upload(request, startup, form, rejected: CsvRejected | None = None):
    context = {
        "startup": startup,
        "form": form,
        "rejected": rejected,
        "metrics": list(startup.metrics.all()),
        "metrics_url": metrics_page_url(startup),
    }
    return render(request, "metrics/csv_upload.html", context)


def upload(request, slug):
    startup = get_startup_for_editor(request, slug)
    if request.method != "POST":
        return render_upload(request, startup, CsvUploadForm())
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_upload(request, startup, form)
    file = form.cleaned_data["fichier"]
    try:
        csv_check(file.read(), startup=startup)
    except CsvRejected as rejected:
        return render_upload(request, startup, CsvUploadForm(), rejected)
    forget(request, startup)  # an earlier upload not applied
    file.seek(0)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[startup.slug] = {"name": upload_store(file), "filename": file.name[:200]}
    request.session[SESSION_KEY] = uploads
    return redirect("metrics:csv-preview", slug=startup.slug)


def preview(request, slug):
    startup = get_startup_for_editor(request, slug)
    upload = pending(request, startup)
    data = upload and upload_read(upload["name"])
    if data is None:
        messages.info(request, "Aucun fichier en attente d’import : choisissez-en un.")
        return redirect("metrics:csv-upload", slug=startup.slug)
    try:
        outcome = csv_preview(data, startup=startup)
    except CsvRejected as rejected:  # the metrics changed since the upload
        forget(request, startup)
        return render_upload(request, startup, CsvUploadForm(), rejected)
    context = {
        "startup": startup,
        "outcome": outcome,
        "filename": upload["filename"],
        "token": token_of(upload),
        "metrics_url": metrics_page_url(startup),
    }
    return render(request, "metrics/csv_preview.html", context)


@require_POST
def apply(request, slug):
    startup = get_startup_for_editor(request, slug)
    upload = pending(request, startup)
    if "annuler" in request.POST:
        forget(request, startup)
        messages.info(request, "Import annulé : rien n’a été enregistré.")
        return redirect("metrics:csv-upload", slug=startup.slug)
    if upload is None:  # a second click, after the first applied the file
        messages.info(request, "Ce fichier a déjà été importé : rien de plus à faire.")
        return redirect(metrics_page_url(startup))
    if request.POST.get("jeton") != token_of(upload):  # a preview older than the last upload
        messages.warning(request, "Un autre fichier a été déposé depuis : voici son aperçu.")
        return redirect("metrics:csv-preview", slug=startup.slug)
    data = upload_read(upload["name"])
    if data is None:  # a second click while the first was applying the file
        messages.info(request, "Ce fichier a déjà été importé : rien de plus à faire.")
        return redirect(metrics_page_url(startup))
    try:
        outcome = csv_apply(data, startup=startup)
    except CsvRejected as rejected:
        forget(request, startup)
        return render_upload(request, startup, CsvUploadForm(), rejected)
    forget(request, startup)
    if outcome.is_empty:
        messages.info(request, "Import terminé : toutes les valeurs étaient déjà enregistrées.")
    else:
        messages.success(
            request,
            f"Import terminé : {plural(outcome.new, 'valeur ajoutée', 'valeurs ajoutées')}, "
            f"{plural(outcome.changed, 'modifiée', 'modifiées')}, "
            f"{plural(outcome.unchanged, 'inchangée', 'inchangées')}.",
        )
    return redirect(metrics_page_url(startup))


def template(request, slug):
    startup = get_startup_for_editor(request, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"indicateurs-{startup.slug}.csv"
    )
    response.write("\ufeff" + csv_template(startup))  # the BOM tells Excel it is UTF-8
    return response
