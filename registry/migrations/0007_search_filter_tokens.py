from django.db import migrations


def refresh_search(apps, schema_editor):
    """The search data gains each record's filter tokens (kind, level, region prefixes:
    registry/services/search_index.py): recomputed for every record, set-based and batched."""
    from registry.services import search_index

    search_index.refresh()


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_workflow_groups")]

    operations = [migrations.RunPython(refresh_search, migrations.RunPython.noop)]
