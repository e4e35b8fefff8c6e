"""Helpers of the 4.2.1 compatibility suite (imported by its tests).

Every test talks to a ``MetadataClient`` whose HTTP traffic is intercepted by
``responses``: the token endpoint answers with a bearer token, and tests
register the API answers they need. ``wire()`` turns a recorded call into
(verb, path relative to the API base, query dict, JSON body) so assertions
read like the 4.2.1 facts they check.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

from metadata_client import MetadataClient

DATA = Path(__file__).parent / "data"
HOST = "https://mdc.example"
BASE = f"{HOST}/api/"
TOKEN_URL = f"{HOST}/oauth/token"
EMAIL = "daq@example.org"
ANY_API = re.compile(re.escape(BASE) + ".*")


def new_client(**options: Any) -> MetadataClient:
    """A client with 4.2.1's positional constructor arguments."""
    return MetadataClient("cid", "csecret", TOKEN_URL, TOKEN_URL, f"{HOST}/oauth/authorize", "",
                          EMAIL, BASE, **options)


def api_calls(mock: responses.RequestsMock) -> list[Any]:
    """The recorded calls to the API (the token request left out)."""
    return [c for c in mock.calls if not c.request.url.startswith(TOKEN_URL)]


def wire(call: Any) -> tuple[str, str, dict[str, str], Any]:
    """(verb, path after the API base, query as a flat dict, decoded JSON body or None)."""
    request = call.request
    parts = urlsplit(request.url)
    assert request.url.startswith(BASE), request.url
    path = parts.path[len(urlsplit(BASE).path):]
    query = parse_qs(parts.query, keep_blank_values=True)
    assert all(len(v) == 1 for v in query.values()), f"repeated query parameter in {request.url}"
    body = request.body
    if body in (None, b"", ""):
        decoded = None
    else:
        decoded = json.loads(body)
    return request.method, path, {k: v[0] for k, v in query.items()}, decoded


def wires(mock: responses.RequestsMock) -> list[tuple[str, str, dict[str, str], Any]]:
    return [wire(c) for c in api_calls(mock)]


def parse_params(spec: str) -> list[tuple[str, Any]]:
    """``"a, b=1, c=str()"`` as [(name, default or inspect.Parameter.empty)]."""
    fn = ast.parse(f"def f({spec}): pass").body[0]
    args = fn.args.args
    defaults = [eval(compile(ast.Expression(d), "<default>", "eval"), {"__builtins__": {}, "str": str})
                for d in fn.args.defaults]
    padded = [inspect.Parameter.empty] * (len(args) - len(defaults)) + defaults
    return [(a.arg, d) for a, d in zip(args, padded)]


def signature_params(func: Any, skip: int = 0) -> list[tuple[str, Any]]:
    """[(name, default)] of ``func``'s signature, the first ``skip`` parameters left out."""
    params = list(inspect.signature(func).parameters.values())[skip:]
    return [(p.name, p.default) for p in params]


# -- the 4.2.1 facts, read from the copies in data/ -------------------------------

def api_rows() -> list[dict[str, str]]:
    """The 132 rows of ``upstream_api.tsv`` as dicts keyed by column."""
    lines = (DATA / "upstream_api.tsv").read_text().splitlines()
    keys = ["mixin", "method", "arguments", "verb", "path", "query", "body"]
    rows = []
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        cells += [""] * (len(keys) - len(cells))
        rows.append(dict(zip(keys, cells)))
    return rows


def surface() -> dict[str, Any]:
    """``upstream_surface.md`` parsed: constructor, facade methods and module classes."""
    text = (DATA / "upstream_surface.md").read_text()
    ctor = re.search(r"^`MetadataClient\((.*)\)`$", text, re.M)
    assert ctor, "constructor line not found"
    facade_part = text.split("## Facade methods", 1)[1].split("## Module classes", 1)[0]
    facade = {m.group(1): parse_params(m.group(2))
              for m in re.finditer(r"^- `(\w+)\((.*)\)`$", facade_part, re.M)}
    classes: dict[str, dict[str, Any]] = {}
    sections = re.split(r"^### ", text.split("## Module classes", 1)[1], flags=re.M)[1:]
    for section in sections:
        head = re.match(r"(\w+) \(module `metadata_client/modules/(\w+)\.py`\)", section)
        assert head, section[:80]
        cls, stem = head.groups()
        info: dict[str, Any] = {"module_file": stem, "ctor": None, "instance": [],
                                "statics": {}, "constants": {}}
        for line in section.splitlines():
            if m := re.match(rf"^- constructor: `{cls}\((.*)\)`$", line):
                info["ctor"] = parse_params(m.group(1))
            elif m := re.match(r"^- class constants: `(\w+) = (.+)`$", line):
                info["constants"][m.group(1)] = ast.literal_eval(m.group(2))
            elif m := re.match(r"^- static `(\w+)\((.*)\)`$", line):
                info["statics"][m.group(1)] = parse_params(m.group(2))
            elif m := re.match(r"^- `(\w+)\(\)`$", line):
                info["instance"].append(m.group(1))
        assert info["ctor"] is not None, cls
        classes[cls] = info
    return {"constructor": parse_params(ctor.group(1)), "facade": facade, "classes": classes}
