"""A backup is untrusted input to restore_heritage: every way of making it write outside
MEDIA_ROOT, or load rows the registry never held, is refused before anything is written.

The attacker can change any byte of the backup directory (manifest, rows, media, signature,
symlinks), and recomputes every SHA-256 of the manifest; they do not hold HERITAGE_BACKUP_KEY.
MEDIA_ROOT is `site/media`; `site/venv` stands for the virtualenv beside it.
"""

import hashlib
import hmac
import io
import json
import os
import secrets
import stat

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.models import Photo, Record
from registry.services import backup as backup_service
from tests.test_backup import empty_the_registry, registry  # noqa: F401 (fixture)

# Every test starts from tests/test_backup.py's registry (records, an officer, a group).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("registry")]
SIGNATURE = "manifest.json.hmac"


@pytest.fixture(autouse=True)
def key(settings):
    settings.HERITAGE_BACKUP_KEY = secrets.token_urlsafe(32)
    return settings.HERITAGE_BACKUP_KEY


@pytest.fixture
def site(tmp_path, settings):
    """A registry with two photos backed up (signed) into tmp/b, then emptied; MEDIA_ROOT is
    then a new, empty site/media."""
    settings.MEDIA_ROOT = tmp_path / "old-media"
    for i, record in enumerate(Record.objects.filter(kind="building")[:2]):
        names = {}
        for field in ("image", "thumbnail"):
            names[field] = f"photos/2025/01/{field}-{i}.jpg"
            (settings.MEDIA_ROOT / names[field]).parent.mkdir(parents=True, exist_ok=True)
            (settings.MEDIA_ROOT / names[field]).write_bytes(os.urandom(512))
        Photo.objects.create(record=record, width=1, height=1, **names)
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    Photo.objects.all().delete()
    empty_the_registry()
    settings.MEDIA_ROOT = tmp_path / "site" / "media"
    return tmp_path


def restore(directory, *args):
    call_command("restore_heritage", str(directory), *args, stdout=io.StringIO())


def reseal(directory, sign_with=None):
    """What the attacker does after a change: every file's SHA-256 and size recomputed; the
    signature removed (an 'unsigned' backup) or made with a key of their own."""
    manifest = json.loads((directory / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        data = (directory / name).read_bytes()
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    raw = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    (directory / "manifest.json").write_bytes(raw)
    (directory / SIGNATURE).unlink(missing_ok=True)
    if sign_with:
        (directory / SIGNATURE).write_text(
            hmac.new(sign_with.encode(), raw, hashlib.sha256).hexdigest() + "\n"
        )


def add_file(directory, name, data=b"import os; os.system('id')\n"):
    (directory / name).parent.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["files"][name] = {}
    (directory / "manifest.json").write_text(json.dumps(manifest))


def edit_rows(directory, change):
    """change(row) -> row for every line of data.jsonl."""
    path = directory / "data.jsonl"
    rows = [change(json.loads(line)) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


def assert_nothing_restored(settings):
    assert media_files(settings) == []
    assert not Record.objects.exists() and not User.objects.exists()
    assert not Photo.objects.exists()


# How the attacker gets past the signature: no signature and --trust-unsigned, or their key.
ATTACKS = {"unsigned, --trust-unsigned": (None, ["--trust-unsigned"]), "own key": ("k" * 43, [])}


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("escape", ["media/../venv/zz.pth", "absolute"])
def test_a_manifest_path_out_of_media_root_writes_nothing(site, settings, attack, escape):
    target = site / "site" / "venv" / "zz.pth"
    name = "media/../venv/zz.pth" if escape != "absolute" else "media/" + str(target)
    add_file(site / "b", name)
    sign_with, args = ATTACKS[attack]
    reseal(site / "b", sign_with)
    with pytest.raises(CommandError):
        restore(site / "b", *args)
    assert not target.exists()
    assert_nothing_restored(settings)


@pytest.mark.parametrize("listed", [True, False], ids=["manifest lists it", "row only"])
@pytest.mark.parametrize("name", ["../venv/zz.pth", "photos/../../venv/zz.pth", "/abs/zz.pth"])
def test_a_photo_row_naming_a_path_out_of_media_root_writes_nothing(site, settings, name, listed):
    if listed:
        add_file(site / "b", "media/" + name)

    def escape(row):
        if row["model"] == "registry.photo":
            row["fields"]["image"] = name
        return row

    edit_rows(site / "b", escape)
    reseal(site / "b")
    with pytest.raises(CommandError, match="not a plain relative path"):
        restore(site / "b", "--trust-unsigned")
    assert not (site / "site" / "venv" / "zz.pth").exists()
    assert_nothing_restored(settings)


@pytest.mark.parametrize("link", ["file", "directory"])
def test_a_symlink_in_the_backup_is_not_followed(site, settings, link):
    secret = site / "secret"
    (secret / "2025" / "01").mkdir(parents=True)
    for name in ("image-0.jpg", "thumbnail-0.jpg", "image-1.jpg", "thumbnail-1.jpg"):
        (secret / "2025" / "01" / name).write_text("root:x:0:0:root:/root:/bin/bash\n")
    if link == "file":
        path = site / "b" / "media" / "photos" / "2025" / "01" / "image-0.jpg"
        path.unlink()
        path.symlink_to(secret / "2025" / "01" / "image-0.jpg")
    else:
        path = site / "b" / "media" / "photos"
        os.rename(path, site / "moved")
        path.symlink_to(secret)
    reseal(site / "b")
    with pytest.raises(CommandError, match="symbolic link"):
        restore(site / "b", "--trust-unsigned")
    assert_nothing_restored(settings)


def make_officer_superuser(row):
    if row["model"] == "auth.user" and row["fields"]["username"] == "officer":
        row["fields"].update(is_superuser=True, password=make_password("known"))
    return row


@pytest.mark.parametrize(
    "signature, args, refusal",
    [
        ("stale", [], "authentication failed"),
        ("removed", [], "unsigned"),
        ("own key", [], "authentication failed"),
        ("own key", ["--trust-unsigned"], "authentication failed"),
    ],
)
def test_a_tampered_data_file_is_refused(site, settings, signature, args, refusal):
    stale = (site / "b" / SIGNATURE).read_bytes()
    edit_rows(site / "b", make_officer_superuser)
    reseal(site / "b", "k" * 43 if signature == "own key" else None)
    if signature == "stale":
        (site / "b" / SIGNATURE).write_bytes(stale)
    with pytest.raises(CommandError, match=refusal):
        restore(site / "b", *args)
    assert_nothing_restored(settings)


def test_a_signed_backup_round_trip_keeps_the_key_out(site, settings, key):
    raw = (site / "b" / "manifest.json").read_bytes()
    expected = hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
    assert (site / "b" / SIGNATURE).read_text().strip() == expected
    for path in (site / "b").rglob("*"):
        assert path.is_dir() or key.encode() not in path.read_bytes()
    restore(site / "b")
    assert Photo.objects.count() == 2 and len(media_files(settings)) == 4
    assert User.objects.get(username="officer").is_superuser is False


def test_another_key_or_no_key_is_refused(site, settings):
    settings.HERITAGE_BACKUP_KEY = secrets.token_urlsafe(32)
    with pytest.raises(CommandError, match="authentication failed"):
        restore(site / "b")
    settings.HERITAGE_BACKUP_KEY = ""
    with pytest.raises(CommandError, match="HERITAGE_BACKUP_KEY"):
        restore(site / "b", "--trust-unsigned")
    assert_nothing_restored(settings)


def test_a_short_key_is_refused(tmp_path, settings):
    settings.HERITAGE_BACKUP_KEY = "short"
    with pytest.raises(CommandError, match="32"):
        call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())


def test_without_a_key_backup_needs_unsigned_and_restore_trust_unsigned(tmp_path, settings):
    settings.HERITAGE_BACKUP_KEY = ""
    with pytest.raises(CommandError, match="HERITAGE_BACKUP_KEY"):
        call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert not (tmp_path / "b").exists()
    err = io.StringIO()
    call_command(
        "backup_heritage", str(tmp_path / "b"), "--unsigned", stdout=io.StringIO(), stderr=err
    )
    assert "UNSIGNED" in err.getvalue()
    assert not (tmp_path / "b" / SIGNATURE).exists()
    empty_the_registry()
    with pytest.raises(CommandError, match="unsigned"):
        restore(tmp_path / "b")
    assert not Record.objects.exists()
    restore(tmp_path / "b", "--trust-unsigned")
    assert Record.objects.count() == 7


def test_files_are_the_owners_only(site):
    paths = [site / "b", *(site / "b").rglob("*")]
    assert any(p.parent.name == "01" for p in paths)  # media files are among them
    modes = {str(p): stat.S_IMODE(p.stat().st_mode) for p in paths}
    assert modes == {str(p): 0o700 if p.is_dir() else 0o600 for p in paths}


def test_the_manifest_names_only_what_rows_name(site, settings):
    add_file(site / "b", "media/photos/extra.jpg")
    reseal(site / "b")
    with pytest.raises(CommandError, match="no row names"):
        restore(site / "b", "--trust-unsigned")
    assert_nothing_restored(settings)


def test_a_row_naming_a_file_the_manifest_lacks_is_refused(site, settings):
    def rename(row):
        if row["model"] == "registry.photo":
            row["fields"]["image"] = "photos/elsewhere.jpg"
        return row

    edit_rows(site / "b", rename)
    reseal(site / "b")
    with pytest.raises(CommandError, match="photos/elsewhere.jpg"):
        restore(site / "b", "--trust-unsigned")
    assert_nothing_restored(settings)


@pytest.mark.parametrize("model", ["sessions.session", "auth.permission", ["auth.user"]])
def test_rows_of_models_a_backup_does_not_hold_are_refused(site, settings, model):
    with (site / "b" / "data.jsonl").open("a") as f:
        f.write(json.dumps({"model": model, "pk": "x", "fields": {"session_data": "x"}}) + "\n")
    reseal(site / "b")
    with pytest.raises(CommandError, match="not a row of a model the manifest lists"):
        restore(site / "b", "--trust-unsigned")
    assert_nothing_restored(settings)


def test_duplicate_manifest_entries_are_refused(site, settings):
    raw = (site / "b" / "manifest.json").read_text()
    entry = raw[raw.index('  "data.jsonl"') : raw.index("}", raw.index('  "data.jsonl"')) + 1]
    (site / "b" / "manifest.json").write_text(raw.replace(entry, entry + ",\n" + entry, 1))
    (site / "b" / SIGNATURE).unlink()
    with pytest.raises(CommandError, match="twice"):
        restore(site / "b", "--trust-unsigned")
    assert_nothing_restored(settings)


def test_a_huge_manifest_is_not_read(site, settings, monkeypatch):
    monkeypatch.setattr(backup_service, "MAX_MANIFEST_BYTES", 100)
    with pytest.raises(CommandError, match="larger"):
        restore(site / "b")
    assert_nothing_restored(settings)


def test_rows_the_database_refuses_leave_no_media(site, settings):
    def dangling(row):
        if row["model"] == "registry.photo":
            row["fields"]["survey"] = 987654
        return row

    edit_rows(site / "b", dangling)
    reseal(site / "b")
    with pytest.raises(CommandError, match="nothing restored"):
        restore(site / "b", "--trust-unsigned")
    assert_nothing_restored(settings)


def test_a_failed_export_check_leaves_no_media(site, settings, monkeypatch):
    real = backup_service.write_jsonl
    monkeypatch.setattr(
        backup_service, "write_jsonl", lambda out, records: real(out, list(records)[1:])
    )
    with pytest.raises(CommandError, match="differs"):
        restore(site / "b")
    assert_nothing_restored(settings)


def test_a_copy_that_fails_half_way_removes_what_it_copied(site, settings, monkeypatch):
    real, calls = backup_service._copy, []

    def fail_third(*args):
        calls.append(args)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args)

    monkeypatch.setattr(backup_service, "_copy", fail_third)
    with pytest.raises(CommandError, match="disk full"):
        restore(site / "b")
    assert len(calls) == 3
    assert_nothing_restored(settings)
    assert not settings.MEDIA_ROOT.exists() or list(settings.MEDIA_ROOT.iterdir()) == []


def test_an_existing_media_file_with_other_content_is_kept(site, settings):
    taken = settings.MEDIA_ROOT / "photos" / "2025" / "01" / "image-1.jpg"
    taken.parent.mkdir(parents=True)
    taken.write_bytes(b"someone else's")
    with pytest.raises(CommandError, match="other content"):
        restore(site / "b")
    assert taken.read_bytes() == b"someone else's"
    assert media_files(settings) == [taken]
    assert not Record.objects.exists()


def test_a_symlink_in_media_root_leading_out_is_refused(site, settings):
    (site / "site" / "venv").mkdir(parents=True)
    settings.MEDIA_ROOT.mkdir(parents=True)
    (settings.MEDIA_ROOT / "photos").symlink_to(site / "site" / "venv")
    with pytest.raises(CommandError, match="outside MEDIA_ROOT"):
        restore(site / "b")
    assert list((site / "site" / "venv").iterdir()) == []
    assert not Record.objects.exists()


def test_backup_refuses_a_row_naming_a_file_out_of_media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "outside.txt").write_text("not a photo")
    record = Record.objects.filter(kind="building").first()
    Photo.objects.create(
        record=record, width=1, height=1, image="../outside.txt", thumbnail="../outside.txt"
    )
    with pytest.raises(CommandError, match="outside.txt"):
        call_command("backup_heritage", str(tmp_path / "backups" / "b"), stdout=io.StringIO())
    assert not (tmp_path / "backups" / "outside.txt").exists()
    assert not (tmp_path / "backups" / "b" / "media").exists()
