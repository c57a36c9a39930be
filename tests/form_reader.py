"""Read an HTML form as a browser sends it (the tests of the editing forms submit them as a user would)."""

from __future__ import annotations

import html
from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "fields": [], "buttons": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if "name" not in a or kind in ("submit", "button", "file"):
                return
            if kind == "checkbox" and "checked" not in a:
                return
            self._form["fields"].append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "button" and a.get("name"):
            self._form["buttons"].append((a["name"], a.get("value", ""), a.get("aria-label", "")))
        elif tag == "select" and "name" in a:
            self._select = {"name": a["name"], "first": None, "selected": None}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and "name" in a:
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
            if self._select["first"] is None:
                self._select["first"] = value
            if self._option["selected"]:
                self._select["selected"] = value
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["selected"] if self._select["selected"] is not None else self._select["first"]
            self._form["fields"].append([self._select["name"], chosen or ""])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            value = value.replace("\r\n", "\n").replace("\r", "\n")  # as HTML reads line breaks
            value = value[1:] if value.startswith("\n") else value  # as HTML drops the newline after <textarea>
            self._form["fields"].append([name, value.replace("\n", "\r\n")])  # as a browser sends it
            self._textarea = None
        elif tag == "form":
            self._form = None


def read_form(page: str, action: str) -> dict:
    """The form posting to `action`: its fields as a browser would send them, and its buttons."""
    parser = _Forms()
    parser.feed(page)
    for form in parser.forms:
        if form["action"] and html.unescape(form["action"]) == action:
            return form
    raise AssertionError(f"inget formulär till {action}")


def with_values(form: dict, changes: dict[str, str], button: tuple[str, str] | None = ("_åtgärd", "spara")) -> list:
    """The fields of `form` with `changes` (name → value), and the button pressed."""
    fields = [list(f) for f in form["fields"]]
    for name, value in changes.items():
        hits = [f for f in fields if f[0] == name]
        assert hits, f"inget fält {name}"
        hits[-1][1] = value
    out = [tuple(f) for f in fields]
    if button:
        out.append(button)
    return out
