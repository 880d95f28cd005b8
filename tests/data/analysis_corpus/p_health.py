"""Health and food permits: SPP-IRT (PIRT), SLHS, practice and facility licences."""

from __future__ import annotations

from builder import Procedure, f, ro, upload, yes_no


def pirt_pangan():
    p = Procedure(
        "pirt_pangan",
        "Sertifikat Produksi Pangan Industri Rumah Tangga (SPP-IRT)",
        style="bpmnio",
        pool_name="Dinas Kesehatan Kabupaten Sukoharjo",
        about="Home food production: the food safety training and the inspection of the "
        "premises are done one after the other although neither needs the other.",
    )
    for key, name in [
        ("loket", "Loket DPMPTSP"),
        ("seksi", "Seksi Farmakmin"),
        ("penyuluh", "Tenaga Penyuluh Keamanan Pangan"),
        ("pengawas", "Pengawas Pangan (DFI)"),
        ("kadis", "Kepala Dinas Kesehatan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan SPP-IRT",
        "loket",
        form=[
            f("nik", "NIK"),
            f("nama_usaha", "Nama usaha"),
            f(
                "jenis_pangan",
                "Jenis pangan",
                "enum",
                values="kue:Kue basah, keripik:Keripik, minuman:Minuman serbuk",
            ),
            f("alamat_produksi", "Alamat produksi"),
            upload("ktp", "KTP"),
            upload("denah", "Denah lokasi produksi"),
            upload("label", "Rancangan label"),
        ],
    )
    p.user("reg", "Registrasi", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi berkas SPP-IRT",
        "seksi",
        [
            ro("ktp", "KTP", "file"),
            ro("denah", "Denah", "file"),
            ro("label", "Label", "file"),
            yes_no("lengkap", "Berkas lengkap?"),
        ],
    )
    p.xor("gw_lengkap", "Lengkap?", "seksi")
    p.end("end_kembali", "Berkas dikembalikan", "seksi")
    p.user(
        "penyuluhan",
        "Penyuluhan keamanan pangan",
        "penyuluh",
        [ro("nama_usaha", "Nama usaha"), upload("sertifikat_pkp", "Sertifikat PKP")],
    )
    p.user(
        "inspeksi",
        "Pemeriksaan sarana produksi",
        "pengawas",
        [
            ro("alamat_produksi", "Alamat"),
            f("skor_pemeriksaan", "Skor", "long"),
            f(
                "level_irtp",
                "Level IRTP",
                "enum",
                values="I:Level I, II:Level II, III:Level III, IV:Level IV",
            ),
        ],
    )
    p.user(
        "ba",
        "Susun berita acara pemeriksaan sarana",
        "pengawas",
        [ro("skor_pemeriksaan", "Skor", "long"), upload("berita_acara", "Berita acara")],
    )
    p.xor("gw_memenuhi", "Level I atau II?", "seksi")
    p.end("end_tolak", "Belum memenuhi", "seksi")
    p.user("ttd", "Tanda tangan SPP-IRT", "kadis", [f("tanggal_ttd", "Tanggal", "date")])
    p.user("terbit", "Terbitkan nomor P-IRT", "loket", [f("nomor_pirt", "Nomor P-IRT")])
    p.end("end", "SPP-IRT terbit", "loket")
    p.chain("start", "reg", "verif", "gw_lengkap")
    p.flow("gw_lengkap", "penyuluhan", "lengkap", "${lengkap}")
    p.flow("gw_lengkap", "end_kembali", default=True)
    p.chain("penyuluhan", "inspeksi", "ba", "gw_memenuhi")
    p.flow("gw_memenuhi", "ttd", "ya", '${level_irtp == "I" or level_irtp == "II"}')
    p.flow("gw_memenuhi", "end_tolak", default=True)
    p.chain("ttd", "terbit", "end")
    p.expect(
        "parallelizable",
        "penyuluhan",
        "inspeksi",
        why="The food safety training and the inspection of the premises need nothing "
        "from each other and are done by different people.",
    )
    p.trap("The inspection report (berita acara) needs the inspection: same lane and same data.")
    p.trap("'Terbitkan nomor P-IRT' issues the number; it is not an approval.")
    return p


def slhs_depot_air():
    p = Procedure(
        "slhs_depot_air",
        "Sertifikat Laik Higiene Sanitasi Depot Air Minum",
        style="semantic",
        pool_name="Dinas Kesehatan Kota Bekasi",
        about="Drinking-water depot hygiene certificate: re-inspection after improvements, a "
        "spreadsheet recap nobody uses, the lab result checked twice.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("sanitarian", "Sanitarian Puskesmas"),
        ("lab", "Laboratorium Kesehatan Daerah"),
        ("kesling", "Seksi Kesehatan Lingkungan"),
        ("kadis", "Kepala Dinas Kesehatan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan SLHS",
        "loket",
        form=[
            f("nama_depot", "Nama depot"),
            f("alamat", "Alamat"),
            f("nik", "NIK pemilik"),
            upload("ktp", "KTP pemilik"),
        ],
    )
    p.user("reg", "Registrasi permohonan SLHS", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "ikl",
        "Inspeksi kesehatan lingkungan depot",
        "sanitarian",
        [
            ro("alamat", "Alamat"),
            f("skor_ikl", "Skor IKL", "long"),
            yes_no("ikl_memenuhi", "Memenuhi syarat?"),
            f("catatan_ikl", "Temuan"),
        ],
    )
    p.xor("gw_ikl", "IKL memenuhi?", "sanitarian")
    p.user(
        "perbaikan",
        "Perbaikan sarana oleh pemilik depot",
        "loket",
        [ro("catatan_ikl", "Temuan"), yes_no("perbaikan_selesai", "Perbaikan selesai?")],
    )
    p.user(
        "sampel",
        "Ambil dan uji sampel air",
        "lab",
        [upload("hasil_lab", "Hasil uji laboratorium"), yes_no("baku_mutu", "Memenuhi baku mutu?")],
    )
    p.xor("gw_lab", "Baku mutu?", "lab")
    p.end("end_tolak", "Tidak memenuhi", "lab")
    p.user(
        "rekap",
        "Input data ke spreadsheet rekap depot",
        "kesling",
        [f("bulan_rekap", "Bulan rekap"), f("catatan_rekap", "Catatan")],
    )
    p.user(
        "verif_lab",
        "Verifikasi hasil uji laboratorium",
        "kesling",
        [
            ro("hasil_lab", "Hasil uji laboratorium", "file"),
            yes_no("lab_ok", "Hasil lab memenuhi syarat?"),
        ],
    )
    p.user(
        "periksa_lab",
        "Periksa kembali hasil lab air minum",
        "sanitarian",
        [ro("hasil_lab", "Hasil lab", "file"), yes_no("air_memenuhi", "Air memenuhi syarat?")],
    )
    p.xor("gw_ok", "Memenuhi?", "kesling")
    p.end("end_tolak2", "Ditolak", "kesling")
    p.user(
        "ttd",
        "Tanda tangan sertifikat laik higiene sanitasi",
        "kadis",
        [f("tanggal", "Tanggal", "date")],
    )
    p.user("terbit", "Terbitkan SLHS", "loket", [f("nomor_slhs", "Nomor SLHS")])
    p.end("end", "SLHS terbit", "loket")
    p.chain("start", "reg", "ikl", "gw_ikl")
    p.flow("gw_ikl", "sampel", "memenuhi", "ikl_memenuhi")
    p.flow("gw_ikl", "perbaikan", "perlu perbaikan", default=True)
    p.flow("perbaikan", "ikl")
    p.chain("sampel", "gw_lab")
    p.flow("gw_lab", "rekap", "ya", "baku_mutu")
    p.flow("gw_lab", "end_tolak", default=True)
    p.chain("rekap", "verif_lab", "gw_ok")
    p.flow("gw_ok", "periksa_lab", "ya", "lab_ok")
    p.flow("gw_ok", "end_tolak2", default=True)
    p.xor("gw_ok2", "Air memenuhi?", "sanitarian")
    p.end("end_tolak3", "Ditolak", "sanitarian")
    p.chain("periksa_lab", "gw_ok2")
    p.flow("gw_ok2", "ttd", "ya", "air_memenuhi")
    p.flow("gw_ok2", "end_tolak3", default=True)
    p.chain("ttd", "terbit", "end")
    p.expect(
        "rework_loop",
        "ikl",
        "gw_ikl",
        "perbaikan",
        why="A depot that fails the inspection is improved and inspected again.",
    )
    p.expect(
        "no_effect_step",
        "rekap",
        why="The recap month and notes are read by no later step, condition or letter.",
    )
    p.expect(
        "redundant_check",
        "verif_lab",
        "periksa_lab",
        why="The environmental health section and the sanitarian both check the same lab "
        "result for the same question (water fit to drink).",
    )
    p.trap("Taking the water sample produces the lab result; checking it is a different step.")
    return p


def sip_dokter():
    p = Procedure(
        "sip_dokter",
        "Doctor's practice licence (SIP Dokter)",
        style="bpmnio",
        pool_name="Health Office, Kota Depok",
        about="Practice licence: two verifications of different documents by one verifier; clean.",
    )
    for key, name in [
        ("fo", "Front Office"),
        ("verifier", "Health Office Verifier"),
        ("head", "Head of Health Office"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Application",
        "fo",
        form=[
            f("nik", "NIK"),
            f("name", "Name"),
            f("str_number", "STR number"),
            upload("str", "STR certificate"),
            upload("idi_recommendation", "IDI recommendation letter"),
            f("practice_address", "Practice address"),
            upload("facility_letter", "Facility letter"),
        ],
    )
    p.user("register", "Register application", "fo", [f("reg_no", "Registration no.")])
    p.user(
        "verify_str",
        "Verify STR",
        "verifier",
        [
            ro("str_number", "STR number"),
            ro("str", "STR", "file"),
            yes_no("str_valid", "STR valid?"),
        ],
    )
    p.user(
        "verify_idi",
        "Verify IDI recommendation",
        "verifier",
        [ro("idi_recommendation", "IDI letter", "file"), yes_no("idi_ok", "Recommendation valid?")],
    )
    p.xor("gw_valid", "All valid?", "verifier")
    p.send("notify", "Notify applicant of rejection", "fo")
    p.end("end_rejected", "Rejected", "fo")
    p.user("approve", "Approve and sign SIP", "head", [f("signed_on", "Signed on", "date")])
    p.user("issue", "Issue SIP", "fo", [f("sip_number", "SIP number")])
    p.end("end", "SIP issued", "fo")
    p.chain("start", "register", "verify_str", "verify_idi", "gw_valid")
    p.flow("gw_valid", "approve", "valid", "str_valid and idi_ok")
    p.flow("gw_valid", "notify", default=True)
    p.chain("notify", "end_rejected")
    p.chain("approve", "issue", "end")
    p.trap("'Verify STR' and 'Verify IDI recommendation' check different documents.")
    p.trap("Both verifications are done by the same verifier: nothing to gain from parallel.")
    return p


def klinik_pratama():
    p = Procedure(
        "klinik_pratama",
        "Izin Operasional Klinik Pratama",
        style="mixed",
        pool_name="Dinas Kesehatan Kota Tangerang",
        about="Clinic licence: document loop, staffing and site checks in sequence, a "
        "spreadsheet recap, three sign-offs.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("yankes", "Seksi Pelayanan Kesehatan"),
        ("sdmk", "Seksi SDM Kesehatan"),
        ("visitasi", "Tim Visitasi"),
        ("kasi", "Kasi Pelayanan Kesehatan"),
        ("kabid", "Kabid Pelayanan Kesehatan"),
        ("kadis", "Kepala Dinas Kesehatan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan izin operasional",
        "loket",
        form=[
            f("nama_klinik", "Nama klinik"),
            f("nib", "NIB"),
            f("alamat", "Alamat"),
            upload("str_pj", "STR penanggung jawab"),
            upload("denah", "Denah bangunan"),
            upload("daftar_tenaga", "Daftar tenaga kesehatan"),
        ],
    )
    p.user("reg", "Registrasi permohonan", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi kelengkapan dokumen",
        "yankes",
        [
            ro("str_pj", "STR PJ", "file"),
            ro("denah", "Denah", "file"),
            ro("daftar_tenaga", "Daftar tenaga", "file"),
            yes_no("dok_lengkap", "Dokumen lengkap?"),
            f("kekurangan", "Kekurangan"),
        ],
    )
    p.xor("gw_dok", "Lengkap?", "yankes")
    p.user(
        "minta",
        "Permintaan kelengkapan dokumen",
        "loket",
        [ro("kekurangan", "Kekurangan"), upload("dokumen_tambahan", "Dokumen tambahan")],
    )
    p.user(
        "rekap",
        "Rekap data klinik ke spreadsheet",
        "yankes",
        [f("baris_rekap", "Baris rekap"), f("keterangan_rekap", "Keterangan")],
    )
    p.user(
        "sdm",
        "Verifikasi SDM kesehatan (STR/SIP)",
        "sdmk",
        [
            ro("daftar_tenaga", "Daftar tenaga", "file"),
            ro("str_pj", "STR PJ", "file"),
            yes_no("sdm_memenuhi", "SDM memenuhi?"),
        ],
    )
    p.user(
        "visit",
        "Visitasi lapangan klinik",
        "visitasi",
        [
            ro("alamat", "Alamat"),
            ro("denah", "Denah", "file"),
            f("skor_visitasi", "Skor", "long"),
            yes_no("sarana_memenuhi", "Sarana memenuhi?"),
        ],
    )
    p.xor("gw_syarat", "Memenuhi syarat?", "yankes")
    p.end("end_tolak", "Ditolak", "yankes")
    p.user(
        "telaah_kasi",
        "Telaah dan paraf Kasi Pelayanan Kesehatan",
        "kasi",
        [yes_no("setuju_kasi", "Disetujui Kasi?")],
    )
    p.user(
        "setuju_kabid",
        "Persetujuan Kabid Pelayanan Kesehatan",
        "kabid",
        [yes_no("setuju_kabid", "Disetujui?")],
    )
    p.user(
        "ttd_kadis",
        "Tanda tangan izin operasional oleh Kepala Dinas",
        "kadis",
        [f("tanggal_ttd", "Tanggal", "date")],
    )
    p.user("terbit", "Terbitkan izin operasional", "loket", [f("nomor_izin", "Nomor izin")])
    p.end("end", "Izin terbit", "loket")
    p.chain("start", "reg", "verif", "gw_dok")
    p.flow("gw_dok", "sdm", "lengkap", "${dok_lengkap}")
    p.flow("gw_dok", "minta", "belum", default=True)
    p.flow("minta", "verif")
    p.chain("sdm", "visit", "gw_syarat")
    p.flow("gw_syarat", "rekap", "ya", "${sdm_memenuhi and sarana_memenuhi}")
    p.flow("gw_syarat", "end_tolak", default=True)
    p.chain("rekap", "telaah_kasi", "setuju_kabid", "ttd_kadis", "terbit", "end")
    p.expect(
        "rework_loop",
        "verif",
        "gw_dok",
        "minta",
        why="Incomplete documents are requested from the applicant and verified again.",
    )
    p.expect(
        "parallelizable",
        "sdm",
        "visit",
        why="The staffing check and the site visit are independent, by different teams.",
    )
    p.expect(
        "no_effect_step", "rekap", why="The spreadsheet row and remarks are read by nothing later."
    )
    p.expect(
        "stacked_approvals",
        "telaah_kasi",
        "setuju_kabid",
        "ttd_kadis",
        why="Section head, division head and head of agency sign off in a row.",
    )
    return p


def apotek_signavio_forms():
    p = Procedure(
        "apotek_signavio_forms",
        "Izin Apotek",
        style="signavio",
        pool_name="DPMPTSP Kota Bogor",
        about="Pharmacy licence modelled in Signavio, forms added in Camunda later: the "
        "pharmacist's licence (SIPA) is checked at the counter and again as 'surat izin "
        "praktik apoteker'.",
    )
    for key, name in [
        ("ptsp", "Petugas PTSP"),
        ("teknis", "Tim Teknis Farmasi"),
        ("kepala", "Kepala DPMPTSP"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan izin apotek",
        "ptsp",
        form=[
            f("nama_apotek", "Nama apotek"),
            f("nik_apoteker", "NIK apoteker"),
            upload("sipa", "SIPA apoteker"),
            upload("str_apoteker", "STR apoteker"),
            upload("denah", "Denah apotek"),
            f("alamat", "Alamat"),
        ],
    )
    p.user("reg", "Registrasi", "ptsp", [f("no_reg", "Nomor registrasi")])
    p.user(
        "cek_sipa",
        "Cek SIPA dan STR apoteker",
        "ptsp",
        [
            ro("sipa", "SIPA", "file"),
            ro("str_apoteker", "STR", "file"),
            yes_no("sipa_valid", "SIPA dan STR masih berlaku?"),
        ],
    )
    p.xor("gw_sipa", "Berlaku?", "ptsp")
    p.end("end_tolak1", "Ditolak", "ptsp")
    p.user(
        "visit",
        "Pemeriksaan setempat sarana apotek",
        "teknis",
        [ro("alamat", "Alamat"), ro("denah", "Denah", "file"), yes_no("layak", "Sarana layak?")],
    )
    p.user(
        "validasi_sipa",
        "Validasi surat izin praktik apoteker",
        "teknis",
        [
            ro("sipa", "Surat izin praktik apoteker", "file"),
            ro("str_apoteker", "STR apoteker", "file"),
            yes_no("apoteker_valid", "Izin praktik apoteker berlaku?"),
        ],
    )
    p.xor("gw_layak", "Layak?", "teknis")
    p.end("end_tolak2", "Ditolak", "teknis")
    p.user("ttd", "Tanda tangan izin apotek", "kepala", [f("tanggal", "Tanggal", "date")])
    p.user("serah", "Serahkan izin apotek", "ptsp", [f("nomor_izin", "Nomor izin")])
    p.end("end", "Izin diserahkan", "ptsp")
    p.chain("start", "reg", "cek_sipa", "gw_sipa")
    p.flow("gw_sipa", "visit", "ya", "${sipa_valid}")
    p.flow("gw_sipa", "end_tolak1", default=True)
    p.chain("visit", "validasi_sipa", "gw_layak")
    p.flow("gw_layak", "ttd", "ya", "${layak and apoteker_valid}")
    p.flow("gw_layak", "end_tolak2", default=True)
    p.chain("ttd", "serah", "end")
    p.expect(
        "redundant_check",
        "cek_sipa",
        "validasi_sipa",
        why="SIPA is the pharmacist's practice licence: both steps check that it and the STR "
        "are valid.",
    )
    p.trap("The site inspection and the SIPA validation are done by the same team.")
    return p


def toko_obat():
    p = Procedure(
        "toko_obat",
        "Izin Toko Obat",
        style="semantic",
        pool_name="Dinas Kesehatan Kabupaten Jember",
        about="Drugstore licence: a script computes an internal risk score nothing uses; "
        "a document loop.",
    )
    for key, name in [("loket", "Loket"), ("farmasi", "Seksi Farmasi"), ("kadis", "Kepala Dinas")]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan",
        "loket",
        form=[
            f("nama_toko", "Nama toko"),
            f("nik", "NIK"),
            f("alamat", "Alamat"),
            f("luas_toko", "Luas toko (m2)", "long"),
            upload("str_ttk", "STR Tenaga Teknis Kefarmasian"),
            upload("denah", "Denah"),
        ],
    )
    p.user("reg", "Registrasi", "loket", [f("no_reg", "Nomor registrasi")])
    p.script(
        "skor", "Hitung skor risiko internal", "farmasi", code="skor_risiko = luas_toko * 2 + 10"
    )
    p.user(
        "verif",
        "Verifikasi dokumen dan STR TTK",
        "farmasi",
        [
            ro("str_ttk", "STR TTK", "file"),
            ro("denah", "Denah", "file"),
            yes_no("lengkap", "Lengkap?"),
            f("catatan", "Catatan kekurangan"),
        ],
    )
    p.xor("gw", "Lengkap?", "farmasi")
    p.user(
        "minta",
        "Minta perbaikan berkas",
        "loket",
        [ro("catatan", "Catatan"), upload("berkas_perbaikan", "Berkas perbaikan")],
    )
    p.user(
        "periksa",
        "Pemeriksaan sarana toko obat",
        "farmasi",
        [ro("alamat", "Alamat"), yes_no("layak", "Layak?")],
    )
    p.xor("gw_layak", "Layak?", "farmasi")
    p.end("end_tolak", "Ditolak", "farmasi")
    p.user("ttd", "Tanda tangan izin", "kadis", [f("tanggal", "Tanggal", "date")])
    p.user("terbit", "Terbitkan izin toko obat", "loket", [f("nomor_izin", "Nomor izin")])
    p.end("end", "Izin terbit", "loket")
    p.chain("start", "reg", "skor", "verif", "gw")
    p.flow("gw", "periksa", "lengkap", "lengkap")
    p.flow("gw", "minta", "belum", default=True)
    p.flow("minta", "verif")
    p.chain("periksa", "gw_layak")
    p.flow("gw_layak", "ttd", "layak", "layak")
    p.flow("gw_layak", "end_tolak", default=True)
    p.chain("ttd", "terbit", "end")
    p.expect(
        "no_effect_step",
        "skor",
        why="The risk score is computed and never read by a condition, form, script or letter.",
    )
    p.expect(
        "rework_loop",
        "verif",
        "gw",
        "minta",
        why="Incomplete files go back for correction and are verified again.",
    )
    return p


PROCEDURES = [
    pirt_pangan,
    slhs_depot_air,
    sip_dokter,
    klinik_pratama,
    apotek_signavio_forms,
    toko_obat,
]
