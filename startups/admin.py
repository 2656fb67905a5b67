from django.contrib import admin

from .models import (
    Contribution,
    FundingRound,
    Incubator,
    IncubatorStaff,
    Organisation,
    Phase,
    SponsorRepresentative,
    Startup,
    StartupEvent,
    TeamMembership,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "ministerial_domain"]
    list_filter = ["kind", "ministerial_domain"]
    search_fields = ["slug", "name", "acronym"]


class IncubatorStaffInline(admin.TabularInline):
    model = IncubatorStaff
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Incubator)
class IncubatorAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "hidden"]
    search_fields = ["slug", "title"]
    autocomplete_fields = ["owner"]
    inlines = [IncubatorStaffInline]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class EventInline(admin.TabularInline):
    model = StartupEvent
    extra = 0


class TeamInline(admin.TabularInline):
    model = TeamMembership
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Startup)
class StartupAdmin(admin.ModelAdmin):
    list_display = ["name", "incubator", "current_phase", "is_active", "committee_due_on"]
    list_filter = ["current_phase", "is_active", "incubator"]
    search_fields = ["slug", "name", "pitch"]
    autocomplete_fields = ["incubator", "co_incubators", "sponsors"]
    readonly_fields = [
        "current_phase",
        "current_phase_name",
        "current_phase_start",
        "is_active",
        "last_committee_on",
        "committee_due_on",
    ]
    inlines = [PhaseInline, EventInline, TeamInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_derived()


class ContributionInline(admin.TabularInline):
    model = Contribution
    autocomplete_fields = ["organisation"]
    extra = 0


@admin.register(FundingRound)
class FundingRoundAdmin(admin.ModelAdmin):
    list_display = ["startup", "label", "start", "end", "amount_granted", "amount_spent"]
    list_filter = ["source", "is_provisional"]
    search_fields = ["startup__name", "label"]
    autocomplete_fields = ["startup"]
    inlines = [ContributionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.startup.refresh_derived()


@admin.register(SponsorRepresentative)
class SponsorRepresentativeAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]
