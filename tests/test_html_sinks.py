"""Where the registry's text could become markup, read from the sources: the pages' own
scripts parse no string as HTML, the templates and the Python mark nothing safe by hand.

tests/browser/test_html_injection_browser.py proves the pages with hostile names; this keeps a
new line of code from reopening the door on a page that test does not open.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))  # ours; static/vendor is not
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
PYTHON = sorted((ROOT / "registry").rglob("*.py"))

# DOM calls and properties that parse a string as HTML.
HTML_SINKS = re.compile(
    r"\.(innerHTML|outerHTML|insertAdjacentHTML|srcdoc)\b|document\.write|"
    r"createContextualFragment|DOMParser|\.html\("
)
# Leaflet's calls and options whose string content it puts into innerHTML.
LEAFLET_CONTENT = re.compile(
    r"\.(bindTooltip|bindPopup|setContent|setTooltipContent|setPopupContent)\(\s*([^)]*)"
)
LEAFLET_HTML_OPTIONS = re.compile(r"\b(divIcon|DivIcon|addAttribution|setPrefix)\b|\bhtml\s*:")
# What catalog-map.js hands Leaflet: a text node, an element, or a function building them.
BUILDERS = ("text(", "element(", "pointPopup(")
COMMENT = re.compile(r"(^|\s)//.*|^\s*/?\*.*")  # a // comment, a line of a /* */ one


def code_lines(path: Path):
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        yield n, COMMENT.sub("", line)


def test_scripts_parse_no_string_as_html():
    assert SCRIPTS
    found = []
    for path in SCRIPTS:
        for n, line in code_lines(path):
            if HTML_SINKS.search(line) or LEAFLET_HTML_OPTIONS.search(line):
                found.append(f"{path.name}:{n}: {line.strip()}")
            for call in LEAFLET_CONTENT.finditer(line):
                if not call.group(2).startswith(BUILDERS):
                    found.append(f"{path.name}:{n}: {call.group(0)}")
    assert found == []


def test_templates_mark_nothing_safe():
    assert TEMPLATES
    unsafe = re.compile(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in TEMPLATES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if unsafe.search(line)
    ]
    assert found == []


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_python_builds_markup_only_from_literal_formats():
    """format_html escapes its arguments but not its format: the format must be a literal
    (an f-string or a variable would carry data in unescaped). mark_safe and SafeString not
    at all."""
    found = []
    for path in PYTHON:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name, where = _name(node.func), f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in ("mark_safe", "SafeString", "SafeText"):
                found.append(f"{where}: {name}")
            position = {"format_html": 0, "format_html_join": 1}.get(name)
            if position is not None:
                fmt = node.args[position] if len(node.args) > position else None
                if not (isinstance(fmt, ast.Constant) and isinstance(fmt.value, str)):
                    found.append(f"{where}: {name} with a format that is not a literal")
    assert found == []
