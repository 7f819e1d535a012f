"""python manage.py create_demo_users: one user per role, for trying the admin (`make run`)."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from registry.models import RegionAssignment
from registry.permissions import ROLES

REGION = "140000"  # Shanxi: the demo's records lie there among others


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo users surveyor, reviewer and registrar, working in one "
        "region, and a superuser 'admin'; print their new passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", default=REGION)

    @transaction.atomic
    def handle(self, *args, region, **options):
        User = get_user_model()
        for name in (*ROLES, "admin"):
            user, _created = User.objects.get_or_create(username=name)
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.is_staff = True
            user.is_superuser = name == "admin"
            user.save()
            if name in ROLES:
                user.groups.set([Group.objects.get(name=name)])
                RegionAssignment.objects.get_or_create(user=user, region_id=region)
            self.stdout.write(f"create_demo_users: {name:10} password {password}")
