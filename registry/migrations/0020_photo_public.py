"""Photo.public: a photo is public only once a reviewer or registrar marks it so. The photos the
old rule showed to everyone (a record's own, an approved survey's) are marked public here, so
nothing visible before disappears; every later upload starts hidden."""

from django.db import migrations, models
from django.db.models import Q


def mark_public(apps, schema_editor):
    Photo = apps.get_model("registry", "Photo")
    # One UPDATE, by the old PUBLIC_PHOTO rule ("approved": SurveyState.APPROVED's value).
    Photo.objects.filter(Q(survey__isnull=True) | Q(survey__state="approved")).update(public=True)


class Migration(migrations.Migration):
    dependencies = [("registry", "0019_search_keys_v2")]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="public",
            field=models.BooleanField(
                default=False,
                help_text="公开后（现场调查的照片须待调查通过），任何人都可以在保护对象页面和接口中看到这张照片。",
                verbose_name="公开",
            ),
        ),
        migrations.RunPython(mark_public, migrations.RunPython.noop),
    ]
