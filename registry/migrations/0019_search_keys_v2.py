# The search keys fold traditional characters to simplified and gain the English name and the
# region's names; each search row gains the record's pinyin sort key (ordering=name), with
# its index. Every record's search data is computed again with the rebuild frozen in
# _search_rebuild_v2.py. And an index of UPPER(code): /records/hc-140728/ redirects to the
# record HC-140728.

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

import registry.db
from registry.migrations import _search_rebuild_v2


def refresh_search(apps, schema_editor):
    _search_rebuild_v2.rebuild(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0018_region_name_en'),
    ]

    operations = [
        migrations.AddField(
            model_name='searchdoc',
            name='sort_key',
            field=models.TextField(db_collation=registry.db.code_collation(), default=''),
        ),
        migrations.AlterField(
            model_name='searchdoc',
            name='record',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_doc', serialize=False, to='registry.record'),
        ),
        migrations.AddIndex(
            model_name='searchdoc',
            index=models.Index(fields=['sort_key', 'record'], name='searchdoc_sort_key'),
        ),
        migrations.AddIndex(
            model_name='searchdoc',
            index=models.Index(fields=['record', 'sort_key'], name='searchdoc_record_sort_key'),
        ),
        migrations.AddIndex(
            model_name='record',
            index=models.Index(django.db.models.functions.text.Upper('code'), name='record_code_upper'),
        ),
        migrations.RunPython(refresh_search, migrations.RunPython.noop),
    ]
