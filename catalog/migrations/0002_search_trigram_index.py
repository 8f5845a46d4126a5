"""Search matches ``Service.search_text`` with LIKE '%term%'. On PostgreSQL a GIN trigram
index (pg_trgm) serves those patterns, Chinese included under a UTF-8 ctype; SQLite scans."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_service_search_trgm "
    "ON catalog_service USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS catalog_service_search_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_catalogue")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
