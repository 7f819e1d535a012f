# Migration 0009 was made on SQLite, where code_collation() is None, so on PostgreSQL its
# AlterField dropped the "C" collation of the record code: codes then sort by the database's
# locale, not by code point as exchange.md says (unseen where the server's locale is C.UTF-8).
# This gives the column its collation back; on SQLite it changes nothing.

import django.core.validators
from django.db import migrations, models

import registry.choices
import registry.db


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0012_photo_file_name_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='record',
            name='code',
            field=models.CharField(db_collation=registry.db.code_collation(), max_length=40, unique=True, validators=[django.core.validators.RegexValidator('\\A[A-Za-z0-9._-]{1,40}\\Z', '编号只能由 1–40 个 A-Z a-z 0-9 . _ - 字符组成。'), registry.choices.validate_text], verbose_name='编号'),
        ),
    ]
