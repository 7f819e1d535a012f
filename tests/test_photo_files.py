"""Photo files at /media/<name>, served by the application with the record's permission rule
(registry.permissions.visible_photos): a record's own photos and those of its approved surveys
to everyone, the others only to staff whose regions hold the record, 404 to anyone else."""

import pytest
from django.test import override_settings
from django.urls import reverse

from registry.models import Photo, Record, Survey
from registry.services import photos
from tests.workflow_builders import jpeg_bytes, user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HERITAGE_MEDIA_ACCEL_REDIRECT = ""
    return tmp_path


def _upload(color):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.jpg", jpeg_bytes(color=color), content_type="image/jpeg")


@pytest.fixture
def world():
    """A building in 140728 (Shanxi) with its own photo, a photo of an approved survey and one of
    a submitted survey, all marked public; surveyors of Shanxi and of Beijing, a reviewer."""
    building = Record.objects.create(code="B1", kind="building", name="张氏宗祠",
                                     level="provincial", region_id="140728",
                                     designated_on="2010-01-01")  # fmt: skip
    local = user("local", "surveyor", regions=("140000",), password=None)
    far = user("far", "surveyor", regions=("110000",), password=None)
    approved = Survey.objects.create(building=building, surveyed_on="2024-01-01",
                                     occupancy="in_use", created_by=local)  # fmt: skip
    submitted = Survey.objects.create(building=building, surveyed_on="2024-02-01",
                                      occupancy="in_use", created_by=local)  # fmt: skip
    shots = {
        "own": photos.photo_attach(user=local, upload=_upload((200, 0, 0)), record=building),
        "approved": photos.photo_attach(user=local, upload=_upload((0, 200, 0)), survey=approved),
        "submitted": photos.photo_attach(user=local, upload=_upload((0, 0, 200)), survey=submitted),
    }
    # Marked public by a reviewer, all three: the submitted survey's stays hidden regardless.
    reviewer = user("reviewer", "reviewer", regions=("140000",), password=None)
    for name, photo in shots.items():
        shots[name] = photos.photo_publish(user=reviewer, photo=photo, public=True)
    Survey.objects.filter(pk=approved.pk).update(state="approved")
    Survey.objects.filter(pk=submitted.pk).update(state="submitted")
    return {"local": local, "far": far, "reviewer": reviewer, **shots}


def _get(client, url, person=None):
    if person is not None:
        client.force_login(person)
    return client.get(url)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@override_settings(DEBUG=False)  # as `make serve` runs (heritage.settings.production)
@pytest.mark.parametrize("kind", ["image", "thumbnail"])
@pytest.mark.parametrize("which", ["own", "approved"])
def test_anyone_gets_a_public_photo(client, world, which, kind):
    photo = world[which]
    field = getattr(photo, kind)
    assert field.url == f"/media/{field.name}"  # what the admin and pages link to
    response = _get(client, field.url)
    assert response.status_code == 200
    assert _body(response) == field.read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")  # the same answer for everyone


@override_settings(DEBUG=False)
@pytest.mark.parametrize("kind", ["image", "thumbnail"])
def test_a_submitted_surveys_photo_is_not_found_but_by_staff_of_its_region(client, world, kind):
    url = getattr(world["submitted"], kind).url
    assert _get(client, url).status_code == 404  # anonymous
    assert _get(client, url, world["far"]).status_code == 404  # another region's surveyor
    response = _get(client, url, world["local"])
    assert response.status_code == 200
    assert _body(response) == getattr(world["submitted"], kind).read()
    assert response["Cache-Control"] == "private, no-store"


@override_settings(DEBUG=False)
def test_a_rejected_or_draft_surveys_photo_is_private_too(client, world):
    url = world["submitted"].image.url
    for state in ("draft", "rejected"):
        Survey.objects.filter(pk=world["submitted"].survey_id).update(state=state)
        assert _get(client, url).status_code == 404
    Survey.objects.filter(pk=world["submitted"].survey_id).update(state="approved")
    assert _get(client, url).status_code == 200


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "role,regions,sees",
    [
        ("surveyor", ("140000",), True),
        ("reviewer", ("140700",), True),
        ("registrar", ("140728",), True),
        ("reviewer", ("110000",), False),
        ("registrar", ("140100",), False),  # the same province, another prefecture
        (None, ("140000",), False),  # staff of the region, but no role
    ],
)
def test_who_sees_a_photo_under_review(client, world, role, regions, sees):
    person = user("someone", role, regions=regions, password=None)
    status = _get(client, world["submitted"].image.url, person).status_code
    assert status == (200 if sees else 404)
    person.is_active = False
    person.save()
    assert _get(client, world["submitted"].image.url, person).status_code == 404


@override_settings(DEBUG=False)
def test_a_superuser_gets_every_photo(client, world):
    root = user("root", superuser=True, regions=(), password=None)
    assert _get(client, world["submitted"].image.url, root).status_code == 200


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "path",
    [
        "/media/../heritage/settings/base.py",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/photos/../../../etc/passwd",
        "/media//etc/passwd",
        "/media/photos%2F..%2F..%2Fmanage.py",
        "/media/stray.jpg",  # in MEDIA_ROOT, but no photo names it
        "/media/photos/",
    ],
)
def test_nothing_but_a_photos_stored_file_is_served(client, world, media, path):
    (media / "stray.jpg").write_bytes(jpeg_bytes())
    (media / "photos").mkdir(exist_ok=True)
    assert _get(client, path, world["local"]).status_code == 404


@override_settings(DEBUG=False, HERITAGE_MEDIA_ACCEL_REDIRECT="/protected-media/")
def test_behind_nginx_the_file_is_left_to_it(client, world):
    public = world["own"]
    response = _get(client, public.image.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{public.image.name}"
    assert _body(response) == b""
    # nginx keeps these from the application's answer (and adds nosniff in its location).
    assert response["Content-Type"] == "image/jpeg"
    assert "public" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("inline")
    # A private photo: the same rule before nginx is told anything.
    url = world["submitted"].image.url
    assert "X-Accel-Redirect" not in _get(client, url)
    response = _get(client, url, world["local"])
    assert response["X-Accel-Redirect"] == f"/protected-media/{world['submitted'].image.name}"
    assert response["Cache-Control"] == "private, no-store"


@override_settings(DEBUG=False)
def test_a_file_of_another_type_is_an_attachment(client, world, media):
    # Every stored photo is a re-encoded JPEG, PNG or WebP; a row naming anything else (restored
    # from elsewhere, say) is never shown inline.
    (media / "photos").mkdir(exist_ok=True)
    (media / "photos" / "odd.html").write_bytes(b"<script>alert(1)</script>")
    Photo.objects.filter(pk=world["own"].pk).update(image="photos/odd.html")
    response = _get(client, "/media/photos/odd.html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


@override_settings(DEBUG=False)
def test_the_admin_links_to_files_it_may_show(client, world):
    # The stored-photos inline of the record's page links image and thumbnail through the view.
    client.force_login(world["local"])
    page = client.get(reverse("admin:registry_record_change", args=[world["own"].record_id]))
    html = page.content.decode()
    for name in ("own", "approved", "submitted"):
        assert world[name].thumbnail.url in html
        assert client.get(world[name].thumbnail.url).status_code == 200


def test_a_new_upload_is_not_found_until_a_reviewer_publishes_it(client, world):
    from registry.models import Record

    building = Record.objects.get(code="B1")
    fresh = photos.photo_attach(user=world["local"], upload=_upload((9, 9, 9)), record=building)
    assert not fresh.public
    for url in (fresh.image.url, fresh.thumbnail.url):
        assert _get(client, url).status_code == 404
        assert _get(client, url, world["local"]).status_code == 200  # staff of its region
        client.logout()
    photos.photo_publish(user=world["reviewer"], photo=fresh, public=True)
    for url in (fresh.image.url, fresh.thumbnail.url):
        response = _get(client, url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=3600"  # it may be unpublished
    photos.photo_publish(user=world["reviewer"], photo=fresh, public=False)
    assert _get(client, fresh.image.url).status_code == 404


def test_the_public_selector_uses_the_same_rule(world):
    from registry.selectors.photos import photos_for

    assert set(photos_for(world["own"].record)) == {world["own"], world["approved"]}


PRODUCTION_SHELL = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)  # as make serve: the 404 page's CSS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from registry.models import Record, Survey
from registry.services import photos
from tests.workflow_builders import jpeg_bytes, user
root = user("root", superuser=True, regions=(), password=None)
building = Record.objects.create(code="B1", kind="building", name="张氏宗祠", level="provincial",
                                 region_id="140728", designated_on="2010-01-01")
survey = Survey.objects.create(building=building, surveyed_on="2024-02-01", occupancy="in_use",
                               created_by=root, state="submitted")
def attach(**where):
    upload = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    return photos.photo_attach(user=root, upload=upload, **where)
public, private = attach(record=building), attach(survey=survey)
for photo in (public, private):  # marked public: the submitted survey's stays hidden
    photos.photo_publish(user=root, photo=photo, public=True)
for photo in (public, private):
    answer = Client().get(photo.image.url, secure=True)
    body = b"".join(answer.streaming_content) if answer.status_code == 200 else b""
    print(answer.status_code, body == photo.image.read(), sep="|")
"""


def test_make_serve_settings_serve_public_photos_and_hide_the_others(tmp_path):
    """heritage.settings.production as `make serve` runs it (DEBUG off, WhiteNoise): photo files
    come from the application, public ones to anyone, a submitted survey's to no anonymous."""
    from tests.test_production import manage, real_key

    env = {
        "DJANGO_SECRET_KEY": real_key(),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "HERITAGE_PUBLIC_URL": "https://heritage.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "HERITAGE_MEDIA_ROOT": str(tmp_path / "media"),
        "HERITAGE_MEDIA_ACCEL_REDIRECT": "",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    result = manage("shell", "--no-imports", "-c", PRODUCTION_SHELL, **env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["200|True", "404|False"]
