"""Hand-written xlsx files (zip + XML), for the sheets no spreadsheet program would save: a
declared dimension of the whole grid, a cell in the last column, millions of empty rows."""

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
TYPES = {
    "workbook": f"{OOXML}.sheet.main+xml",
    "worksheet": f"{OOXML}.worksheet+xml",
    "sharedStrings": f"{OOXML}.sharedStrings+xml",
    "styles": f"{OOXML}.styles+xml",
}
HEADER = ["建筑编号", "调查日期", "使用状况", "保存状况", "用途", "调查人", "备注"]


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row(line: int, values: list[str]) -> str:
    """A row of inline strings from column A."""
    cells = "".join(inline(f"{chr(65 + i)}{line}", v) for i, v in enumerate(values) if v != "")
    return f'<row r="{line}">{cells}</row>'


def sheet(rows: str, dimension: str | None = None, before: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{dim}{before}<sheetData>{rows}</sheetData>'
        "</worksheet>"
    )


def xlsx(sheet_xml, shared=None, styles: str | None = None, date1904: bool = False) -> bytes:
    """A workbook of one sheet, with an optional shared-string table and styles part. A part is
    text, or an iterable of byte chunks (streamed in: a bomb never sits whole in memory)."""
    parts = {"worksheets/sheet1.xml": "worksheet"}
    if shared is not None:
        parts["sharedStrings.xml"] = "sharedStrings"
    if styles is not None:
        parts["styles.xml"] = "styles"
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/{kind}" Target="{target}"/>'
        for i, (target, kind) in enumerate(parts.items(), start=1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/{target}" ContentType="{TYPES[kind]}"/>'
        for target, kind in {"workbook.xml": "workbook", **parts}.items()
    )
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship '
            f'Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f'{pr}<sheets><sheet name="调查" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">{rels}'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared is not None:
        files["xl/sharedStrings.xml"] = shared
    if styles is not None:
        files["xl/styles.xml"] = styles
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in files.items():
            if isinstance(content, (str, bytes)):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in content:
                    part.write(chunk)
    return out.getvalue()


def shared_strings(texts: list[str]) -> str:
    items = "".join(f"<si><t>{escape(t)}</t></si>" for t in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'
