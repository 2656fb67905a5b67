"""Committees, their sessions and agendas are set up here; reports and reminders are only read:
they move through their workflow (committees/services.py), never by hand."""

from django.contrib import admin

from .models import Committee, ReportVersion, Review, SemesterReport, SentReminder, Session


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "incubator", "report_lead_days"]
    search_fields = ["name"]
    autocomplete_fields = ["incubator"]


class ReviewInline(admin.TabularInline):
    model = Review
    autocomplete_fields = ["startup"]
    extra = 0


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "starts_at", "status", "place"]
    list_filter = ["status", "committee"]
    list_select_related = ["committee"]
    date_hierarchy = "starts_at"
    inlines = [ReviewInline]


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportVersion
    fields = ["number", "created_at", "submitted_at", "submitted_by", "reviewed_at", "reviewed_by"]
    readonly_fields = fields
    extra = 0


@admin.register(SemesterReport)
class SemesterReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["startup", "semester", "status", "created_at", "accepted_at"]
    list_filter = ["status", "semester"]
    list_select_related = ["startup"]
    search_fields = ["startup__name", "startup__slug"]
    inlines = [VersionInline]


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["kind", "sent_session", "sent_review", "sent_at"]
    fields = readonly_fields = list_display
    list_filter = ["kind"]
    list_select_related = ["session__committee", "review__startup", "review__session__committee"]
    date_hierarchy = "sent_at"

    @admin.display(description="séance", ordering="session__starts_at")
    def sent_session(self, reminder):
        return reminder.session

    @admin.display(description="passage en comité (rappel à l’équipe)")
    def sent_review(self, reminder):
        return reminder.review.startup if reminder.review else "Récapitulatif à l’incubateur"
