"""Regions get their English names, from fixtures/regions_en.json (made by the rule in
registry/region_names.py; the file, not the module, so that a later change of the rule never
changes what this migration did)."""

import json
from pathlib import Path

from django.db import migrations, models

import registry.choices

FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "regions_en.json"


def fill_names(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    names = json.loads(FIXTURE.read_text(encoding="utf-8"))
    regions = list(Region.objects.filter(code__in=names, name_en=""))
    for region in regions:
        region.name_en = names[region.code]
    Region.objects.bulk_update(regions, ["name_en"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("registry", "0017_record_documents")]

    operations = [
        migrations.AddField(
            model_name="region",
            name="name_en",
            field=models.CharField(
                blank=True,
                default="",
                max_length=100,
                validators=[registry.choices.validate_text],
                verbose_name="英文名称",
            ),
        ),
        migrations.RunPython(fill_names, migrations.RunPython.noop),
    ]
