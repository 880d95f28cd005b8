"""Words that tell what a step does, in Indonesian and English.

Permit procedures are named by people; these word lists let the analysis recognise an
approval ("Persetujuan Kepala Dinas"), a check ("Verifikasi berkas") or a step that
goes back to the applicant ("Pemberitahuan revisi") whatever the language.
"""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    "dan atau yang di ke dari untuk oleh dengan pada dalam serta the a an of and or to for "
    "by on in with at from".split()
)
# words of the same meaning collapse to one, so "berkas" and "dokumen" compare equal
SYNONYMS = {
    "berkas": "dokumen",
    "document": "dokumen",
    "documents": "dokumen",
    "docs": "dokumen",
    "verify": "verifikasi",
    "verification": "verifikasi",
    "check": "verifikasi",
    "cek": "verifikasi",
    "periksa": "verifikasi",
    "pemeriksaan": "verifikasi",
    "memeriksa": "verifikasi",
    "validasi": "verifikasi",
    "validate": "verifikasi",
    "kelengkapan": "lengkap",
    "completeness": "lengkap",
    "complete": "lengkap",
}
SIGN_OFF_WORDS = (
    "approv",
    "sign",
    "pengesahan",
    "persetujuan",
    "setuju",
    "tanda tangan",
    "tandatangan",
    "ttd",
    "paraf",
    "sahkan",
    "mengesahkan",
    "endorse",
    "authori",
    "otorisasi",
)
APPROVAL_WORDS = SIGN_OFF_WORDS + ("review",)
CHECK_WORDS = (
    "verif",
    "check",
    "cek",
    "periksa",
    "pemeriksaan",
    "validasi",
    "validat",
    "inspect",
    "review",
    "kaji",
    "teliti",
    "audit",
    "assess",
    "evaluasi",
    "evaluat",
)
APPLICANT_WORDS = (
    "notify",
    "notif",
    "return",
    "revision",
    "revisi",
    "applicant",
    "pemohon",
    "perbaikan",
    "pemberitahuan",
    "kembalikan",
    "pengembalian",
    "resubmit",
    "pengambilan",
    "pickup",
)
APPLICANT_ROLES = ("applicant", "pemohon", "citizen", "warga", "masyarakat")
NOT_ROLES = frozenset({"approver", "approvers", "reviewer", "reviewers", "signal", "signals"})
DECISION_WORDS = (
    "decision",
    "keputusan",
    "approv",
    "setuju",
    "hasil",
    "result",
    "status",
    "rekomendasi",
    "recommend",
    "outcome",
    "valid",
    "lengkap",
    "complete",
    "ok ",
    "disetujui",
)


def tokens(text: str) -> list[str]:
    """Lower-case words of ``text`` without stop words, synonyms collapsed.

    Examples
    --------
    >>> tokens("Verifikasi Berkas dan Dokumen_Pemohon")
    ['verifikasi', 'dokumen', 'dokumen', 'pemohon']
    """
    words = re.findall(r"[^\W_]+", text.lower())
    return [SYNONYMS.get(w, w) for w in words if w not in STOPWORDS]


def _pattern(words) -> re.Pattern:
    """Matches a word starting with one of ``words`` (phrases as written)."""
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")")


_NOT_ROLES = re.compile(r"\b(?:" + "|".join(sorted(NOT_ROLES)) + r")\b")
_APPROVAL, _SIGN_OFF, _CHECK, _APPLICANT, _APPLICANT_ROLE, _DECISION = (
    _pattern(words)
    for words in (
        APPROVAL_WORDS,
        SIGN_OFF_WORDS,
        CHECK_WORDS,
        APPLICANT_WORDS,
        APPLICANT_ROLES,
        DECISION_WORDS,
    )
)


def _has(text: str, pattern: re.Pattern) -> bool:
    """True when a word of ``text`` starts with one of the pattern's words."""
    words = re.sub(r"[\W_]+", " ", text.lower()) + " "
    return pattern.search(_NOT_ROLES.sub(" ", words)) is not None


def is_approval(name: str) -> bool:
    """True when a step's name says it approves, signs or reviews something."""
    return _has(name, _APPROVAL)


def is_sign_off(name: str) -> bool:
    """True when a step approves or signs (a review is an approval but not a sign-off)."""
    return _has(name, _SIGN_OFF)


def is_check(name: str) -> bool:
    """True when a step's name says it verifies, checks or reviews something."""
    return _has(name, _CHECK)


def is_applicant_contact(name: str, role: str | None = None) -> bool:
    """True when a step goes to, or back to, the applicant."""
    return _has(name, _APPLICANT) or bool(role and _has(role, _APPLICANT_ROLE))


def is_decision_field(field_id: str) -> bool:
    """True for fields that record a decision (used by letters and reports, if not by flows)."""
    return _has(field_id, _DECISION)
