from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.services.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the registry into a new directory: the exchange file, every row (users, "
        "records, surveys, photos, history), photo files and a manifest of checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new or empty directory")

    def handle(self, *args, directory: str, **options):
        try:
            manifest = backup(Path(directory))
        except BackupError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
        self.stdout.write(f"{directory}: {len(manifest['files'])} files ({counts})")
