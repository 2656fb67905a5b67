"""Rounds ended one day late: a six-month round from 1 January ended on 1 July, and that day
was counted in the semester's cost. A round that ends on the same date a whole number of months
after its start now ends the day before (30 June), as `startups.dates.round_end` says (copied
here: a migration keeps the rule it was written with). The startups' next committee date, which
falls 45 days before the last round's end, moves with it."""

import calendar
import datetime

from django.db import migrations

COMMITTEE_BEFORE_MONEY_ENDS_DAYS = 45
DAY = datetime.timedelta(days=1)


def add_months(day, months):
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def round_end(start, months):
    following = add_months(start, months)
    if following.day < start.day:
        following = add_months(following.replace(day=1), 1)
    return following - DAY


def one_day_late(start, end):
    months = (end.year - start.year) * 12 + end.month - start.month
    return months > 0 and round_end(start, months) + DAY == end


def fix(apps, schema_editor):
    FundingRound = apps.get_model("startups", "FundingRound")
    Startup = apps.get_model("startups", "Startup")
    late = [r for r in FundingRound.objects.all() if one_day_late(r.start, r.end)]
    old_ends = {r.pk: r.end for r in late}
    for funding_round in late:
        funding_round.end -= DAY
    FundingRound.objects.bulk_update(late, ["end"], batch_size=500)
    touched = {r.startup_id for r in late}
    for startup in Startup.objects.filter(pk__in=touched, committee_due_on__isnull=False):
        last = FundingRound.objects.filter(startup=startup).order_by("-start").first()
        if last.pk not in old_ends:
            continue
        before = old_ends[last.pk] - datetime.timedelta(days=COMMITTEE_BEFORE_MONEY_ENDS_DAYS)
        if startup.committee_due_on == before:
            startup.committee_due_on = before - DAY
            startup.save(update_fields=["committee_due_on"])


class Migration(migrations.Migration):
    dependencies = [("startups", "0003_origin_and_disagreements")]

    operations = [migrations.RunPython(fix, migrations.RunPython.noop)]
