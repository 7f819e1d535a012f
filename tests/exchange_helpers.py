"""Small builders for exchange lines and a runner for the import command."""

import io
import json

from django.core.management import call_command
from django.core.management.base import CommandError


def city(code="C1", **kw):
    return {"kind": "city", "code": code, "name": "平遥", "level": "national",
            "region": "140728", "designated_on": "1986-12-08", **kw}  # fmt: skip


def district(code="D1", parent="C1", **kw):
    return {"kind": "district", "code": code, "name": "南大街历史文化街区", "level": "national",
            "region": "140728", "parent": parent, "designated_on": "2010-01-01", **kw}  # fmt: skip


def building(code="B1", parent="D1", **kw):
    return {"kind": "building", "code": code, "name": "张氏宗祠", "level": "provincial",
            "region": "140728", "parent": parent, "designated_on": "2015-03-01", **kw}  # fmt: skip


def jsonl(*records) -> bytes:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    ).encode("utf-8")


def write(tmp_path, content: bytes, name="in.jsonl"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def run_import(path):
    """(ok, stdout, stderr) of `import_heritage path`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_heritage", str(path), stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        return False, out.getvalue(), err.getvalue()
    return True, out.getvalue(), err.getvalue()


def run_export(*args) -> str:
    out = io.StringIO()
    call_command("export_heritage", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()
