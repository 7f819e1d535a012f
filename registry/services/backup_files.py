"""The files of a backup (registry.services.backup): their names, opening them without ever
leaving their directory, owner-only permissions, and the manifest's signature.

A backup is untrusted input to restore: it holds every user's password hash, so whoever edits
one makes themselves a superuser at the next restore, and whoever names a path in it writes
wherever the restoring process can (a `.pth` file in the virtualenv runs at the next Python
start). Hence:

- a file name is a relative POSIX path of plain parts (no absolute path, `..`, `.`, empty part,
  backslash or control character), checked wherever a name comes in: a row's file field, the
  manifest;
- a file is opened from its base directory one directory at a time with O_NOFOLLOW (openat),
  so no symbolic link below the base is followed, whatever changes between a check and an open;
- what backup writes is its owner's only (files 0600, directories 0700);
- manifest.json is authenticated by manifest.json.hmac: the hex HMAC-SHA256 of its bytes keyed
  by HERITAGE_BACKUP_KEY, which is never written into the backup (`openssl dgst -sha256 -hmac
  "$HERITAGE_BACKUP_KEY" manifest.json` prints the same). The manifest holds the SHA-256 of
  every other file, so this one signature covers them all.
"""

import errno
import hashlib
import hmac
import io
import os
import stat
from pathlib import Path

from django.conf import settings

SIGNATURE = "manifest.json.hmac"
MIN_KEY_CHARS = 32
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class BackupError(Exception):
    pass


def check_name(name) -> str:
    """name, if it is a plain relative path; BackupError otherwise."""
    if not isinstance(name, str) or not name:
        raise BackupError(f"{name!r}: not a file name")
    if (
        any(part in ("", ".", "..") for part in name.split("/"))
        or "\\" in name
        or any(ord(c) < 32 or c == "\x7f" for c in name)
    ):
        raise BackupError(
            f"{name!r}: not a plain relative path (absolute, '..', empty part or control "
            "character): refused"
        )
    return name


def resolved_inside(base: Path, name: str, where: str) -> Path:
    """base/name with every symbolic link resolved, required to stay inside base."""
    root = Path(base).resolve()
    path = (root / check_name(name)).resolve()
    if not path.is_relative_to(root):
        raise BackupError(f"{name}: resolves to {path}, outside {where}: refused")
    return path


def open_beneath(
    base: Path,
    name: str,
    *,
    create: int | None = None,
    dir_mode: int = PRIVATE_DIR,
    made: list[Path] | None = None,
) -> io.BufferedIOBase:
    """A binary file object on base/name; no symbolic link below base is followed.

    Reading (create None): an existing regular file (FileNotFoundError if there is none).
    Creating (create = the file's mode): a new file, never an existing one; directories missing
    on the way are made with dir_mode. Whatever is made is appended to `made`, so that a
    failure can remove it again."""
    *dirs, leaf = check_name(name).split("/")
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    path = Path(base)
    try:
        for part in dirs:
            path = path / part
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if create is None:
                    raise
                os.mkdir(part, dir_mode, dir_fd=fd)
                if made is not None:
                    made.append(path)
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
                os.fchmod(inner, dir_mode)  # exactly dir_mode, whatever the umask
            os.close(fd)
            fd = inner
        if create is None:
            # O_NONBLOCK: a FIFO planted in a backup must not hang the open.
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            file_fd = os.open(leaf, flags, dir_fd=fd)
            if not stat.S_ISREG(os.fstat(file_fd).st_mode):
                os.close(file_fd)
                raise BackupError(f"{name}: not a regular file: refused")
            return os.fdopen(file_fd, "rb")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        file_fd = os.open(leaf, flags, create, dir_fd=fd)
        if made is not None:
            made.append(path / leaf)
        os.fchmod(file_fd, create)
        return os.fdopen(file_fd, "wb")
    except FileExistsError:
        raise BackupError(f"{Path(base) / name} exists: not overwritten") from None
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise BackupError(
                f"{name}: a symbolic link, or a file where a directory should be, on its path "
                f"below {base}: refused"
            ) from None
        raise
    finally:
        os.close(fd)


def new_private_dir(path: Path) -> Path:
    """path as an empty directory of its owner's only (made if missing), resolved."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if any(path.iterdir()):
        raise BackupError(f"{path} is not empty: a backup goes into a new directory")
    os.chmod(path, PRIVATE_DIR)
    return path.resolve()


def backup_key() -> bytes | None:
    key = settings.HERITAGE_BACKUP_KEY
    if not key:
        return None
    if len(key) < MIN_KEY_CHARS:
        raise BackupError(
            f"HERITAGE_BACKUP_KEY is shorter than {MIN_KEY_CHARS} characters: make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return key.encode()


def signature(manifest: bytes, key: bytes) -> str:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def authenticate(directory: Path, manifest: bytes, *, trust_unsigned: bool) -> bool:
    """True if manifest.json.hmac holds for these manifest bytes; False for a backup without
    one when the operator said --trust-unsigned; BackupError otherwise. A signature that is
    there is always checked: --trust-unsigned never lets a wrong one pass."""
    try:
        with open_beneath(directory, SIGNATURE) as f:
            given = f.read(1024).strip()
    except FileNotFoundError:
        if trust_unsigned:
            return False
        raise BackupError(
            f"unsigned backup (no {SIGNATURE}): nothing proves it unchanged since it was "
            "written; restore it only if you know where it has been, with --trust-unsigned"
        ) from None
    key = backup_key()
    if key is None:
        raise BackupError(
            f"the backup is signed ({SIGNATURE}): set HERITAGE_BACKUP_KEY to the key it was "
            "made with"
        )
    if not hmac.compare_digest(given, signature(manifest, key).encode()):
        raise BackupError(
            f"authentication failed: {SIGNATURE} does not match manifest.json under "
            "HERITAGE_BACKUP_KEY (another key, or the backup was changed): nothing restored"
        )
    return True
