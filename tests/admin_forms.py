"""What a browser would post back from an admin page: the fields of each form as the page
rendered them (hidden inputs included), so that a test can submit a page opened earlier."""

from html.parser import HTMLParser

SKIPPED_INPUTS = {"submit", "button", "file", "image", "reset"}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "id": a.get("id") or "", "data": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        data = self._form["data"]
        if tag == "input" and a.get("name") and a.get("type", "text") not in SKIPPED_INPUTS:
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            data[a["name"]] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            data[self._select] = None
        elif tag == "option" and self._select:
            if "selected" in a or data[self._select] is None:  # browsers send the first
                data[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            data[self._textarea] = ""

    def handle_data(self, text):
        if self._form is not None and self._textarea:
            self._form["data"][self._textarea] += text

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._form is not None and self._textarea:
                value = self._form["data"][self._textarea]
                self._form["data"][self._textarea] = value.removeprefix("\n")
            self._textarea = None


def page_forms(response) -> list[dict]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return parser.forms


def change_form(response) -> dict:
    """The data of the page's change form (the one with id `<model>_form`)."""
    forms = [f for f in page_forms(response) if f["id"].endswith("_form")]
    assert len(forms) == 1, [f["id"] for f in page_forms(response)]
    return dict(forms[0]["data"])


def form_posting_to(response, action_end: str) -> dict:
    """The data of the page's form whose action ends with `action_end` (a workflow button)."""
    forms = [f for f in page_forms(response) if f["action"].endswith(action_end)]
    assert len(forms) == 1, [f["action"] for f in page_forms(response)]
    return dict(forms[0]["data"])
