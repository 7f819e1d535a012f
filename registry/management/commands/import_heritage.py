import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.exchange.importer import ImportFailed, import_file
from registry.exchange.progress import progress_bar


class Command(BaseCommand):
    help = "Import an exchange file (JSON Lines, exchange.md): upsert by code, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="exchange file (JSON Lines); '-' reads standard input")

    def handle(self, *args, file: str, **options):
        if file == "-":
            stream, total = sys.stdin.buffer, None
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            stream, total = path.open("rb"), path.stat().st_size
        try:
            with progress_bar(total, self.stderr, unit="B") as advance:
                result = import_file(stream, progress=advance)
        except ImportFailed as failed:
            for line, key, reason in failed.errors:
                self.stderr.write(f"line {line}: {key}: {reason}")
            raise CommandError(str(failed)) from None
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        self.stdout.write(
            f"{result.records} records ({result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged), {result.plaques} plaques, {result.surveys} surveys "
            f"in {result.seconds:.1f} s"
        )
        if result.photos_detached:
            # exchange.md is silent on photos; the registry's rule is in README "Upsert".
            n = result.photos_detached
            self.stdout.write(
                f"{n} photo{'s' if n > 1 else ''} of replaced surveys kept on "
                f"{'their records' if n > 1 else 'its record'} (survey cleared)"
            )
        if options["verbosity"] >= 2:
            self.stdout.write(
                "phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.phases.items())
            )
