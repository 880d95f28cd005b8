"""Indonesian texts of the security review's changes (issue 10), merged into make_catalog.ID."""

ID = {
    "The input is nested too deeply to be handled.": "Masukan terlalu bertingkat untuk diproses.",
    "Fields the applicant may change (the others keep their values)": "Isian yang boleh diubah pemohon (isian lain tetap nilainya)",
    "must be one email address, like nama@contoh.id": "harus satu alamat surel, misalnya nama@contoh.id",
    "was not asked for: the office asked for %(names)s": "tidak diminta: kantor meminta %(names)s",
}
