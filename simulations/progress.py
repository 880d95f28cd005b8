"""What a running simulation job is doing, stored as a key and parameters, worded later.

A job reports its progress through :func:`progress_message` (a short JSON text, at most
:data:`MAX_CHARS` characters, the size of the job's message column);
:func:`progress_text` words it in English or Bahasa Indonesia, a finding by its message
key and the names of the steps. A message that is not such a JSON text (an older job)
is shown as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from simulations.analysis.texts import render

MAX_CHARS = 300
PROGRESS: dict[str, dict[str, str]] = {  # key -> language -> str.format template
    "preparing": {"en": "preparing", "id": "menyiapkan"},
    "replication": {"en": "{label}: replication {i} of {n}", "id": "{label}: ulangan {i} dari {n}"},
    "effect": {"en": "effect of: {finding}", "id": "dampak dari: {finding}"},
    "revised": {"en": "writing the revised diagram", "id": "menggambar diagram yang direvisi"},
}
LABELS = {"baseline": {"en": "baseline", "id": "kondisi sekarang"}}


def progress_message(key: str, **params) -> str:
    """The stored form of a progress step; parameters that do not fit are left out.

    >>> progress_message("replication", label="baseline", i=1, n=2)
    '{"progress": "replication", "label": "baseline", "i": 1, "n": 2}'
    """
    without_title = {k: v for k, v in params.items() if k != "title"}  # words from params
    without_params = {k: v for k, v in params.items() if k != "params"}  # from the title
    for tried in (params, without_title, without_params):
        text = json.dumps({"progress": key, **tried}, ensure_ascii=False, default=str)
        if len(text) <= MAX_CHARS:
            return text
    return json.dumps({"progress": key})


def progress_text(message: str | None, language: str, names: Mapping[str, str]) -> str:
    """``message`` (from :func:`progress_message`) in ``language`` with the steps' names.

    >>> progress_text('{"progress": "replication", "label": "baseline", "i": 1, "n": 2}',
    ...               "id", {})
    'kondisi sekarang: ulangan 1 dari 2'
    >>> progress_text("an older message", "id", {})
    'an older message'
    """
    try:
        data = json.loads(message or "")
    except ValueError:
        return message or ""
    if not isinstance(data, dict) or data.get("progress") not in PROGRESS:
        return message or ""
    texts = PROGRESS[data["progress"]]
    template = texts.get(language, texts["en"])
    label = str(data.get("label", ""))
    values = {
        "i": data.get("i", ""),
        "n": data.get("n", ""),
        "label": LABELS.get(label, {}).get(language, label),
        "finding": _finding(data, language, names),
    }
    return template.format(**values)


def _finding(data: dict, language: str, names: Mapping[str, str]) -> str:
    """A finding's title in ``language``; its English title when it cannot be worded."""
    params = data.get("params")
    rendered = render(str(data.get("message", "")), params or {}, names.get, language)
    if rendered is None or not isinstance(params, dict):
        return str(data.get("title", ""))
    return rendered[0]
