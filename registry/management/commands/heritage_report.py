"""python manage.py heritage_report [--as-of D] [--by G] [--region CODE] [--level L]
[--format json|csv|xlsx|table] [--output FILE]"""

from django.core.management.base import BaseCommand, CommandError

from registry import indicator_formats as formats
from registry.forms.indicators import IndicatorParamsForm
from registry.selectors.indicators import GROUPINGS, indicator_report


class Command(BaseCommand):
    help = "Plaque coverage, vacancy and archive coverage (indicators.md) as of a day."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD; default today")
        parser.add_argument("--by", default="none", help=f"one of {', '.join(GROUPINGS)}")
        parser.add_argument("--region", help="a six-digit GB/T 2260 code, e.g. 140000")
        parser.add_argument("--level", help="national, provincial or municipal")
        parser.add_argument("--format", default="table", choices=formats.FORMATS)
        parser.add_argument("--output", "-o", help="write to FILE instead of standard output")

    def handle(self, *args, **options):
        form = IndicatorParamsForm(
            {
                "as_of": options["as_of"] or "",
                "by": options["by"],
                "region": options["region"] or "",
                "level": options["level"] or "",
            }
        )
        if not form.is_valid():
            raise CommandError(form.error_text())
        report = indicator_report(**form.cleaned_data)
        fmt = options["format"]
        if fmt == "xlsx":
            self._write_binary(formats.to_xlsx(report), options["output"])
            return
        text = {
            "json": lambda: formats.to_json(report) + "\n",
            "csv": lambda: formats.to_csv(report).decode("utf-8"),
            "table": lambda: formats.to_table(report),
        }[fmt]()
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")

    def _write_binary(self, data: bytes, path: str | None) -> None:
        if path:
            with open(path, "wb") as out:
                out.write(data)
            return
        buffer = getattr(self.stdout._out, "buffer", None)
        if buffer is None or buffer.isatty():
            raise CommandError("xlsx is binary: give --output FILE or redirect standard output")
        self.stdout.flush()
        buffer.write(data)
        buffer.flush()
