from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.services.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the registry into a new directory: the exchange file, every row (users with "
        "their password hashes, records, surveys, photos, history), photo files and a manifest "
        "of checksums signed with HERITAGE_BACKUP_KEY. Owner-only files: keep it private."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new or empty directory")
        parser.add_argument(
            "--unsigned",
            action="store_true",
            help="write no signature (without HERITAGE_BACKUP_KEY, backup refuses to run "
            "otherwise); restoring it will need --trust-unsigned",
        )

    def handle(self, *args, directory: str, unsigned: bool, **options):
        try:
            manifest = backup(Path(directory), unsigned=unsigned)
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
        self.stdout.write(
            f"{directory}: {len(manifest['files'])} files ({counts}); "
            f"{'UNSIGNED' if unsigned else 'signed'}; it holds password hashes: keep it private"
        )
        if unsigned:
            self.stderr.write(
                f"WARNING: {directory} is UNSIGNED: nothing proves at restore that it was not "
                "changed, and restore_heritage refuses it unless given --trust-unsigned. Set "
                "HERITAGE_BACKUP_KEY and back up again."
            )
