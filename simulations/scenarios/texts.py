"""The words of a refused scenario change, in English and Bahasa Indonesia, from one table.

A :class:`~simulations.scenarios.changes.ScenarioError` carries a message key of
:data:`REFUSALS` and its parameters; :func:`refusal` words it in a language with the
names of the steps instead of their ids. English keeps the error's own message (the
command line prints it); a refusal without a key gets the general sentence in Indonesian.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# message key -> language -> str.format template
REFUSALS: dict[str, dict[str, str]] = {
    "not_a_task": {
        "en": "{change}: {task} is not a step of this procedure.",
        "id": "{change}: {task} bukan langkah dalam prosedur ini.",
    },
    "count": {
        "en": "{change}: the number of clerks must be a whole number from 1 to {high}.",
        "id": "{change}: jumlah petugas harus bilangan bulat dari 1 sampai {high}.",
    },
    "not_adjacent": {
        "en": "{change}: {task} must lead straight to {next_task}.",
        "id": "{change}: {task} harus langsung dilanjutkan oleh {next_task}.",
    },
    "two_tasks": {
        "en": "{change}: choose at least two steps.",
        "id": "{change}: pilih paling sedikit dua langkah.",
    },
    "twice": {
        "en": "{change}: a step is chosen twice.",
        "id": "{change}: ada langkah yang dipilih dua kali.",
    },
    "no_flow": {
        "en": "{change}: this path does not exist in the procedure.",
        "id": "{change}: jalur ini tidak ada dalam prosedur.",
    },
    "text": {
        "en": "{change}: a step, lane or path is missing.",
        "id": "{change}: langkah, bagian, atau jalurnya belum dipilih.",
    },
    "number": {
        "en": "{change}: expected a number.",
        "id": "{change}: isian ini harus berupa angka.",
    },
    "range": {
        "en": "{change}: the number must be from {low} to {high}.",
        "id": "{change}: angkanya harus dari {low} sampai {high}.",
    },
    "positive": {
        "en": "{change}: the number must be greater than 0.",
        "id": "{change}: angkanya harus lebih besar dari 0.",
    },
    "unknown_op": {
        "en": "{change}: unknown kind of change.",
        "id": "{change}: jenis perubahan tidak dikenal.",
    },
    "required": {
        "en": "{change}: a required field is empty.",
        "id": "{change}: ada isian wajib yang masih kosong.",
    },
    "no_process": {
        "en": "The process chosen in the parameters is not in this procedure.",
        "id": "Proses yang dipilih dalam parameter tidak ada dalam prosedur ini.",
    },
    "list": {
        "en": "The changes must be a list.",
        "id": "Daftar perubahan harus berupa daftar (list).",
    },
    "bad_yaml": {
        "en": "The changes are not valid YAML.",
        "id": "Daftar perubahan bukan YAML yang valid.",
    },
    "bad_json": {
        "en": "The change is not valid JSON.",
        "id": "Perubahan ini bukan JSON yang valid.",
    },
    "too_long": {
        "en": "The changes are too long: {length} characters, at most {limit}.",
        "id": "Daftar perubahan terlalu panjang: {length} karakter, paling banyak {limit}.",
    },
    "yaml_alias": {
        "en": "The changes use a YAML alias (*name), which is not allowed: write the value out.",
        "id": "Daftar perubahan memakai alias YAML (*nama), yang tidak diizinkan: tulis nilainya.",
    },
    "too_deep": {
        "en": "The changes are nested too deeply.",
        "id": "Daftar perubahan bersarang terlalu dalam.",
    },
    "": {  # a refusal without a key
        "en": "This change cannot be applied.",
        "id": "Perubahan ini tidak dapat diterapkan. Periksa langkah, jalur, dan angkanya.",
    },
}
_CHANGE = {"en": ("Change {n}", "The change"), "id": ("Perubahan ke-{n}", "Perubahan ini")}


def _change(where: str, language: str) -> str:
    """``changes[2].task`` -> ``Change 3``; a change from the form -> ``The change``."""
    numbered, single = _CHANGE[language]
    match = re.match(r"changes\[(\d+)\]", where or "")
    return numbered.format(n=int(match.group(1)) + 1) if match else single


def refusal(error: Exception, language: str, names: Mapping[str, str] | None = None) -> str:
    """``error`` in ``language`` ("en" keeps its own message), steps named by ``names``.

    >>> from simulations.scenarios.changes import ScenarioError
    >>> e = ScenarioError("x", "not_a_task", where="changes[0].task", task="t9")
    >>> refusal(e, "id", {"t9": "Periksa berkas"})
    'Perubahan ke-1: “Periksa berkas” bukan langkah dalam prosedur ini.'
    >>> refusal(ValueError("raw"), "id")
    'Perubahan ini tidak dapat diterapkan. Periksa langkah, jalur, dan angkanya.'
    """
    if language == "en":
        return str(error)
    key = getattr(error, "key", None)
    texts = REFUSALS.get(key or "") or REFUSALS[""]
    params = dict(getattr(error, "params", {}) or {})
    params["change"] = _change(params.pop("where", ""), language)
    for key in ("task", "next_task"):
        if key in params:
            task = str(params[key])
            params[key] = f"“{(names or {}).get(task, task)}”"
    for name, value in params.items():  # whole numbers with the language's thousands mark
        if isinstance(value, int) and not isinstance(value, bool):
            params[name] = f"{value:,}".replace(",", "." if language == "id" else ",")
    template = texts.get(language) or texts["en"]
    return template.format(**params)
