"""Every database knows the GB/T 2260 divisions: they ship in fixtures/regions.json."""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "regions.json"


def load_regions(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    existing = set(Region.objects.values_list("code", flat=True))
    Region.objects.bulk_create(
        [
            Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"])
            for r in rows
            if r["code"] not in existing
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
