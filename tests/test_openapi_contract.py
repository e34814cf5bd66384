"""The OpenAPI schema is the API's contract: the schema Steward generates must equal the one
committed in ``docs/openapi.json``, apart from ordering. A change to the API shows up here as a
diff to review; when it is meant, ``make openapi`` writes the new contract."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def canonical(value: Any) -> Any:
    """``value`` with keys sorted and lists ordered by their content, so that only a real change
    (not the order routes were registered in) makes two schemas differ."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return sorted(
            (canonical(item) for item in value), key=lambda v: json.dumps(v, sort_keys=True)
        )
    return value


def test_the_generated_schema_is_the_committed_contract(tmp_path):
    out = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    generated = canonical(json.loads(out.read_text()))
    committed = canonical(json.loads(CONTRACT.read_text()))
    if generated != committed:
        diff = difflib.unified_diff(
            json.dumps(committed, indent=1).splitlines(),
            json.dumps(generated, indent=1).splitlines(),
            "docs/openapi.json",
            "generated",
            lineterm="",
        )
        shown = "\n".join(list(diff)[:120])
        raise AssertionError(
            f"The API no longer matches docs/openapi.json (make openapi):\n{shown}"
        )


def test_canonical_form_ignores_order_but_not_content():
    a = {"paths": {"/b/": {"tags": ["x", "y"]}, "/a/": {}}}
    b = {"paths": {"/a/": {}, "/b/": {"tags": ["y", "x"]}}}
    assert canonical(a) == canonical(b)
    assert canonical(a) != canonical({"paths": {"/a/": {}, "/b/": {"tags": ["x"]}}})
