from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.services.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup_heritage directory into an EMPTY registry (a freshly migrated "
        "database): its signature (HERITAGE_BACKUP_KEY), names, checksums and rows verified "
        "before anything is written, the restored export compared with the backup's."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by backup_heritage")
        parser.add_argument(
            "--trust-unsigned",
            action="store_true",
            help="restore a backup that has no manifest.json.hmac (written --unsigned, or "
            "before backups were signed); a wrong signature is still refused, and no file "
            "is written outside MEDIA_ROOT",
        )

    def handle(self, *args, directory: str, trust_unsigned: bool, **options):
        try:
            counts = restore(Path(directory), trust_unsigned=trust_unsigned)
        except BackupError as error:
            raise CommandError(str(error)) from None
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        self.stdout.write(f"restored from {directory}: {summary}; export identical to the backup's")
