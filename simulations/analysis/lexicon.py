"""A domain lexicon of permit procedures, in Indonesian and English.

Step names, form labels, data objects and gateway questions are read into *concepts*:
what a step does (``check``, ``sign``, ``pay``...), what it is about (``ktp``, ``npwp``,
``land_certificate``, ``pbg``...), the question it answers (``complete``, ``valid``) and the
officials it names (``section_head``, ``head_of_office``...). Synonyms, both languages and
the abbreviations offices use map to one concept: "KTP", "kartu tanda penduduk" and
"identity card" are all ``ktp``; "NPWP" and "nomor pokok wajib pajak" are ``npwp``; "IMB",
"PBG" and "building permit" are ``pbg``; "verifikasi", "periksa", "cek", "check",
"validate" and "review" are ``check``.

Longer phrases win ("persetujuan bangunan gedung" is the permit ``pbg``, not an approval).
Reading is bounded: at most :data:`MAX_CHARS` characters and :data:`MAX_TOKENS` words of any
text are looked at, so a 120-word task name costs no more than a short one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_CHARS = 240  # characters of a name or label that are read
MAX_TOKENS = 32  # words of a name or label that are read
MAX_PHRASE = 6  # longest phrase in the lexicon, in words

# ---------------------------------------------------------------- concepts by class
# Each entry: concept -> surface forms (phrases as written, lower case). A form may map
# to several concepts by appearing under each.

ACTIONS: dict[str, tuple[str, ...]] = {
    "check": (
        "verifikasi",
        "verify",
        "verifies",
        "verification",
        "verified",
        "periksa",
        "pemeriksaan",
        "memeriksa",
        "diperiksa",
        "cek",
        "check",
        "checks",
        "checking",
        "pengecekan",
        "validasi",
        "validate",
        "validates",
        "validation",
        "review",
        "reviews",
        "reviewing",
        "tinjau",
        "meninjau",
        "teliti",
        "meneliti",
        "telaah",
        "penelaahan",
        "kaji",
        "kajian",
        "pengkajian",
        "uji",
        "pengujian",
        "test",
        "testing",
        "examine",
        "examination",
        "audit",
        "evaluasi",
        "evaluate",
        "evaluation",
        "cocokkan",
        "pencocokan",
        "confirm",
        "konfirmasi",
        "study",
        "screening",
        "analisis",
        "analysis",
        "analyse",
        "analyze",
    ),
    "assess": ("penilaian", "assess", "assesses", "assessment", "menilai", "appraise"),
    "inspect": (
        "inspeksi",
        "inspection",
        "inspect",
        "survei",
        "survey",
        "visitasi",
        "visit",
        "kunjungan",
        "peninjauan",
        "site visit",
        "pemeriksaan lapangan",
        "pemeriksaan setempat",
        "tinjau lapangan",
        "observasi",
        "observation",
    ),
    "approve": (
        "setuju",
        "setujui",
        "persetujuan",
        "menyetujui",
        "disetujui",
        "approve",
        "approves",
        "approval",
        "approved",
        "acc",
        "sahkan",
        "pengesahan",
        "mengesahkan",
        "disahkan",
        "endorse",
        "endorsement",
        "otorisasi",
        "authorize",
        "authorise",
        "authorization",
        "authorisation",
        "putuskan",
        "keputusan kepala",
        "decide",
        "decision by",
    ),
    "sign": (
        "tanda tangan",
        "tandatangan",
        "tandatangani",
        "ttd",
        "tte",
        "tanda tangan elektronik",
        "sign",
        "signs",
        "signed",
        "signature",
        "signing",
        "penandatanganan",
        "menandatangani",
        "countersign",
    ),
    "initial": ("paraf", "initial", "initials", "initialling", "initialing"),
    "calculate": (
        "hitung",
        "menghitung",
        "perhitungan",
        "calculate",
        "calculation",
        "compute",
        "computation",
        "tetapkan",
        "penetapan",
        "menetapkan",
    ),
    "pay": (
        "bayar",
        "pembayaran",
        "membayar",
        "dibayar",
        "pay",
        "pays",
        "paid",
        "payment",
        "setor",
        "setoran",
        "penyetoran",
        "lunas",
        "pelunasan",
        "kuitansi",
        "receipt",
        "cashier",
        "kasir",
    ),
    "issue": (
        "terbit",
        "terbitkan",
        "penerbitan",
        "menerbitkan",
        "issue",
        "issues",
        "issuance",
        "keluarkan",
        "grant",
    ),
    "publish": (
        "publikasi",
        "publikasikan",
        "publish",
        "publishes",
        "umumkan",
        "pengumuman",
        "announce",
    ),
    "print": ("cetak", "mencetak", "pencetakan", "print", "prints", "printing"),
    "handover": (
        "serah",
        "serahkan",
        "penyerahan",
        "menyerahkan",
        "hand over",
        "handover",
        "hands over",
        "deliver",
        "delivery",
        "pengambilan",
        "collect",
    ),
    "send": (
        "kirim",
        "kirimkan",
        "pengiriman",
        "mengirim",
        "send",
        "sends",
        "mail",
        "email",
        "teruskan",
        "meneruskan",
        "forward",
        "forwards",
        "disposisi",
        "distribusi",
        "distribute",
        "limpahkan",
        "pelimpahan",
        "nota pengantar",
        "surat pengantar ke",
        "transmit",
    ),
    "notify": (
        "notifikasi",
        "notify",
        "notifies",
        "notification",
        "beritahu",
        "beritahukan",
        "memberitahu",
        "pemberitahuan",
        "informasikan",
        "inform",
        "informs",
        "sms",
        "tell",
        "arahkan",
        "mengarahkan",
        "refer",
        "direct",
    ),
    "register": (
        "registrasi",
        "register",
        "registers",
        "registration",
        "daftar",
        "daftarkan",
        "pendaftaran",
        "terima",
        "menerima",
        "penerimaan",
        "receive",
        "receives",
        "intake",
        "agenda",
    ),
    "record": (
        "catat",
        "mencatat",
        "pencatatan",
        "dicatat",
        "record",
        "records",
        "log",
        "logs",
        "input",
        "entri",
        "entry",
        "isi",
        "mengisi",
        "fill",
        "fill in",
        "rekap",
        "rekapitulasi",
        "recap",
        "salin",
        "menyalin",
        "copy",
        "update",
        "perbarui",
        "memperbarui",
    ),
    "archive": (
        "arsip",
        "arsipkan",
        "pengarsipan",
        "archive",
        "archives",
        "archiving",
        "simpan berkas",
        "file away",
    ),
    "upload": ("unggah", "upload", "uploads", "scan", "pindai", "lampirkan", "attach"),
    "draft": (
        "konsep",
        "draf",
        "draft",
        "drafts",
        "susun",
        "menyusun",
        "penyusunan",
        "buat",
        "membuat",
        "pembuatan",
        "prepare",
        "prepares",
        "siapkan",
        "menyiapkan",
        "compose",
        "tulis",
        "write",
    ),
    "correct": (
        "perbaikan",
        "perbaiki",
        "memperbaiki",
        "revisi",
        "revise",
        "revised",
        "revision",
        "koreksi",
        "correct",
        "correction",
        "lengkapi",
        "melengkapi",
        "resubmit",
        "kembalikan",
        "dikembalikan",
        "pengembalian",
        "return",
        "returns",
        "returned",
        "amend",
        "fix",
        "minta",
        "meminta",
        "permintaan",
        "request",
        "requests",
        "requested",
    ),
    "wait": ("tunggu", "menunggu", "wait", "waits", "waiting", "awaiting"),
    "capture": (
        "rekam",
        "perekaman",
        "capture",
        "biometrik",
        "biometric",
        "biometrics",
        "sidik jari",
        "fingerprint",
        "foto wajah",
    ),
    "recommend": (
        "rekomendasi",
        "recommend",
        "recommendation",
        "pertimbangan",
        "tanggapan",
        "response",
        "saran",
        "advice",
        "opinion",
    ),
    "meeting": (
        "rapat",
        "meeting",
        "pembahasan",
        "sidang",
        "hearing",
        "koordinasi",
        "coordination",
    ),
    "classify": ("klasifikasi", "classify", "kategorisasi", "categorise", "categorize"),
    "schedule": ("jadwal", "jadwalkan", "penjadwalan", "schedule", "schedules"),
    "measure": (
        "ukur",
        "pengukuran",
        "mengukur",
        "measure",
        "measurement",
        "plotting",
        "pemetaan",
        "mapping",
    ),
    "train": ("penyuluhan", "training", "sosialisasi", "bimbingan", "pelatihan", "coaching"),
    "process": (
        "proses",
        "process",
        "processes",
        "olah",
        "pengolahan",
        "balik nama",
        "peralihan",
        "transfer",
    ),
}

ASPECTS: dict[str, tuple[str, ...]] = {
    "complete": (
        "lengkap",
        "kelengkapan",
        "complete",
        "completeness",
        "incomplete",
        "melengkapi",
    ),
    "valid": (
        "valid",
        "validitas",
        "sah",
        "keabsahan",
        "absah",
        "berlaku",
        "masa berlaku",
        "asli",
        "keaslian",
        "authentic",
        "authenticity",
        "genuine",
        "benar",
        "kebenaran",
        "sesuai",
        "kesesuaian",
        "match",
        "matches",
        "cocok",
        "terdaftar",
        "registered",
        "aktif",
        "active",
        "memenuhi",
        "memenuhi syarat",
        "meets",
        "meet",
        "compliant",
        "compliance",
        "comply",
        "conform",
        "layak",
        "kelayakan",
        "laik",
        "kelaikan",
        "feasible",
        "fit",
        "adequate",
        "memadai",
        "acceptable",
        "aman",
        "safe",
        "ok",
        "permitted",
        "allowed",
        "lulus",
        "passed",
        "pass",
    ),
}

OBJECTS: dict[str, tuple[str, ...]] = {
    "ktp": (
        "ktp",
        "ktp el",
        "e ktp",
        "ektp",
        "kartu tanda penduduk",
        "identity card",
        "id card",
        "identitas",
        "identity",
        "kartu identitas",
        "tanda pengenal",
    ),
    "nik": (
        "nik",
        "nomor induk kependudukan",
        "national identity number",
        "population number",
        "data kependudukan",
        "population data",
        "biodata",
    ),
    "kk": (
        "kk",
        "kartu keluarga",
        "family card",
        "nomor kk",
        "no kk",
        "kepala keluarga",
        "data kependudukan",
        "population data",
        "biodata",
    ),
    "npwp": (
        "npwp",
        "nomor pokok wajib pajak",
        "tax number",
        "tax id",
        "taxpayer number",
        "tax identification number",
        "tin",
    ),
    "nib": (
        "nib",
        "nomor induk berusaha",
        "business identification number",
        "business id number",
    ),
    "parcel_id": ("nib bidang", "nomor identifikasi bidang", "parcel id", "parcel number"),
    "land_certificate": (
        "shm",
        "sertifikat hak milik",
        "sertifikat tanah",
        "land certificate",
        "land title",
        "title deed",
        "hgb",
        "sertifikat hgb",
        "hak guna bangunan",
        "buku tanah",
        "land book",
        "alas hak",
        "bukti kepemilikan",
        "proof of ownership",
        "land rights",
        "ownership",
        "kepemilikan tanah",
    ),
    "certificate": ("sertifikat", "certificate", "shm"),
    "pbg": (
        "pbg",
        "imb",
        "persetujuan bangunan gedung",
        "izin mendirikan bangunan",
        "building permit",
        "building approval",
        "izin bangunan",
    ),
    "slf": ("slf", "sertifikat laik fungsi", "certificate of occupancy", "occupancy certificate"),
    "kkpr": (
        "kkpr",
        "pkkpr",
        "kesesuaian kegiatan pemanfaatan ruang",
        "spatial approval",
        "konfirmasi kesesuaian",
    ),
    "spatial": (
        "tata ruang",
        "rdtr",
        "zoning",
        "zoning map",
        "zone",
        "spatial",
        "zona",
        "penggunaan tanah",
        "land use",
    ),
    "drawing": (
        "gambar",
        "gambar teknis",
        "rencana teknis",
        "drawing",
        "drawings",
        "design",
        "desain",
        "denah",
        "floor plan",
        "as built",
        "as built drawing",
        "site plan",
        "building plan",
        "plan",
        "blueprint",
    ),
    "documents": (
        "dokumen",
        "document",
        "documents",
        "docs",
        "berkas",
        "file",
        "files",
        "persyaratan",
        "requirements",
        "requirement",
    ),
    "administration": ("administrasi", "administrative", "administration"),
    "payment": ("pembayaran", "payment", "bukti bayar", "proof of payment", "bukti setor"),
    "fee": (
        "retribusi",
        "biaya",
        "fee",
        "fees",
        "tarif",
        "pajak",
        "tax",
        "pnbp",
        "skrd",
        "skpd",
        "levy",
        "charge",
        "charges",
        "retribution",
    ),
    "bphtb": ("bphtb",),
    "pbb": (
        "pbb",
        "pbb p2",
        "pajak bumi dan bangunan",
        "pajak bumi bangunan",
        "land and building tax",
        "property tax",
        "sppt",
        "nop",
        "nomor objek pajak",
    ),
    "arrears": (
        "tunggakan",
        "menunggak",
        "tertunggak",
        "arrears",
        "outstanding tax",
        "unpaid tax",
        "piutang pajak",
    ),
    "lab_result": (
        "hasil lab",
        "hasil laboratorium",
        "hasil uji laboratorium",
        "hasil uji",
        "lab result",
        "lab results",
        "laboratorium",
        "laboratory",
        "lab",
    ),
    "location": (
        "lokasi",
        "location",
        "site",
        "lapangan",
        "tempat",
        "alamat",
        "address",
        "setempat",
        "premises",
    ),
    "str": ("str", "surat tanda registrasi", "str certificate"),
    "sipa": ("sipa", "surat izin praktik apoteker", "izin praktik apoteker"),
    "sip": ("sip", "surat izin praktik", "izin praktik", "practice licence", "practice license"),
    "structure": ("struktur", "structure", "structural", "konstruksi", "construction"),
    "fire": (
        "kebakaran",
        "fire",
        "damkar",
        "fire protection",
        "proteksi kebakaran",
        "fire safety",
    ),
    "hygiene": ("higiene", "hygiene", "sanitasi", "sanitation", "higiene sanitasi"),
    "environment": (
        "lingkungan",
        "environment",
        "environmental",
        "amdal",
        "ukl upl",
        "sppl",
        "dampak",
        "impact",
    ),
    "proposal": ("proposal", "usulan"),
    "population_register": ("siak", "database kependudukan", "population register"),
    "complaint": ("pengaduan", "complaint", "keluhan", "laporan masyarakat"),
    "follow_up": ("tindak lanjut", "follow up", "follow-up"),
    "report": ("berita acara", "ba", "laporan", "report", "minutes", "risalah"),
}

OFFICIALS: dict[str, tuple[str, ...]] = {
    "sub_section_head": (
        "kasubsi",
        "kasubbid",
        "kasubag",
        "kasubbag",
        "kepala sub bagian",
        "kepala subbagian",
        "kepala subbidang",
        "kepala sub seksi",
        "sub section head",
        "subsection head",
    ),
    "section_head": ("kasi", "kepala seksi", "section head", "head of section", "supervisor"),
    "division_head": (
        "kabid",
        "kepala bidang",
        "division head",
        "head of division",
        "head of department",
    ),
    "head_of_office": (
        "kadis",
        "kepala dinas",
        "kepala kantor",
        "kakan",
        "kaban",
        "kepala badan",
        "kepala dpmptsp",
        "kepala dlh",
        "head of office",
        "head of agency",
        "head of service",
        "kadinkes",
        "kepala",
        "head",
        "pimpinan",
    ),
    "secretary": ("sekda", "sekretaris daerah", "sekretaris", "secretary"),
    "regional_head": (
        "bupati",
        "walikota",
        "wali kota",
        "gubernur",
        "mayor",
        "regent",
        "governor",
    ),
    "camat": ("camat",),
    "lurah": ("lurah", "kepala desa", "kades"),
    "director": ("direktur", "director", "manager"),
    "registrar": ("pejabat pencatatan sipil", "pejabat", "registrar", "official"),
}

# words that say nothing about what a step is about
GENERIC = frozenset(
    """
    dan atau yang di ke dari untuk oleh dengan pada dalam serta the a an of and or to for by
    on in with at from into as is are be its it this that his her their our your
    permohonan application applications pemohon applicant applicants izin permit permits
    licence license licences licenses surat letter data kembali again ulang baru new
    semua all setiap each per lain other dll etc oleh sebagai tahap stage step proses
    hasil result results nomor number no tanggal date via melalui sistem system aplikasi
    online offline pelayanan layanan service services kantor office dinas agency bidang
    seksi section tim team petugas officer clerk staff unit apakah whether ya yes tidak not
    """.split()
)
# recording in a private copy, as opposed to the system of record
INTERNAL_WORDS = frozenset(
    """manual internal spreadsheet excel tracker rekap recap rekapitulasi monitoring kendali
    kertas paper salin copy notebook logbook""".split()
)
# copies too, unless the text names the system of record ("buku tanah" is the land book)
WEAK_INTERNAL_WORDS = frozenset("buku agenda lembar sheet book".split())
# the registers a case lives in: recording there is an effect, not a copy
SYSTEM_OF_RECORD = (
    "siak",
    "buku tanah",
    "land book",
    "database",
    "oss",
    "simbg",
    "sicantik",
    "sipp",
    "register resmi",
    "official register",
)
WAIT_FLOW_WORDS = (
    "belum bayar",
    "belum dibayar",
    "belum lunas",
    "not yet paid",
    "not paid",
    "not yet",
    "tunggu",
    "menunggu",
    "wait",
    "waiting",
    "pending",
)
ITERATION_WORDS = (
    "another",
    "next",
    "more",
    "lagi",
    "berikutnya",
    "masih ada",
    "lain",
    "tambah",
    "each",
    "setiap",
    "remaining",
    "sisa",
)
REWORK_WORDS = (
    "revisi",
    "revision",
    "revise",
    "perbaikan",
    "perbaiki",
    "koreksi",
    "correct",
    "kembali",
    "kembalikan",
    "return",
    "returned",
    "incomplete",
    "tidak lengkap",
    "belum lengkap",
    "kurang",
    "missing",
    "tidak sesuai",
    "does not match",
    "mismatch",
    "ditolak",
    "tolak",
    "reject",
    "refused",
    "tidak memadai",
    "inadequate",
    "tidak puas",
    "not satisfied",
    "unsatisfied",
    "reopen",
    "lengkapi",
    "ulang",
    "again",
    "tidak memenuhi",
    "not ok",
    "invalid",
    "not valid",
)


# ---------------------------------------------------------------- reading


def normalise(text: str | None) -> str:
    """Lower case, words only, at most :data:`MAX_CHARS` characters read."""
    return _normalise((text or "")[:MAX_CHARS])


@lru_cache(maxsize=16384)
def _normalise(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower())[:MAX_TOKENS])


def _build():
    table: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for klass, entries in (
        ("action", ACTIONS),
        ("aspect", ASPECTS),
        ("object", OBJECTS),
        ("official", OFFICIALS),
    ):
        for concept, forms in entries.items():
            for form in forms:
                key = tuple(normalise(form).split())
                table.setdefault(key, [])
                if (klass, concept) not in table[key]:
                    table[key].append((klass, concept))
    return table


_TABLE = _build()
# phrase lengths that start with each word, longest first (most words start none)
_LENGTHS: dict[str, tuple[int, ...]] = {}
for _key in _TABLE:
    _LENGTHS[_key[0]] = tuple(sorted(set(_LENGTHS.get(_key[0], ())) | {len(_key)}, reverse=True))


@dataclass(frozen=True)
class Terms:
    """What a text says: actions, aspects (the question), objects, officials, other words."""

    actions: frozenset = frozenset()
    aspects: frozenset = frozenset()
    # the first action named (Indonesian and English names start with it)
    objects: frozenset = frozenset()
    officials: frozenset = frozenset()
    words: frozenset = frozenset()  # every word read, for qualifiers
    main: str | None = None  # the first action named: what the step mainly does

    @property
    def topic(self) -> frozenset:
        """What the text is about: objects and aspects."""
        return self.objects | self.aspects

    def __or__(self, other: Terms) -> Terms:
        return Terms(
            self.actions | other.actions,
            self.aspects | other.aspects,
            self.objects | other.objects,
            self.officials | other.officials,
            self.words | other.words,
            self.main or other.main,
        )


def _stem(word: str) -> str:
    """A light English plural strip for words the lexicon does not know."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def terms(text: str | None) -> Terms:
    """Concepts of ``text``: longest phrases first, unknown content words kept as objects.

    Examples
    --------
    >>> sorted(terms("Validasi kartu tanda penduduk pemohon").objects)
    ['ktp']
    >>> t = terms("Cek kelengkapan berkas")
    >>> sorted(t.actions), sorted(t.aspects), sorted(t.objects)
    (['check'], ['complete'], ['documents'])
    >>> sorted(terms("Cetak Persetujuan Bangunan Gedung").actions)
    ['print']
    >>> sorted(terms("Paraf Kasi Perizinan").officials)
    ['section_head']
    """
    words = normalise(text).split()
    found: dict[str, set[str]] = {
        "action": set(),
        "aspect": set(),
        "object": set(),
        "official": set(),
    }
    main = None
    i = 0
    while i < len(words):
        for size in _LENGTHS.get(words[i], ()):
            entries = _TABLE.get(tuple(words[i : i + size])) if i + size <= len(words) else None
            if entries:
                for klass, concept in entries:
                    found[klass].add(concept)
                    if klass == "action" and main is None:
                        main = concept
                i += size
                break
        else:
            word = words[i]
            if word not in GENERIC and not word.isdigit() and len(word) > 1:
                found["object"].add(_stem(word))
            i += 1
    return Terms(
        frozenset(found["action"]),
        frozenset(found["aspect"]),
        frozenset(found["object"]),
        frozenset(found["official"]),
        frozenset(words),
        main,
    )


def has_phrase(text: str | None, phrases) -> bool:
    """True when ``text`` contains one of ``phrases`` as whole words."""
    padded = f" {normalise(text)} "
    return any(f" {normalise(p)} " in padded for p in phrases)


def is_internal(text: str | None) -> bool:
    """True when the text says the record is a private copy (manual book, spreadsheet...).

    >>> is_internal("Catat di buku agenda"), is_internal("Proses balik nama di buku tanah")
    (True, False)
    """
    words = terms(text).words
    if words & INTERNAL_WORDS:
        return True
    return bool(words & WEAK_INTERNAL_WORDS) and not has_phrase(text, SYSTEM_OF_RECORD)


def jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a and b else 0.0


def overlap(a, b) -> float:
    """Share of the smaller set found in the other (1.0 when one contains the other)."""
    a, b = set(a), set(b)
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0
