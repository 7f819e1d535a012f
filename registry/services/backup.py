"""backup_heritage / restore_heritage: the whole registry in a directory, and back.

A backup directory holds:

- `records.jsonl`: the exchange file (export_heritage), the copy any registry can read;
- `data.jsonl`: the rows of every model in MODELS in Django's JSON Lines serialisation, primary
  keys kept: users (with their password hashes) and groups, records, plaques, surveys of every
  state with their workflow fields, and (when those models exist) photos, the audit history
  and region assignments. Keys are kept because the history refers to objects by id;
- `media/`: every file a FileField of those rows names (photos and thumbnails);
- `manifest.json`: format version, counts, and the SHA-256 and size of every file above;
- `manifest.json.hmac`: its signature under HERITAGE_BACKUP_KEY (backup_files), unless the
  backup was written --unsigned.

Everything is its owner's only (0600, directories 0700). Restore treats the directory as
untrusted and writes nothing (no row, no file) until all of it is verified: the signature (or
--trust-unsigned for a backup without one), the manifest's form (only those files, plain
names, no name twice), every checksum, and every row (only the manifest's models and counts;
every file name a row holds is a plain path the manifest lists, and the manifest lists no file
that no row names). It refuses a database that holds any of these rows, then in one
transaction loads the rows, checks their foreign keys, rebuilds what is derived (search index,
indicator state), exports again and refuses unless the export is byte-identical to
`records.jsonl`; only then are the files copied into MEDIA_ROOT (each one resolved inside it,
none overwritten), before the commit, and removed again if anything fails. Derived tables
(search, indicator state) and sessions are not backed up.

To back up a new model, add its label to MODELS (in dependency order); its FileFields are
picked up by themselves.
"""

import datetime
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from registry.choices import NUL_REASON, SurveyState, forbidden_character
from registry.db import read_snapshot
from registry.exchange.export import iter_records
from registry.exchange.writers import write_jsonl

from .backup_files import (
    PRIVATE_FILE,
    SIGNATURE,
    BackupError,
    authenticate,
    backup_key,
    check_name,
    new_private_dir,
    open_beneath,
    resolved_inside,
    signature,
)

FORMAT = 1
# Dependency order: a row's foreign keys point to rows of models above it (or its own model).
MODELS = [
    "auth.Group",
    "auth.User",
    "registry.Record",
    "registry.Plaque",
    "registry.Survey",
    "registry.Photo",
    "registry.RecordDocument",
    "registry.ChangeLog",
    "registry.RegionAssignment",
]
RECORDS, DATA, MEDIA, MANIFEST = "records.jsonl", "data.jsonl", "media", "manifest.json"
BATCH = 2000
# The manifest lists two files a photo at about 150 bytes each: 256 MiB is some 850,000
# photos. Restore reads no more than this (the signature is checked over these bytes before
# they are parsed), and backup refuses to write a manifest that restore would not read.
MAX_MANIFEST_BYTES = 256 << 20
# A row of data.jsonl; the longest real ones (history entries) are a few kilobytes.
MAX_ROW_BYTES = 64 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (ECMA-262); a backup keeps microseconds,
    or a restored updated_at or history time would differ from the original."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            if isinstance(o, datetime.time) and timezone.is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def backed_up_models() -> list[type[models.Model]]:
    """The models of MODELS that this code base has (photos and history came later)."""
    found = []
    for label in MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def _keys(model) -> dict:
    """Groups by name and permissions by (codename, app, model): their ids differ between
    databases (migrations create roles and permissions in their own order), and a restore
    merges into the groups a migration made. Users keep their ids, which the registry's rows
    (surveys, photos, history) refer to; their groups and permissions go by natural key."""
    if model._meta.label == "auth.Group":
        return {"use_natural_foreign_keys": True, "use_natural_primary_keys": True}
    if model._meta.app_label == "auth":
        return {"use_natural_foreign_keys": True}
    return {}


def _file_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _digest(source, target=None) -> dict:
    """SHA-256 and size of a binary stream, copied into target on the way if given."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: source.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _sha256(path: Path) -> str:
    with Path(path).open("rb") as f:
        return _digest(f)["sha256"]


class _DigestWriter:
    """A text stream that keeps only the SHA-256 of its UTF-8 bytes (the restored export)."""

    def __init__(self):
        self.digest = hashlib.sha256()

    def write(self, text: str) -> int:
        self.digest.update(text.encode("utf-8"))
        return len(text)


# -- backup -----------------------------------------------------------------------------------


def _private_text(directory: Path, name: str) -> io.TextIOWrapper:
    binary = open_beneath(directory, name, create=PRIVATE_FILE)
    return io.TextIOWrapper(binary, encoding="utf-8", newline="")


def backup(directory: Path, *, unsigned: bool = False) -> dict:
    """Write the backup into directory (new or empty); signed unless `unsigned`."""
    key = None if unsigned else backup_key()
    if key is None and not unsigned:
        raise BackupError(
            "HERITAGE_BACKUP_KEY is not set, so the backup could not be authenticated at "
            "restore. Set it (README, Backup and restore), or pass --unsigned to write an "
            "unsigned backup anyway"
        )
    directory = new_private_dir(Path(directory))
    counts, media = {}, set()
    with read_snapshot():
        with _private_text(directory, RECORDS) as out:
            counts["exchange_records"] = write_jsonl(out, iter_records())
        with _private_text(directory, DATA) as out:
            for model in backed_up_models():
                rows = model._base_manager.order_by("pk")
                counts[model._meta.label] = rows.count()
                serializers.serialize(
                    "jsonl",
                    rows.iterator(chunk_size=BATCH),
                    stream=out,
                    cls=ExactJSONEncoder,
                    **_keys(model),
                )
                for field in _file_fields(model):
                    for name in rows.values_list(field, flat=True).iterator():
                        # A name that restore would refuse is refused here, before it is read:
                        # "../../etc/shadow" in a row must not be copied out of MEDIA_ROOT.
                        if name:
                            media.add(_row_file_name(f"{model._meta.label} {field}", name))
    files = {}
    for name in (RECORDS, DATA):
        with open_beneath(directory, name) as f:
            files[name] = _digest(f)
    media_root = Path(settings.MEDIA_ROOT)
    for name in sorted(media):
        try:
            source = open_beneath(media_root, name)
        except FileNotFoundError:
            raise BackupError(
                f"{name}: the database names this file but MEDIA_ROOT lacks it"
            ) from None
        copy = f"{MEDIA}/{name}"
        with source, open_beneath(directory, copy, create=PRIVATE_FILE) as target:
            files[copy] = _digest(source, target)
    manifest = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "models": [m._meta.label for m in backed_up_models()],
        "counts": counts,
        "files": files,
    }
    raw = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BackupError(f"the manifest would exceed MAX_MANIFEST_BYTES ({len(raw)} bytes)")
    with open_beneath(directory, MANIFEST, create=PRIVATE_FILE) as out:
        out.write(raw)
    if key is not None:
        with open_beneath(directory, SIGNATURE, create=PRIVATE_FILE) as out:
            out.write((signature(raw, key) + "\n").encode())
    return manifest


def _row_file_name(where: str, name) -> str:
    try:
        return check_name(name)
    except BackupError as error:
        raise BackupError(f"{where}: {error}") from None


# -- restore: verify everything, write nothing ------------------------------------------------


def _unique_keys(pairs: list) -> dict:
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise BackupError(f"{MANIFEST} names {key!r} twice: refused")
        seen[key] = value
    return seen


def _authentic_manifest(directory: Path, *, trust_unsigned: bool) -> dict:
    try:
        f = open_beneath(directory, MANIFEST)
    except FileNotFoundError:
        raise BackupError(f"{directory / MANIFEST}: no manifest: not a backup directory") from None
    with f:
        raw = f.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BackupError(f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes: not read")
    authenticate(directory, raw, trust_unsigned=trust_unsigned)
    return _checked_manifest(raw)


def _checked_manifest(raw: bytes) -> dict:
    try:
        manifest = json.loads(raw, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as error:
        raise BackupError(f"{MANIFEST}: not JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"backup format {found}, this code reads {FORMAT}")
    labels, counts, files = manifest.get("models"), manifest.get("counts"), manifest.get("files")
    if not (
        isinstance(labels, list)
        and all(isinstance(label, str) for label in labels)
        and isinstance(counts, dict)
        and all(isinstance(n, int) for n in counts.values())
        and isinstance(files, dict)
        and RECORDS in files
        and DATA in files
    ):
        raise BackupError(f"{MANIFEST}: not a backup manifest")
    unknown = set(labels) - {m._meta.label for m in backed_up_models()}
    if unknown:
        raise BackupError(f"this code base lacks the models {sorted(unknown)} of the backup")
    for name, entry in files.items():
        if name not in (RECORDS, DATA) and not name.startswith(MEDIA + "/"):
            raise BackupError(f"{MANIFEST} lists {name!r}, which no backup holds: refused")
        check_name(name)
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and _SHA256.fullmatch(entry["sha256"])
            and isinstance(entry.get("size"), int)
        ):
            raise BackupError(f"{MANIFEST}: {name}: no SHA-256 and size")
    return manifest


def _verify_files(directory: Path, manifest: dict) -> None:
    for name, expected in manifest["files"].items():
        try:
            with open_beneath(directory, name) as f:
                found = _digest(f)
        except FileNotFoundError:
            found = None
        if found != {"sha256": expected["sha256"], "size": expected["size"]}:
            raise BackupError(f"{name}: missing or damaged (checksum differs from the manifest)")


def _lines(directory: Path, name: str, manifest: dict) -> Iterator[str]:
    """The lines of a backup file, and at their end a check that the bytes read are the ones
    the manifest lists: the file could have changed since _verify_files read it."""
    digest = hashlib.sha256()
    with open_beneath(directory, name) as f:
        for number, line in enumerate(iter(lambda: f.readline(MAX_ROW_BYTES + 1), b""), 1):
            if len(line) > MAX_ROW_BYTES:
                raise BackupError(f"{name} line {number}: longer than {MAX_ROW_BYTES} bytes")
            digest.update(line)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                raise BackupError(f"{name} line {number}: not UTF-8") from None
    if digest.hexdigest() != manifest["files"][name]["sha256"]:
        raise BackupError(f"{name}: changed since it was verified")


def _scan_rows(directory: Path, manifest: dict) -> tuple[list[str], bool]:
    """Every row, before any is written: of a model the manifest lists, as many as it counts;
    every file name a row holds a plain relative path that the manifest lists, and no other
    media file listed. Returns those names (the only files restore copies), and whether the
    backup's photos predate Photo.public (migration 0020: see _publish_legacy_photos)."""
    models_ = {
        m._meta.label_lower: m for m in backed_up_models() if m._meta.label in manifest["models"]
    }
    listed = {n[len(MEDIA) + 1 :] for n in manifest["files"] if n.startswith(MEDIA + "/")}
    counts, named, legacy_photos = {}, set(), False
    for number, line in enumerate(_lines(directory, DATA, manifest), 1):
        if not line.strip():
            continue
        where = f"{DATA} line {number}"
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            raise BackupError(f"{where}: not JSON") from None
        label = row.get("model") if isinstance(row, dict) else None
        model = models_.get(label) if isinstance(label, str) else None
        if model is None or not isinstance(row.get("fields"), dict):
            raise BackupError(f"{where}: not a row of a model the manifest lists")
        counts[model._meta.label] = counts.get(model._meta.label, 0) + 1
        if model._meta.label == "registry.Photo" and "public" not in row["fields"]:
            legacy_photos = True
        for field in _file_fields(model):
            name = row["fields"].get(field)
            if not name:
                continue
            name = _row_file_name(f"{where}: {field}", name)
            if name not in listed:
                raise BackupError(f"{where}: {field} names {name}, which the manifest lacks")
            named.add(name)
    expected = {k: v for k, v in manifest["counts"].items() if "." in k and v}
    if counts != expected:
        raise BackupError(f"rows {counts} differ from the manifest's {expected}")
    if listed - named:
        raise BackupError(f"the manifest lists files no row names: {sorted(listed - named)[:5]}")
    return sorted(named), legacy_photos


def _publish_legacy_photos() -> None:
    """A backup made before Photo.public (0020) showed every record photo and every approved
    survey's photo: restored, those are marked public, as the migration marked them, so a
    restore hides nothing that was public when the backup was made."""
    Photo = apps.get_model("registry", "Photo")
    Photo.objects.filter(Q(survey__isnull=True) | Q(survey__state=SurveyState.APPROVED)).update(
        public=True
    )


def _media_to_copy(manifest: dict, names: list[str]) -> list[str]:
    """The names to copy: each resolved inside MEDIA_ROOT; one already there with the same
    content is kept (not copied, never removed), one with other content refuses the restore."""
    media_root = Path(settings.MEDIA_ROOT)
    copies = []
    for name in names:
        resolved_inside(media_root, name, "MEDIA_ROOT")
        try:
            with open_beneath(media_root, name) as existing:
                same = _digest(existing)["sha256"] == manifest["files"][f"{MEDIA}/{name}"]["sha256"]
        except FileNotFoundError:
            copies.append(name)
            continue
        if not same:
            raise BackupError(f"{media_root / name} exists with other content: not overwritten")
    return copies


def _refuse_unless_empty() -> None:
    # Groups are roles that migrations create: the backup's are merged into them by name.
    held = [
        m._meta.label
        for m in backed_up_models()
        if m._meta.label != "auth.Group" and m._base_manager.exists()
    ]
    if held:
        raise BackupError(
            "restore needs an empty registry, and this database holds rows of "
            + ", ".join(held)
            + " (migrate a new database and restore into it)"
        )


# -- restore: write -----------------------------------------------------------------------------


def _load_rows(directory: Path, manifest: dict) -> dict[str, int]:
    """Rows in batches of bulk_create (saves would fire signals and take hours at 1M);
    users and groups one by one, for their many-to-many relations."""
    counts: dict[str, int] = {}
    batch: list = []

    def flush():
        if batch:
            type(batch[0]).objects.bulk_create(batch, batch_size=BATCH)
            batch.clear()

    for item in serializers.deserialize("jsonl", _lines(directory, DATA, manifest)):
        obj = item.object
        _storable(obj)
        label = obj._meta.label
        counts[label] = counts.get(label, 0) + 1
        if item.m2m_data or obj._meta.app_label == "auth":
            flush()
            item.save()
            continue
        if batch and type(batch[0]) is not type(obj):
            flush()
        batch.append(obj)
    flush()
    # Foreign keys are checked at commit (deferred): check them now, before any file is copied.
    connection.check_constraints(table_names=[m._meta.db_table for m in backed_up_models()])
    # New rows must not collide with restored keys (PostgreSQL sequences; SQLite needs none).
    sql = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
    with connection.cursor() as cur:
        for statement in sql:
            cur.execute(statement)
    return counts


def _refuse_unless_export_is_the_backups(manifest: dict) -> None:
    out = _DigestWriter()
    write_jsonl(out, iter_records())
    if out.digest.hexdigest() != manifest["files"][RECORDS]["sha256"]:
        raise BackupError("the restored registry's export differs from records.jsonl")


def _storable(obj) -> None:
    """Name the row holding a text this database cannot store, rather than fail on it with the
    driver's error: a surrogate nowhere, a NUL not in PostgreSQL (a SQLite registry may hold
    one from before the models refused it; restored there, check_heritage lists it)."""
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        reason = forbidden_character(value) if isinstance(value, str) else None
        if reason and not (reason == NUL_REASON and connection.vendor == "sqlite"):
            raise BackupError(
                f"{obj._meta.label} {obj.pk}: {field.name}: {reason}, which this database "
                "cannot store: mend it in the registry backed up (check_heritage lists it) and "
                "back up again"
            )


def _copy(directory: Path, name: str, expected: dict, made: list[Path]) -> None:
    """One file of the backup into MEDIA_ROOT (a new file, with the permissions of uploads),
    checked against the manifest as it is copied."""
    with (
        open_beneath(directory, f"{MEDIA}/{name}") as source,
        open_beneath(
            Path(settings.MEDIA_ROOT),
            name,
            create=settings.FILE_UPLOAD_PERMISSIONS or 0o644,
            dir_mode=settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS or 0o755,
            made=made,
        ) as target,
    ):
        copied = _digest(source, target)
    if copied["sha256"] != expected["sha256"]:
        raise BackupError(f"{MEDIA}/{name}: changed since it was verified")


def _remove(made: list[Path]) -> None:
    """Undo the copies: files and the directories made for them, deepest first."""
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def restore(directory: Path, *, trust_unsigned: bool = False) -> dict:
    from registry.services import derived

    directory = Path(directory).resolve()
    manifest = _authentic_manifest(directory, trust_unsigned=trust_unsigned)
    _verify_files(directory, manifest)
    names, legacy_photos = _scan_rows(directory, manifest)
    copies = _media_to_copy(manifest, names)
    _refuse_unless_empty()
    media_root, made = Path(settings.MEDIA_ROOT), []
    try:
        with transaction.atomic():
            counts = _load_rows(directory, manifest)
            if legacy_photos:
                _publish_legacy_photos()
            derived.refresh()  # the rows bring their own history: nothing to log
            _refuse_unless_export_is_the_backups(manifest)
            # Files last, inside the transaction: a committed row never names a missing file,
            # and a refused row (or a failed commit) leaves no file behind.
            if copies and not media_root.exists():
                media_root.mkdir(parents=True)
                made.append(media_root)
            for name in copies:
                _copy(directory, name, manifest["files"][f"{MEDIA}/{name}"], made)
    except (DatabaseError, DeserializationError) as error:
        _remove(made)
        raise BackupError(f"the database refused a row: {error}; nothing restored") from error
    except OSError as error:
        _remove(made)
        raise BackupError(f"{error}; nothing restored (the files copied are removed)") from error
    except BaseException:
        _remove(made)
        raise
    return counts
