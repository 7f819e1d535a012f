"""Users of every role and a small registry in two regions, for the workflow tests."""

import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from PIL import Image

from registry.models import RegionAssignment

PASSWORD = "pw-For-tests-1"


def user(
    name: str, role: str | None = None, regions=("140000",), superuser=False, password=PASSWORD
):
    """A staff user; password=None spares the 0.4 s of hashing one (for tests that never log
    in with it)."""
    person = get_user_model().objects.create_user(
        username=name, password=password, is_staff=True, is_superuser=superuser
    )
    if role:
        person.groups.add(Group.objects.get(name=role))
    for code in regions:
        RegionAssignment.objects.create(user=person, region_id=code)
    return person


def jpeg_bytes(size=(64, 48), color=(200, 30, 30), exif=None, fmt="JPEG") -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()
