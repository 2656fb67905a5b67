from django.contrib import admin

from .models import (
    ApiToken,
    BudgetLine,
    Measurement,
    Metric,
    MetricDefinition,
    MetricSource,
    Objective,
)


class DefinitionInline(admin.TabularInline):
    model = MetricDefinition
    extra = 0
    readonly_fields = ["created_at", "created_by"]


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["label", "startup", "dimension", "is_north_star", "is_public"]
    list_filter = ["dimension", "is_north_star", "is_public"]
    search_fields = ["label", "startup__name"]
    autocomplete_fields = ["startup"]
    inlines = [DefinitionInline]


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["metric", "month", "value", "source"]
    list_filter = ["source"]
    search_fields = ["metric__label", "metric__startup__name"]
    raw_id_fields = ["metric", "definition"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["metric", "target", "due_on"]
    raw_id_fields = ["metric"]


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    list_display = [
        "startup",
        "year",
        "half",
        "activity",
        "resource_type",
        "nature",
        "committed",
        "paid",
    ]
    list_filter = ["nature", "activity", "resource_type", "year"]
    search_fields = ["startup__name", "label"]
    autocomplete_fields = ["startup"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "startup", "label", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = ["digest", "prefix", "created_at", "created_by", "last_used_at"]
    search_fields = ["startup__name", "prefix"]


@admin.register(MetricSource)
class MetricSourceAdmin(admin.ModelAdmin):
    """To look at or remove a source; its token (encrypted) is never shown."""

    list_display = ["metric", "kind", "last_fetched_at", "last_status"]
    list_filter = ["kind", "last_status"]
    search_fields = ["metric__label", "metric__startup__name"]
    raw_id_fields = ["metric"]
    readonly_fields = ["last_fetched_at", "last_status", "last_error", "months_fetched"]
