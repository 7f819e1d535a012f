"""A progress bar on a terminal, silence otherwise (cron jobs and CI logs stay clean)."""

from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(total: int | None, stream, *, unit: str):
    """Yields advance(position): the absolute position reached (bytes or records)."""
    out = getattr(stream, "_out", stream)
    if not (hasattr(out, "isatty") and out.isatty()):
        yield lambda position: None
        return
    with tqdm(total=total, file=out, unit=unit, unit_scale=True, dynamic_ncols=True) as bar:

        def advance(position: int) -> None:
            bar.update(position - bar.n)

        yield advance
