"""Trigram search over the procedure catalogue on PostgreSQL: the pg_trgm extension and a GIN index on the
folded name (``catalogue_procedureversion.search_text``), so a search with a typo still finds the procedure.

SQLite has no trigrams: there the portal searches the folded column word by word, and this migration does
nothing. A server where the extension cannot be created (no privilege) keeps working the same way.
"""

from django.db import DatabaseError, migrations, transaction

INDEX = "portal_procedureversion_search_trgm"


def create_trigram_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:  # no privilege: the portal falls back to the folded column
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalogue_procedureversion "
            "USING gin (search_text gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # The extension stays: other parts of the database may use it.
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("catalogue", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_trigram_search, drop_trigram_index, elidable=False),
    ]
