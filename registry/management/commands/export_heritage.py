import sys
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError

from registry.choices import Kind
from registry.exchange.progress import progress_bar
from registry.exchange.writers import FORMATS, export
from registry.regionscope import is_known_scope


class Command(BaseCommand):
    help = "Export the catalog in the exchange format (or CSV / GeoJSON), sorted by code."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="file to write; '-' for stdout")
        parser.add_argument("--format", choices=sorted(FORMATS), default="jsonl")
        parser.add_argument("--region", help="a GB/T 2260 code: records in that division")
        parser.add_argument("--kind", choices=Kind.values)

    def handle(self, *args, output, format, region, kind, **options):
        if region is not None and not is_known_scope(region):
            raise CommandError(
                f"--region {region!r}: not a six-digit GB/T 2260 code holding a known region"
            )
        target = (
            nullcontext(self.stdout._out)  # the raw stream: OutputWrapper adds newlines
            if output == "-"
            else open(output, "w", encoding="utf-8", newline="", buffering=1 << 20)  # noqa: SIM115
        )
        try:
            with target as out, progress_bar(None, self.stderr, unit=" records") as advance:
                count = export(out, format, region=region, kind=kind, progress=advance)
        except BrokenPipeError:  # `export_heritage | head`: the reader has all it wanted
            sys.stderr = None
            return
        if output != "-":
            self.stderr.write(f"{count} records written to {output}")
