from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.services.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup_heritage directory into an EMPTY registry (a freshly migrated "
        "database); checksums verified first, the restored export compared with the backup's."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by backup_heritage")

    def handle(self, *args, directory: str, **options):
        try:
            counts = restore(Path(directory))
        except BackupError as error:
            raise CommandError(str(error)) from None
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        self.stdout.write(f"restored from {directory}: {summary}; export identical to the backup's")
