"""Trigram indexes for the portfolio search, on PostgreSQL only (SQLite scans: it is small).

`icontains` compiles to `UPPER(col) LIKE UPPER(%s)` on PostgreSQL, so the index is on UPPER(col).
"""

from django.db import migrations

INDEXES = {
    "startup_name_trgm": "UPPER(name)",
    "startup_pitch_trgm": "UPPER(pitch)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON startups_startup USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("startups", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
