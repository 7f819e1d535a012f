from django.core.management.base import BaseCommand, CommandError

from registry.services import derived
from registry.services.derived_check import check


class Command(BaseCommand):
    help = (
        "Rebuild the derived state (indicator changes and totals, search data) from the records, "
        "plaques and surveys; with --check, change nothing and list every difference between the "
        "stored state and a rebuild (exit 1 if there is any)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="compare with a rebuild, change nothing"
        )

    def handle(self, *args, **options):
        if options["check"]:
            drift = check()
            for line in drift.lines:
                self.stdout.write(line)
            if drift.count:
                raise CommandError(
                    f"{drift.count} difference(s) from a rebuild: run refresh_derived to mend them"
                )
            self.stderr.write("no difference: the derived state is what a rebuild makes")
            return
        derived.refresh()
        self.stderr.write("derived state rebuilt (indicators, search data)")
