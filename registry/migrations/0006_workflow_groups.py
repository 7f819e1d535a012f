from django.db import migrations

# What each group may do is said in registry/permissions.py; the groups only name the roles.
ROLES = ("surveyor", "reviewer", "registrar")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("registry", "0005_workflow"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
