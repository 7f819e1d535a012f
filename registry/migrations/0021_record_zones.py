# The zones of exchange.md version 2 (issue 14), and the bbox filter's point index.

import django.contrib.gis.db.models.fields
import registry.zones.geometry
from django.db import migrations, models


def spatial_extension(apps, schema_editor):
    """PostGIS in a database made before the zones. (SpatiaLite's metadata tables are made by
    GeoDjango's backend before any migration runs: DatabaseWrapper.prepare_database.)"""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS postgis")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0020_photo_public'),
    ]

    operations = [
        migrations.RunPython(spatial_extension, migrations.RunPython.noop, elidable=False),
        migrations.AddField(
            model_name='record',
            name='control_zone',
            field=django.contrib.gis.db.models.fields.GeometryField(blank=True, null=True, srid=4326, validators=[registry.zones.geometry.validate_stored_zone], verbose_name='建设控制地带'),
        ),
        migrations.AddField(
            model_name='record',
            name='protection_zone',
            field=django.contrib.gis.db.models.fields.GeometryField(blank=True, null=True, srid=4326, validators=[registry.zones.geometry.validate_stored_zone], verbose_name='保护范围'),
        ),
        migrations.AddIndex(
            model_name='record',
            index=models.Index(fields=['lat', 'lon'], name='record_lat_lon'),
        ),
    ]
