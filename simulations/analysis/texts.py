"""The words of the findings, in English and Bahasa Indonesia, from one table.

A detector says what it found as a message key of :data:`MESSAGES` and its parameters
(:func:`told`); :func:`render` words it in a language with the names of the steps,
gateways and lanes instead of their ids. The English words are also the finding's
``title`` and ``explanation`` (the command line prints them). The web pages render the
key and parameters again in the reader's language, with the names of the deployed
model, so a finding stored in a job result reads the same in both languages.

Parameter values: an element id (or a list of them) becomes its quoted name; a key
ending in ``_seconds`` working time in hours or working days of 8 hours (the office
day the service standard counts); ``withdrawn`` (why a suggestion was not offered) adds a
last sentence; other strings are translated through :data:`WORDS` when listed there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from simulations.analysis.finding import Finding

HOURS_PER_WORKING_DAY = 8.0  # the office day of CalendarSpec.office_hours, 08:00-16:00
WORKING_DAYS_A_WEEK = 5  # Monday to Friday
LANGUAGES = ("en", "id")

# message key -> language -> (title, explanation), str.format templates
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "redundant_check": {
        "en": (
            "{a} and {b} check the same thing",
            "{a} comes before {b} on the same path and {signals} (confidence "
            "{confidence:.2f}). One check, done once, is enough: merge them or drop the second.",
        ),
        "id": (
            "{a} dan {b} memeriksa hal yang sama",
            "{a} dilakukan sebelum {b} pada jalur yang sama, dan keduanya memeriksa hal yang "
            "sama: nama, data atau dokumen, dan pertanyaan yang dijawab (tingkat keyakinan "
            "{confidence:.0%}). Satu pemeriksaan, sekali saja, sudah cukup: gabungkan "
            "keduanya atau hapus yang kedua.",
        ),
    },
    "no_effect_step": {
        "en": (
            "{step} changes nothing downstream",
            "{step} records {data}, but no later condition, form, script, document or "
            "payment uses it, and the step does not itself register, pay, sign, issue, "
            "notify or produce a document. Unless a report outside this procedure needs it, "
            "the step can go.",
        ),
        "id": (
            "{step} tidak berpengaruh pada langkah berikutnya",
            "{step} mencatat {data}, tetapi tidak ada kondisi, formulir, skrip, dokumen, atau "
            "pembayaran berikutnya yang memakainya, dan langkah ini sendiri tidak "
            "mendaftarkan, membayar, menandatangani, menerbitkan, memberi tahu, atau "
            "menghasilkan dokumen. Kecuali laporan di luar prosedur ini membutuhkannya, "
            "langkah ini dapat dihapus.",
        ),
    },
    "parallelizable": {
        "en": (
            "{steps} could run at the same time",
            "These {count} steps run one after another, but none of them reads or overwrites "
            "data another of them records, and they are done by different people ({lanes}). "
            "Started together (a parallel split before, a join after), the applicant waits "
            "for the longest, not the sum.",
        ),
        "id": (
            "{steps} dapat dikerjakan bersamaan",
            "Ke-{count} langkah ini dikerjakan berurutan, padahal tidak ada yang membaca atau "
            "menimpa data yang dicatat langkah lainnya, dan dikerjakan oleh petugas yang "
            "berbeda ({lanes}). Bila dimulai bersamaan (percabangan paralel sebelumnya, "
            "penggabungan sesudahnya), pemohon hanya menunggu yang terlama, bukan jumlahnya.",
        ),
    },
    "stacked_approvals": {
        "en": (
            "{count} approvals in a row: {chain}",
            "A case waits for {count} successive approvals by {officials} officials ({who}). "
            "Each level adds a handoff and its own waiting time; one accountable signature "
            "(with the others consulted in parallel or dropped) is usually enough.",
        ),
        "id": (
            "{count} persetujuan berturut-turut: {chain}",
            "Permohonan menunggu {count} persetujuan berturut-turut oleh {officials} pejabat "
            "({who}). Setiap jenjang menambah perpindahan berkas dan waktu tunggunya sendiri; "
            "satu tanda tangan yang bertanggung jawab (pejabat lain dimintai pendapat secara "
            "paralel atau tidak lagi dilibatkan) biasanya cukup.",
        ),
    },
    "rework_loop": {
        "en": (
            "Rework loop: {gateway} sends cases back to {head}",
            "At {gateway} a case can go back to {head} and repeat {steps}. Every round trip "
            "repeats the work and the waiting; clear requirements, a completeness check at "
            "submission or fixing small defects on the spot make returns rarer.",
        ),
        "id": (
            "Pengerjaan ulang: {gateway} mengembalikan permohonan ke {head}",
            "Di {gateway} permohonan dapat kembali ke {head} dan mengulang {steps}. Setiap "
            "putaran mengulang pekerjaan dan waktu tunggunya; persyaratan yang jelas, "
            "pemeriksaan kelengkapan saat pengajuan, atau perbaikan kecil di tempat membuat "
            "pengembalian lebih jarang.",
        ),
    },
    "knockout_order": {
        "en": (
            "Do {late} before {early}",
            "{late} takes {late_seconds} and rejects {late_rejection:.0%} of cases, but comes "
            "after {early}, which takes {early_seconds} and rejects {early_rejection:.0%}. "
            "Checking the cheap, strict thing first spares the expensive work on cases that "
            "fail anyway.",
        ),
        "id": (
            "Kerjakan {late} sebelum {early}",
            "{late} memakan waktu {late_seconds} dan menolak {late_rejection:.0%} permohonan, "
            "tetapi dikerjakan sesudah {early}, yang memakan waktu {early_seconds} dan menolak "
            "{early_rejection:.0%}. Memeriksa hal yang cepat dan ketat lebih dulu menghemat "
            "pekerjaan mahal pada permohonan yang toh akan ditolak.",
        ),
    },
    "bottleneck": {
        "en": (
            "Lane {lane} is a bottleneck ({source}: {busy:.0%} busy, {waiting:.0%} of time "
            "waiting)",
            "In the {source}, lane {lane} is busy {busy:.0%} of the time and cases spend "
            "{waiting:.0%} of their time waiting for it. Queues grow fast near full "
            "utilisation: add staff, move work to another lane or remove steps here.",
        ),
        "id": (
            "Bagian {lane} menjadi hambatan ({source}: sibuk {busy:.0%}, {waiting:.0%} waktu "
            "menunggu)",
            "Menurut {source}, bagian {lane} sibuk {busy:.0%} dari waktunya dan permohonan "
            "menghabiskan {waiting:.0%} waktunya untuk menunggu bagian ini. Antrean cepat "
            "memanjang bila petugas hampir selalu sibuk: tambah petugas, pindahkan pekerjaan "
            "ke bagian lain, atau kurangi langkah di sini.",
        ),
    },
    "unreachable": {
        "en": (
            "{first}{more} can never be reached",
            "No sequence flow leads from a start event to {nodes}, so no case will ever get "
            "there. Connect it or delete it.",
        ),
        "id": (
            "{first}{more} tidak pernah dapat dicapai",
            "Tidak ada alur dari peristiwa awal menuju {nodes}, sehingga tidak ada permohonan "
            "yang akan sampai ke sana. Hubungkan atau hapus.",
        ),
    },
    "dead_end": {
        "en": (
            "{node} has no outgoing flow",
            "Cases stop at {node} without reaching an end event, which BPMN reads as an "
            "implicit end. Add the missing flow, or an end event that says what happened.",
        ),
        "id": (
            "{node} tidak memiliki alur keluar",
            "Permohonan berhenti di {node} tanpa mencapai peristiwa akhir, yang dalam BPMN "
            "dianggap akhir tersirat. Tambahkan alur yang hilang, atau peristiwa akhir yang "
            "menyatakan apa yang terjadi.",
        ),
    },
    "dead_end_gateway": {
        "en": (
            "{node} has no outgoing flow",
            "Cases stop at {node} without reaching an end event: a gateway must lead somewhere.",
        ),
        "id": (
            "{node} tidak memiliki alur keluar",
            "Permohonan berhenti di {node} tanpa mencapai peristiwa akhir: sebuah gateway "
            "harus mengarah ke suatu tempat.",
        ),
    },
    "dead_end_loop": {
        "en": (
            "{first}{more} never lead to an end",
            "Once a case reaches {nodes}, no flow leads out to an end event: it loops for "
            "ever. Give the loop an exit.",
        ),
        "id": (
            "{first}{more} tidak pernah berujung pada akhir",
            "Begitu permohonan sampai di {nodes}, tidak ada alur keluar menuju peristiwa "
            "akhir: permohonan berputar selamanya. Beri perulangan itu jalan keluar.",
        ),
    },
    "parallel_join_after_choice": {
        "en": (
            "Parallel join {join} waits for branches of the choice {split}",
            "{split} sends a case down only one of its branches, but the parallel join {join} "
            "waits for a token on every incoming flow: cases that get there wait for ever. "
            "Use an exclusive (or inclusive) gateway to merge.",
        ),
        "id": (
            "Penggabungan paralel {join} menunggu cabang dari pilihan {split}",
            "{split} mengirim permohonan ke satu cabang saja, tetapi penggabungan paralel "
            "{join} menunggu semua alur masuknya: permohonan yang sampai di sana menunggu "
            "selamanya. Gunakan gateway eksklusif (atau inklusif) untuk menggabungkan.",
        ),
    },
    "exclusive_merge_after_split": {
        "en": (
            "Exclusive merge {join} does not wait for the parallel split {split}",
            "{split} starts all of its branches, but {join} lets each arriving token through: "
            "the steps after it run once per branch (lack of synchronisation). Use a parallel "
            "gateway to join.",
        ),
        "id": (
            "Penggabungan eksklusif {join} tidak menunggu percabangan paralel {split}",
            "{split} menjalankan semua cabangnya, tetapi {join} meneruskan setiap cabang yang "
            "tiba: langkah sesudahnya dikerjakan sekali per cabang (tidak tersinkron). "
            "Gunakan gateway paralel untuk menggabungkan.",
        ),
    },
    "never_refused_approval": {
        "en": (
            "{step} never refused a case ({cases:,} cases)",
            "In {versions}, {period}, {step} let all {cases:,} cases through (with 95% "
            "confidence it refuses fewer than {bound:.1%}). An approval that never refuses "
            "adds waiting but no control: delegate it or sample it.",
        ),
        "id": (
            "{step} tidak pernah menolak permohonan ({cases:,} permohonan)",
            "Pada {versions}, {period}, {step} meloloskan semua {cases:,} permohonan (dengan "
            "keyakinan 95% tingkat penolakannya di bawah {bound:.1%}). Persetujuan yang tidak "
            "pernah menolak menambah waktu tunggu tanpa menambah kendali: delegasikan atau "
            "periksa sampelnya saja.",
        ),
    },
    "rarely_rejecting_check": {
        "en": (
            "{step} stopped or returned {rejected} of {cases:,} cases ({share:.1%})",
            "In {versions}, {period}, {step} let {passed:,} of {cases:,} cases through "
            "(rejected {share:.1%}; with 95% confidence under {bound:.1%}). A check that "
            "almost never finds anything costs every case its time: check a sample, or move "
            "the check to the application form.",
        ),
        "id": (
            "{step} menghentikan atau mengembalikan {rejected} dari {cases:,} permohonan "
            "({share:.1%})",
            "Pada {versions}, {period}, {step} meloloskan {passed:,} dari {cases:,} permohonan "
            "(ditolak {share:.1%}; dengan keyakinan 95% di bawah {bound:.1%}). Pemeriksaan "
            "yang hampir tidak pernah menemukan apa pun menghabiskan waktu setiap permohonan: "
            "periksa sampelnya saja, atau pindahkan pemeriksaan ke formulir permohonan.",
        ),
    },
    "agreeing_checks": {
        "en": (
            "{a} and {b} agreed on {agree:,} of {cases:,} cases",
            "In {versions}, {period}, whenever a case went through both, {a} and {b} decided "
            "the same way in {share:.1%} of {cases:,} cases (with 95% confidence they differ "
            "in fewer than {bound:.1%}). One of them tells nothing the other does not: keep "
            "the cheaper one.",
        ),
        "id": (
            "{a} dan {b} sepakat pada {agree:,} dari {cases:,} permohonan",
            "Pada {versions}, {period}, setiap kali permohonan melalui keduanya, {a} dan {b} "
            "memutuskan sama pada {share:.1%} dari {cases:,} permohonan (dengan keyakinan 95% "
            "keduanya berbeda pada kurang dari {bound:.1%}). Salah satunya tidak memberi "
            "informasi baru: pertahankan yang lebih murah.",
        ),
    },
    "costly_rework": {
        "en": (
            "Rework through {step} cost {working_days:,.1f} working days in {cases:,} cases",
            "In {versions}, {period}, {cases:,} cases went round the loop back to {step} "
            "{rounds:,} extra times, {working_days:,.1f} working days in all (from the first "
            "to the last time {step} was done in each case). {loop}",
        ),
        "id": (
            "Pengerjaan ulang melalui {step} menghabiskan {working_days:,.1f} hari kerja pada "
            "{cases:,} permohonan",
            "Pada {versions}, {period}, {cases:,} permohonan kembali ke {step} sebanyak "
            "{rounds:,} kali tambahan, seluruhnya {working_days:,.1f} hari kerja (dari pertama "
            "hingga terakhir kali {step} dikerjakan pada setiap permohonan). Setiap putaran "
            "mengulang pekerjaan dan waktu tunggunya.",
        ),
    },
}

WITHDRAWN = {
    "en": " No change is suggested: {withdrawn}.",
    "id": " Tidak ada perubahan yang diusulkan: perubahan itu akan merusak prosedur.",
}
WORDS = {
    "id": {
        "simulation": "simulasi",
        "history": "riwayat",
        " ...": " …",
    }
}
_AND = {"en": " and ", "id": " dan "}
OFFICIALS = {  # the officials' titles a step's name or lane reveals (simulations.analysis.steps)
    "en": {
        "sub_section_head": "sub-section head",
        "section_head": "section head",
        "division_head": "division head",
        "head_of_office": "head of office",
        "regional_head": "regional head",
    },
    "id": {
        "sub_section_head": "kepala subbagian",
        "section_head": "kepala seksi",
        "division_head": "kepala bidang",
        "head_of_office": "kepala dinas",
        "regional_head": "kepala daerah",
    },
}


def _officials(pairs, language: str, name: Names) -> str:
    """``[[official, lane], ...]`` as ``division head (Lane name), ...``."""
    parts = []
    for official, lane in pairs:
        title = OFFICIALS[language].get(official, official.replace("_", " "))
        where = name(lane) or lane
        parts.append(f"{title} ({where})" if title and where else title or where or "?")
    return ", ".join(parts)


_SPECIAL = {  # history: the version (None: all) and the first and last day
    "versions": lambda v, language: (
        {"en": "all versions", "id": "semua versi"}[language]
        if v is None
        else {"en": "version {}", "id": "versi {}"}[language].format(v)
    ),
    "period": lambda days, language: (
        {"en": " to ", "id": " s.d. "}[language].join(days)
        if days
        else {"en": "no cases", "id": "tanpa permohonan"}[language]
    ),
}
_SWAP = str.maketrans(".,", ",.")

Names = Callable[[str], "str | None"]


class _Number:
    """A number formatted with Indonesian separators (``1.200``, ``0,4%``) when asked."""

    def __init__(self, value, language: str):
        self.value, self.language = value, language

    def __format__(self, spec: str) -> str:
        text = format(self.value, spec)
        return text.translate(_SWAP) if self.language == "id" else text


def duration_text(seconds: float | None, language: str = "en") -> str:
    """Working time as the service standard counts it: hours under one office day of
    :data:`HOURS_PER_WORKING_DAY` hours, else working days.

    Examples
    --------
    >>> duration_text(5400), duration_text(3 * 8 * 3600, "id")
    ('1.5 hours', '3 hari kerja')
    """
    if seconds is None:
        return "–"
    hours = seconds / 3600
    if hours < HOURS_PER_WORKING_DAY:
        value, unit = hours, {"en": "hours", "id": "jam"}
    else:
        value, unit = hours / HOURS_PER_WORKING_DAY, {"en": "working days", "id": "hari kerja"}
    text = f"{value:.1f}".removesuffix(".0")
    if language == "id":
        text = text.translate(_SWAP)
    return f"{text} {unit.get(language, unit['en'])}"


def elapsed_text(seconds: float | None, language: str = "en") -> str:
    """Elapsed time (a case's cycle time, a wait) as the service standard counts it:
    hours under a day, else the working days in it, five in every seven days (public
    holidays aside), as ``maxDays`` counts a case's days.

    Examples
    --------
    >>> elapsed_text(5 * 3600), elapsed_text(7 * 86400, "id")
    ('5 hours', '5 hari kerja')
    """
    if seconds is None:
        return "–"
    if seconds < 86400:
        return duration_text(seconds, language)
    days = seconds / 86400 * WORKING_DAYS_A_WEEK / 7
    return duration_text(days * HOURS_PER_WORKING_DAY * 3600, language)


def _value(key: str, value, name: Names, language: str):
    if key.endswith("_seconds"):
        return duration_text(value, language)
    if key in _SPECIAL:
        return _SPECIAL[key](value, language)
    if key == "who":
        return _officials(value, language, name)
    if isinstance(value, bool) or value is None:
        return value if value is not None else ""
    if isinstance(value, int | float):
        return _Number(value, language)
    if isinstance(value, list | tuple):
        parts = [str(_value("", v, name, language)) for v in value]
        if len(parts) < 2:
            return "".join(parts)
        return ", ".join(parts[:-1]) + _AND.get(language, " and ") + parts[-1]
    text = str(value)
    known = name(text)
    if known is not None:
        return f'"{known}"'
    return WORDS.get(language, {}).get(text, text)


def render(
    message: str, params: Mapping, name: Names, language: str = "en"
) -> tuple[str, str] | None:
    """A finding's title and explanation in ``language`` (English when it has no words),
    or None for a message this table does not know (an older result).

    ``name`` gives an element's name from its id, or None for what is not an element.

    Examples
    --------
    >>> names = {"t1": "Verifikasi berkas", "t2": "Cek berkas"}.get
    >>> render("redundant_check", {"a": "t1", "b": "t2", "confidence": 0.9,
    ...        "signals": "x"}, names, "id")[0]
    '"Verifikasi berkas" dan "Cek berkas" memeriksa hal yang sama'
    """
    texts = MESSAGES.get(message)
    if texts is None:
        return None
    language = language if language in LANGUAGES else "en"
    title, explanation = texts[language]
    values = {k: _value(k, v, name, language) for k, v in params.items()}
    try:
        title, explanation = title.format(**values), explanation.format(**values)
    except (KeyError, IndexError, ValueError):
        return None
    if params.get("withdrawn"):
        explanation += WITHDRAWN.get(language, WITHDRAWN["en"]).format(**values)
    return title, explanation


def graph_names(G, lanes: Mapping | None = None) -> Names:
    """Names of the nodes of ``G`` (their id when unnamed) and of ``lanes`` (id -> Lane)."""

    def name(element: str) -> str | None:
        if element in G:
            return G.nodes[element].get("name") or element
        lane = (lanes or {}).get(element)
        return (getattr(lane, "name", None) or element) if lane is not None else None

    return name


def told(
    kind: str,
    elements: list,
    name: Names,
    params: dict,
    *,
    message: str | None = None,
    severity: str = "info",
    **fields,
) -> Finding:
    """A :class:`Finding` whose English title and explanation come from :data:`MESSAGES`."""
    message = message or kind
    rendered = render(message, params, name)
    if rendered is None:
        raise KeyError(f"no words for the finding message {message!r}")
    title, explanation = rendered
    return Finding(
        kind,
        list(elements),
        title,
        explanation,
        severity,
        message=message,
        params=dict(params),
        **fields,
    )
