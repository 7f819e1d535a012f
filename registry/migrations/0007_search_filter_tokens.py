from django.db import migrations

from registry.migrations import _search_rebuild_v1


def refresh_search(apps, schema_editor):
    """The search data gains each record's filter tokens (kind, level, region prefixes:
    registry/search/keys.py): recomputed for every record, with the rebuild frozen in
    _search_rebuild_v1.py (a later change of the services does not change this migration)."""
    _search_rebuild_v1.rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_workflow_groups")]

    operations = [migrations.RunPython(refresh_search, migrations.RunPython.noop)]
