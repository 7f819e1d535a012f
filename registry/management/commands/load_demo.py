"""python manage.py load_demo: the real national cities plus a small demo, for `make run`."""

import io
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from registry.choices import Kind
from registry.demo.cities import cities_without_seat, national_cities
from registry.demo.generator import write_demo

BUILDINGS = 2000
SEED = 20260101  # fixed: every `make run` loads the same demo, so a second run changes nothing


class Command(BaseCommand):
    help = (
        f"Load the real national historic cities (their designation and their region's seat as "
        f"their point) and a generated demo ({BUILDINGS} buildings, fixed seed) through "
        "import_heritage. Idempotent: the importer upserts by code."
    )

    def add_arguments(self, parser):
        parser.add_argument("--buildings", type=int, default=BUILDINGS)
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args, buildings, seed, **options):
        with tempfile.TemporaryDirectory(prefix="heritage-demo-") as folder:
            path = Path(folder) / "demo.jsonl"
            with path.open("w", encoding="utf-8", newline="\n") as out:
                counts = write_demo(out, buildings=buildings, seed=seed)
            report, errors = io.StringIO(), io.StringIO()
            try:
                call_command("import_heritage", str(path), stdout=report, stderr=errors)
            except CommandError as failed:
                # The importer's reasons went to `errors` (with its progress bar): say the first.
                reasons = [x for x in errors.getvalue().splitlines() if x.startswith("line ")]
                raise CommandError(f"{failed}: {'; '.join(reasons[:3])}") from None
        real = len(national_cities())
        counts[Kind.CITY.value] -= real
        demo = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        # Said every time: a city without a point is a gap in the seat table, not a bug.
        without = "、".join(city["name"] for city in cities_without_seat()) or "none"
        self.stdout.write(
            f"load_demo: {real} real national cities (without a seat's point: {without}) + demo "
            f"({demo}; seed {seed}) -> {report.getvalue().strip()}"
        )
