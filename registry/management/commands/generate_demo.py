"""python manage.py generate_demo --buildings N --seed S [--output FILE]"""

import time

from django.core.management.base import BaseCommand, CommandError

from registry.demo.generator import write_demo


class Command(BaseCommand):
    help = (
        "Write a realistic demo exchange file (JSON Lines, exchange.md): N buildings, about "
        "3.5 % as many districts, towns, villages and cities, and the real national historic "
        "cities. Demo codes start with DEMO-. The same N and seed give the same bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--buildings", type=int, default=1000, help="number of buildings")
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, buildings, seed, output, **options):
        if buildings < 0:
            raise CommandError("--buildings must be 0 or more")
        started = time.monotonic()
        if output and output != "-":
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                counts = write_demo(out, buildings=buildings, seed=seed)
        else:
            counts = write_demo(_Unterminated(self.stdout), buildings=buildings, seed=seed)
        summary = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
        # The file may be standard output: the summary goes to standard error.
        self.stderr.write(
            f"{sum(counts.values())} records ({summary}) in {time.monotonic() - started:.1f} s"
        )


class _Unterminated:
    """Lets write_demo write through Django's OutputWrapper, which would otherwise append a
    newline to every chunk (and so allows call_command(..., stdout=buffer) in tests)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")
