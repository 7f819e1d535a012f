"""The yardstick of tests/test_english.py and tests/browser/test_english_browser.py: the Han
characters a page shows outside record data.

Record data (a record's name, address, description; a survey's use and notes) is Chinese in an
English page too; templates mark it with lang="zh-Hans" (right for screen readers as well), and
this parser skips every element so marked. What markup cannot wrap (the page's <title>, an
attribute such as a map's aria-label) is matched against the record data the test made.
"""

import re
from html.parser import HTMLParser

# Han characters, and the Chinese punctuation that would leak with them (a template's ，：（）).
CHINESE = re.compile(
    r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param"}  # fmt: skip


class _Visible(HTMLParser):
    """Text, attribute values and inline JSON of a page, minus the elements in Chinese."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: inside a lang="zh…" element?
        self.parts: list[str] = []

    def _chinese(self) -> bool:
        return bool(self.stack and self.stack[-1])

    def handle_starttag(self, tag, attrs):
        lang = dict(attrs).get("lang")
        inside = lang.lower().startswith("zh") if lang is not None else self._chinese()
        if not inside:
            self.parts.extend(f"<{tag} {name}={value}>" for name, value in attrs if value)
        if tag not in VOID:
            self.stack.append(inside)

    def handle_startendtag(self, tag, attrs):
        lang = dict(attrs).get("lang")
        inside = lang.lower().startswith("zh") if lang is not None else self._chinese()
        if not inside:
            self.parts.extend(f"<{tag} {name}={value}>" for name, value in attrs if value)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._chinese():
            self.parts.append(data)


def leaks(html: str, record_data=()) -> list[str]:
    """The snippets of `html` around each Han character (or Chinese punctuation) outside the
    elements marked lang="zh…" and outside the strings of `record_data`."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return text_leaks("\n".join(parser.parts), record_data)


def text_leaks(text: str, record_data=()) -> list[str]:
    """The same check for plain text (a CSV, a cell, a message)."""
    for value in sorted((v for v in record_data if v), key=len, reverse=True):
        text = text.replace(value, "")
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in CHINESE.finditer(text)]
