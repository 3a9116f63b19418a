"""Read a SCRIPT_API monitor's script when, and only when, it is a plain sequence of requests and
status assertions; anything else is `NotPlain` (the monitor stays manual with its script kept).

The accepted shape, statement by statement (a conservative reading, never a JavaScript interpreter):
- `const assert = require('assert');`
- `const NAME = $secure.CRED;` (or a string literal) - a binding later literals may use;
- `$http.<get|post|put|patch|delete|head>(URL | {url, headers, json, body}, (err, res[, body]) => {...});`
  (or `function (err, res, body) {...}`), whose block holds only
  `assert.equal|strictEqual(res.statusCode, N[, 'message']);`.
Literals are strings ('' or ""), numbers, booleans, null, objects, arrays, `$secure.CRED` and `+` of
strings; a secure credential becomes `{{ CRED }}` (a Datadog global variable of the same name).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from migrate.scrub import is_credential_value, is_secret_name
from migrate.scrub_script import REDACTED, TOKEN

METHODS = frozenset({"get", "post", "put", "patch", "delete", "head"})


class NotPlain(Exception):
    """The script does something this reader does not follow; the message says what."""


@dataclass(frozen=True)
class Secure:
    name: str


@dataclass
class Call:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    json_body: bool = False
    status: list[int] = field(default_factory=list)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if m is None:
            raise NotPlain(f"cannot read the script near {text[pos : pos + 30].strip()!r}")
        kind = m.lastgroup or ""
        if kind != "comment":
            out.append((kind, m[kind]))
        pos = m.end()
    return out


class _Reader:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.bindings: dict[str, Any] = {}
        self.secure: list[str] = []

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.toks[j][1] if j < len(self.toks) else ""

    def take(self, want: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise NotPlain("the script ends early")
        tok = self.toks[self.i]
        if want is not None and tok[1] != want:
            raise NotPlain(f"expected {want!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def value(self) -> Any:
        left = self.atom()
        while self.peek() == "+":
            self.take()
            right = self.atom()
            left = _concat(left, right)
        return left

    def atom(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return json.loads('"' + text[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if text == "$secure":
            self.take(".")
            name = self.take()[1]
            self.secure.append(name)
            return Secure(name)
        if text == "{":
            return self.obj()
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return items
        if kind == "name" and text in self.bindings:
            return self.bindings[text]
        raise NotPlain(f"{text!r} is not a literal this reader follows")

    def obj(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while self.peek() != "}":
            kind, key = self.take()
            out[json.loads('"' + key[1:-1] + '"') if kind == "str" else key] = (self.take(":"), self.value())[1]
            if self.peek() == ",":
                self.take()
        self.take("}")
        return out


def _concat(left: Any, right: Any) -> Any:
    parts = [
        p for side in (left, right) for p in (side if isinstance(side, list) and side and _is_text(side) else [side])
    ]
    if not all(isinstance(p, str | Secure) for p in parts):
        raise NotPlain("`+` of something other than text")
    return parts


def _is_text(value: list[Any]) -> bool:
    return all(isinstance(p, str | Secure) for p in value)


def render(value: Any) -> str:
    """A literal as the text Datadog sends, secure credentials as `{{ NAME }}`."""
    if isinstance(value, Secure):
        return f"{{{{ {value.name} }}}}"
    if isinstance(value, list) and _is_text(value):
        return "".join(render(p) for p in value)
    if isinstance(value, str):
        return value
    return json.dumps(_jsonable(value), separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Secure) or (isinstance(value, list) and value and _is_text(value)):
        return render(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def read_script(text: str) -> tuple[list[Call], list[str]]:
    """(the requests in order, the secure credentials used) or NotPlain."""
    r = _Reader(text)
    calls: list[Call] = []
    while r.i < len(r.toks):
        if r.peek() == ";":
            r.take()
        elif r.peek() in ("const", "let", "var"):
            _binding(r)
        elif r.peek() == "$http":
            calls.append(_call(r))
        else:
            raise NotPlain(f"statement starting {r.peek()!r} is not a request")
    if not calls:
        raise NotPlain("no $http request in the script")
    return calls, list(dict.fromkeys(r.secure))


def _binding(r: _Reader) -> None:
    r.take()
    name = r.take()[1]
    r.take("=")
    if r.peek() == "require":
        r.take()
        r.take("(")
        module = r.value()
        r.take(")")
        if module != "assert" or name != "assert":
            raise NotPlain(f"require({module!r}) is not the assert module")
        return
    r.bindings[name] = r.value()


def _call(r: _Reader) -> Call:
    r.take("$http")
    r.take(".")
    method = r.take()[1].lower()
    if method not in METHODS:
        raise NotPlain(f"$http.{method} is not a plain request")
    r.take("(")
    options = r.value()
    call = _options(method, options)
    r.take(",")
    res = _callback_params(r)
    r.take("{")
    while r.peek() != "}":
        call.status.append(_status_assert(r, res))
    r.take("}")
    r.take(")")
    return call


def _options(method: str, options: Any) -> Call:
    if isinstance(options, str):
        return Call(method.upper(), options)
    if not isinstance(options, dict) or not isinstance(options.get("url"), str):
        raise NotPlain("the request names no literal url")
    extra = set(options) - {"url", "headers", "json", "body"}
    if extra:
        raise NotPlain(f"request options {sorted(extra)} are not followed")
    _no_literal_credentials(options)
    headers = {str(k): render(v) for k, v in (options.get("headers") or {}).items()}
    call = Call(method.upper(), options["url"], headers)
    if "json" in options:
        call.body, call.json_body = render(options["json"]), True
    elif "body" in options:
        call.body = render(options["body"])
    return call


def _no_literal_credentials(value: Any, key: str = "") -> None:
    """A credential written into the script as text would land in the test: such a script stays manual (its
    owner moves the value to a secure credential first)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _no_literal_credentials(v, str(k))
    elif isinstance(value, list) and not _is_text(value):
        for v in value:
            _no_literal_credentials(v, key)
    elif not isinstance(value, Secure) and not (isinstance(value, list) and any(isinstance(p, Secure) for p in value)):
        text = render(value) if isinstance(value, list) else value
        if (key and is_secret_name(key) and isinstance(text, str) and text) or is_credential_value(text):
            raise NotPlain(f"the script holds a literal credential in {key or 'a value'!r}")
        if text == REDACTED:  # the collector took a literal credential out of the script
            raise NotPlain(f"the script held a literal credential in {key or 'a value'!r} (redacted at collect time)")


def _callback_params(r: _Reader) -> str:
    if r.peek() == "function":
        r.take()
    r.take("(")
    names = []
    while r.peek() != ")":
        names.append(r.take()[1])
        if r.peek() == ",":
            r.take()
    r.take(")")
    if r.peek() == "=>":
        r.take()
    if len(names) < 2:
        raise NotPlain("the callback does not take (err, response)")
    return names[1]


def _status_assert(r: _Reader, res: str) -> int:
    head = [r.take()[1] for _ in range(3)]
    if head[:2] != ["assert", "."] or head[2] not in ("equal", "strictEqual"):
        raise NotPlain(f"{''.join(head)}: only assert.equal(response.statusCode, N) is followed")
    r.take("(")
    if [r.take()[1] for _ in range(3)] != [res, ".", "statusCode"]:
        raise NotPlain("an assertion on something other than the status code")
    r.take(",")
    status = r.value()
    if not isinstance(status, int):
        raise NotPlain("the expected status is not a number")
    if r.peek() == ",":
        r.take()
        r.value()  # the assertion's message
    r.take(")")
    if r.peek() == ";":
        r.take()
    return status
