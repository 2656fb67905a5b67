"""Two versions of a report compared, section by section (`?de=1&a=2`)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from ..models import ReportComment, ReportSection, ReportVersion
from .access import get_report_for
from .compare import compare_versions


def chosen(versions: dict[int, ReportVersion], visible: list[ReportVersion], asked: str):
    """The version numbered `asked`: 404 if there is none, 403 if this reader may not see it
    (a draft, for a sponsor)."""
    try:
        version = versions[int(asked)]
    except (ValueError, KeyError):
        raise Http404("Cette version du bilan n’existe pas.") from None
    if version not in visible:
        raise PermissionDenied("Les sponsors lisent les versions soumises, pas les brouillons.")
    return version


def compare(request, slug, semester):
    report, startup, roles = get_report_for(request, slug, semester, to="read")
    versions = {v.number: v for v in report.versions.all()}
    # Drafts are the team's and the incubator's; sponsors read what was submitted.
    visible = [v for v in versions.values() if roles.team or roles.staff or not v.is_draft]
    context = {"startup": startup, "report": report, "versions": visible}
    asked = {
        p: chosen(versions, visible, request.GET[p]) for p in ("de", "a") if request.GET.get(p)
    }
    if len(visible) < 2:
        return render(request, "committees/compare.html", context)
    old, new = asked.get("de", visible[-2]), asked.get("a", visible[-1])
    if old.number > new.number:
        old, new = new, old
    contents = {old.pk: {}, new.pk: {}}
    for section in ReportSection.objects.filter(version__in=[old, new]):
        contents[section.version_id][section.key] = section.data
    comments = {}
    for comment in ReportComment.objects.filter(version=old).select_related("author"):
        comments.setdefault(comment.section, []).append(comment)
    context |= {
        "old": old,
        "new": new,
        "sections": compare_versions(contents[old.pk], contents[new.pk], comments),
    }
    return render(request, "committees/compare.html", context)
