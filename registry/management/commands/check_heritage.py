from django.core.management.base import BaseCommand, CommandError

from registry.selectors.conformance import problems


class Command(BaseCommand):
    help = (
        "List the records an export would write and the import refuse (codes, names, parents, "
        "plaques and surveys on kinds without them, overlong text, NUL characters); exit 1 if "
        "there are any."
    )

    def handle(self, *args, **options):
        found = 0
        for code, key, reason in problems():
            self.stdout.write(f"{code}: {key}: {reason}")
            found += 1
        if found:
            raise CommandError(f"{found} problem(s): mend these records before exchanging")
        self.stderr.write("no problems: every record exports into a file the import takes")
