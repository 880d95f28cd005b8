"""Business licences (OSS-RBA), trade, tourism and transport."""

from __future__ import annotations

from builder import Procedure, f, ro, upload, yes_no


def restoran_oss_signavio():
    p = Procedure(
        "restoran_oss_signavio",
        "PB UMKU Usaha Restoran",
        style="signavio",
        pool_name="DPMPTSP Provinsi DKI Jakarta",
        about="Restaurant licence verified after OSS, drawn in Signavio without forms: three "
        "agencies give their recommendations one after another.",
    )
    for key, name in [
        ("bo", "Back Office PTSP"),
        ("par", "Dinas Pariwisata - Tim Teknis"),
        ("dlh", "Dinas Lingkungan Hidup"),
        ("dinkes", "Dinas Kesehatan"),
        ("kepala", "Kepala DPMPTSP"),
    ]:
        p.lane(key, name)
    p.doc("oss", "NIB dan data OSS")
    p.doc("rencana", "Dokumen rencana usaha")
    p.doc("sppl", "SPPL")
    p.doc("slhs", "Sertifikat laik higiene sanitasi")
    p.doc("ba_par", "BA verifikasi pariwisata")
    p.doc("rek_dlh", "Rekomendasi DLH")
    p.doc("rek_dinkes", "Rekomendasi Dinkes")
    p.doc("izin", "Izin usaha (PB UMKU)")
    p.start(
        "start",
        "Notifikasi dari OSS",
        "bo",
        event="message",
        message="NotifikasiOSS",
        writes=["oss", "rencana", "sppl", "slhs"],
    )
    p.plain("verif", "Verifikasi persyaratan di OSS", "bo", reads=["oss", "rencana"])
    p.xor("gw1", "Persyaratan lengkap?", "bo")
    p.end("end_kembali", "Dikembalikan melalui OSS", "bo")
    p.plain(
        "pariwisata",
        "Verifikasi teknis usaha pariwisata",
        "par",
        reads=["rencana"],
        writes=["ba_par"],
    )
    p.plain("dlh", "Kajian lingkungan (SPPL)", "dlh", reads=["sppl"], writes=["rek_dlh"])
    p.plain(
        "dinkes", "Pemeriksaan higiene sanitasi", "dinkes", reads=["slhs"], writes=["rek_dinkes"]
    )
    p.plain(
        "rekap", "Rekapitulasi rekomendasi teknis", "bo", reads=["ba_par", "rek_dlh", "rek_dinkes"]
    )
    p.xor("gw2", "Semua memenuhi?", "bo")
    p.end("end_tolak", "Ditolak", "bo")
    p.plain("ttd", "Persetujuan dan TTE izin", "kepala", writes=["izin"])
    p.send("kirim", "Kirim izin ke OSS", "bo", reads=["izin"])
    p.end("end", "Izin terbit", "bo")
    p.chain("start", "verif", "gw1")
    p.flow("gw1", "pariwisata", "Ya", "${lengkap}")
    p.flow("gw1", "end_kembali", "Tidak", default=True)
    p.chain("pariwisata", "dlh", "dinkes", "rekap", "gw2")
    p.flow("gw2", "ttd", "Ya", "${memenuhi}")
    p.flow("gw2", "end_tolak", "Tidak", default=True)
    p.chain("ttd", "kirim", "end")
    p.expect(
        "parallelizable",
        "pariwisata",
        "dlh",
        "dinkes",
        why="Tourism, environment and health each examine their own document and give "
        "their own recommendation; only the recap needs all three.",
    )
    p.trap(
        "The back office's completeness check and the tourism office's technical "
        "verification read the same business plan for different questions."
    )
    return p


def tdup_pariwisata():
    p = Procedure(
        "tdup_pariwisata",
        "Tanda Daftar Usaha Pariwisata (TDUP)",
        style="bpmnio",
        pool_name="Dinas Pariwisata Kabupaten Badung",
        about="Tourism business registration: clean. Documents, then a site visit, then one approval.",
    )
    for key, name in [
        ("fo", "Front Office"),
        ("verif", "Verifikator Teknis Pariwisata"),
        ("kadis", "Kepala Dinas Pariwisata"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan TDUP",
        "fo",
        form=[
            f("nib", "NIB"),
            f("nama_usaha", "Nama usaha"),
            f(
                "jenis_usaha",
                "Jenis usaha",
                "enum",
                values="homestay:Pondok wisata, biro:Biro perjalanan",
            ),
            f("alamat", "Alamat usaha"),
            upload("ktp", "KTP pemilik"),
        ],
    )
    p.user("reg", "Registrasi permohonan TDUP", "fo", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi dokumen",
        "verif",
        [ro("nib", "NIB"), ro("ktp", "KTP", "file"), yes_no("dokumen_valid", "Dokumen valid?")],
    )
    p.xor("gw_dok", "Valid?", "verif")
    p.send("tolak1", "Notifikasi penolakan", "fo")
    p.end("end_tolak1", "Ditolak", "fo")
    p.user(
        "kunjungan",
        "Kunjungan lapangan",
        "verif",
        [ro("alamat", "Alamat"), yes_no("sesuai", "Usaha ada dan sesuai?")],
    )
    p.xor("gw_lap", "Sesuai?", "verif")
    p.send("tolak2", "Notifikasi penolakan hasil kunjungan", "fo")
    p.end("end_tolak2", "Ditolak", "fo")
    p.user("setuju", "Persetujuan Kepala Dinas", "kadis", [yes_no("disetujui", "Disetujui?")])
    p.xor("gw_setuju", "Disetujui?", "kadis")
    p.end("end_tolak3", "Tidak disetujui", "kadis")
    p.user("terbit", "Terbitkan TDUP", "fo", [f("nomor_tdup", "Nomor TDUP")])
    p.end("end", "TDUP terbit", "fo")
    p.chain("start", "reg", "verif", "gw_dok")
    p.flow("gw_dok", "kunjungan", "valid", "${dokumen_valid}")
    p.flow("gw_dok", "tolak1", default=True)
    p.chain("tolak1", "end_tolak1")
    p.chain("kunjungan", "gw_lap")
    p.flow("gw_lap", "setuju", "sesuai", "${sesuai}")
    p.flow("gw_lap", "tolak2", default=True)
    p.chain("tolak2", "end_tolak2")
    p.chain("setuju", "gw_setuju")
    p.flow("gw_setuju", "terbit", "ya", "${disetujui}")
    p.flow("gw_setuju", "end_tolak3", default=True)
    p.chain("terbit", "end")
    p.trap("Document verification and the site visit are different checks, with a gateway between.")
    p.trap("One approval only.")
    return p


def toko_modern_sleman():
    p = Procedure(
        "toko_modern_sleman",
        "Izin Usaha Toko Swalayan",
        style="mixed",
        pool_name="Pemerintah Kabupaten Sleman",
        about="Modern retail store licence with lanes per agency (nested): the trade office's "
        "socio-economic study and the public works office's zoning review run one after the other.",
    )
    p.lane("dpm", "DPMPTSP")
    p.lane("fo", "Front Office", parent="dpm")
    p.lane("bo", "Back Office", parent="dpm")
    p.lane("kepala", "Kepala DPMPTSP", parent="dpm")
    p.lane("dag", "Dinas Perdagangan")
    p.lane("sosek", "Tim Kajian Sosial Ekonomi", parent="dag")
    p.lane("pupr", "Dinas PUPR")
    p.lane("tr", "Tim Tata Ruang", parent="pupr")
    p.start(
        "start",
        "Permohonan IUTS",
        "fo",
        form=[
            f("nib", "NIB"),
            f("nama_usaha", "Nama usaha"),
            f("lokasi", "Lokasi"),
            f("luas_gerai", "Luas gerai (m2)", "long"),
            f("jarak_pasar_m", "Jarak ke pasar tradisional (m)", "long"),
            upload("kajian_sosek", "Dokumen kajian sosial ekonomi"),
            upload("kkpr", "KKPR"),
        ],
    )
    p.user("reg", "Registrasi permohonan", "fo", [f("no_registrasi", "Nomor registrasi")])
    p.user(
        "cek",
        "Cek kelengkapan berkas",
        "bo",
        [
            ro("nib", "NIB"),
            ro("kajian_sosek", "Kajian sosek", "file"),
            ro("kkpr", "KKPR", "file"),
            yes_no("lengkap", "Lengkap?"),
        ],
    )
    p.xor("gw_lengkap", "Lengkap?", "bo")
    p.end("end_kembali", "Dikembalikan", "bo")
    p.user(
        "nota",
        "Buat nota dinas pengantar ke dinas teknis",
        "bo",
        [f("nomor_nota", "Nomor nota dinas")],
    )
    p.user(
        "sosek",
        "Kajian sosial ekonomi dan jarak pasar",
        "sosek",
        [
            ro("kajian_sosek", "Kajian sosek", "file"),
            ro("jarak_pasar_m", "Jarak pasar", "long"),
            f("hasil_sosek", "Hasil kajian", "enum", values="layak:Layak, tidak:Tidak layak"),
        ],
    )
    p.user(
        "tata_ruang",
        "Kajian kesesuaian tata ruang",
        "tr",
        [
            ro("kkpr", "KKPR", "file"),
            ro("lokasi", "Lokasi"),
            f("hasil_tata_ruang", "Hasil", "enum", values="sesuai:Sesuai, tidak:Tidak sesuai"),
        ],
    )
    p.user(
        "rapat",
        "Rapat koordinasi tim teknis",
        "bo",
        [
            ro("hasil_sosek", "Sosek"),
            ro("hasil_tata_ruang", "Tata ruang"),
            f("rekomendasi", "Rekomendasi", "enum", values="terbit:Terbitkan, tolak:Tolak"),
        ],
    )
    p.xor("gw_rek", "Rekomendasi?", "bo")
    p.end("end_tolak", "Ditolak", "bo")
    p.user("ttd", "Tanda tangan IUTS", "kepala", [f("tanggal_ttd", "Tanggal", "date")])
    p.user("serah", "Serahkan izin", "fo", [f("nomor_izin", "Nomor izin")])
    p.end("end", "Izin diserahkan", "fo")
    p.chain("start", "reg", "cek", "gw_lengkap")
    p.flow("gw_lengkap", "nota", "lengkap", "lengkap")
    p.flow("gw_lengkap", "end_kembali", default=True)
    p.chain("nota", "sosek", "tata_ruang", "rapat", "gw_rek")
    p.flow("gw_rek", "ttd", "terbit", 'rekomendasi == "terbit"')
    p.flow("gw_rek", "end_tolak", default=True)
    p.chain("ttd", "serah", "end")
    p.expect(
        "parallelizable",
        "sosek",
        "tata_ruang",
        why="The trade office's study and the zoning review use different documents; only "
        "the coordination meeting needs both.",
    )
    p.trap(
        "The covering memo forwards the file to the technical offices: its number is read by "
        "nobody, but it is how the file travels."
    )
    p.trap(
        "The completeness check reads the same documents as the two studies, for another question."
    )
    return p


def nib_perorangan_oss():
    p = Procedure(
        "nib_perorangan_oss",
        "NIB for low-risk individual business (OSS-RBA)",
        style="semantic",
        pool_name="OSS-RBA",
        about="Low-risk NIB issued by the system: automated validations with similar names; clean.",
    )
    p.lane("oss", "OSS System")
    p.start(
        "start",
        "Registration submitted",
        "oss",
        event="message",
        message="Registration",
        form=[
            f("nik", "NIK"),
            f("npwp", "NPWP"),
            f("kbli", "KBLI code"),
            f("business_name", "Business name"),
            f("risk_level", "Risk level", "enum", values="low:Low, medium_low:Medium-low"),
        ],
    )
    p.service("validate_nik", "Validate NIK with Dukcapil", "oss")
    p.service("validate_npwp", "Validate NPWP with DJP", "oss")
    p.task("check_kbli", "Check KBLI and risk level", "oss", kind="businessRuleTask")
    p.script("issue_nib", "Issue NIB", "oss", code='nib = "NIB-" + nik')
    p.send("notify", "Send NIB to business actor", "oss")
    p.end("end", "NIB issued", "oss")
    p.chain("start", "validate_nik", "validate_npwp", "check_kbli", "issue_nib", "notify", "end")
    p.pool("actor", "Pelaku usaha", blackbox=True)
    p.message_flow("actor", "start", "Registration")
    p.message_flow("notify", "actor", "NIB")
    p.trap("'Validate NIK' and 'Validate NPWP' are different checks (identity, tax number).")
    p.trap("Issuing the NIB writes a number only the notification uses: issuing is not no-effect.")
    return p


def stpw_waralaba():
    p = Procedure(
        "stpw_waralaba",
        "Surat Tanda Pendaftaran Waralaba (STPW)",
        style="bpmnio",
        pool_name="Dinas Perdagangan Kota Medan",
        about="Franchise registration: the tax number checked at the front desk and again, in "
        "Indonesian, by the analyst; two similar 'Review franchise ...' steps that differ.",
    )
    for key, name in [
        ("desk", "Front Desk"),
        ("analyst", "Trade Analyst"),
        ("head", "Head of Trade Office"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "STPW application",
        "desk",
        form=[
            f("company", "Company"),
            f("npwp", "NPWP"),
            f("nib", "NIB"),
            upload("prospectus", "Prospektus penawaran waralaba"),
            upload("agreement", "Franchise agreement"),
            upload("ktp_director", "KTP direktur"),
        ],
    )
    p.user("register", "Register STPW application", "desk", [f("reg_no", "Registration number")])
    p.user(
        "check_npwp",
        "Check NPWP",
        "desk",
        [ro("npwp", "NPWP"), yes_no("npwp_valid", "NPWP valid?")],
    )
    p.xor("gw_npwp", "NPWP valid?", "desk")
    p.end("end_invalid", "Rejected", "desk")
    p.user(
        "prospectus",
        "Review franchise prospectus",
        "analyst",
        [ro("prospectus", "Prospectus", "file"), yes_no("prospectus_ok", "Prospectus complete?")],
    )
    p.user(
        "verif_npwp",
        "Verifikasi nomor pokok wajib pajak",
        "analyst",
        [ro("npwp", "Nomor Pokok Wajib Pajak"), yes_no("npwp_aktif", "NPWP aktif dan valid?")],
    )
    p.user(
        "agreement",
        "Review franchise agreement",
        "analyst",
        [ro("agreement", "Agreement", "file"), yes_no("agreement_ok", "Agreement acceptable?")],
    )
    p.xor("gw_ok", "All acceptable?", "analyst")
    p.end("end_rejected", "Rejected", "analyst")
    p.user("sign", "Sign STPW", "head", [f("signed_on", "Signed on", "date")])
    p.user("issue", "Issue STPW", "desk", [f("stpw_no", "STPW number")])
    p.end("end", "STPW issued", "desk")
    p.chain("start", "register", "check_npwp", "gw_npwp")
    p.flow("gw_npwp", "prospectus", "valid", "npwp_valid")
    p.flow("gw_npwp", "end_invalid", default=True)
    p.chain("prospectus", "verif_npwp", "agreement", "gw_ok")
    p.flow("gw_ok", "sign", "yes", "prospectus_ok and npwp_aktif and agreement_ok")
    p.flow("gw_ok", "end_rejected", default=True)
    p.chain("sign", "issue", "end")
    p.expect(
        "redundant_check",
        "check_npwp",
        "verif_npwp",
        why="Both ask whether the applicant's NPWP (tax number) is valid.",
    )
    p.trap(
        "'Review franchise prospectus' and 'Review franchise agreement' examine different documents."
    )
    return p


def industri_oss_signavio():
    p = Procedure(
        "industri_oss_signavio",
        "Sertifikat Standar Industri (risiko menengah tinggi)",
        style="signavio",
        pool_name="DPMPTSP Kabupaten Karawang",
        about="Industrial standard certificate: a technical verification sub-process repeated "
        "when the plant needs improvements.",
    )
    for key, name in [
        ("bo", "Back Office"),
        ("ind", "Dinas Perindustrian"),
        ("kepala", "Kepala DPMPTSP"),
    ]:
        p.lane(key, name)
    p.doc("dok", "Dokumen persyaratan (NIB, KKPR, PKPLH)")
    p.doc("laporan", "Laporan verifikasi teknis")
    p.doc("sertifikat", "Sertifikat standar")
    p.start(
        "start",
        "Permohonan dari OSS",
        "bo",
        event="message",
        message="PermohonanOSS",
        writes=["dok"],
    )
    p.plain("admin", "Verifikasi administrasi", "bo", reads=["dok"])
    p.xor("gw_admin", "Administrasi lengkap?", "bo")
    p.end("end_kembali", "Dikembalikan ke OSS", "bo")
    p.sub("verif_teknis", "Verifikasi teknis industri", "ind")
    with p.inside("verif_teknis"):
        p.start("vt_start", "")
        p.plain("lapangan", "Pemeriksaan lapangan pabrik")
        p.plain("laporan", "Penyusunan laporan verifikasi", writes=["laporan"])
        p.end("vt_end", "")
        p.chain("vt_start", "lapangan", "laporan", "vt_end")
    p.xor("gw_standar", "Memenuhi standar?", "ind")
    p.plain("perbaikan", "Permintaan perbaikan kepada pelaku usaha", "bo")
    p.plain(
        "setuju",
        "Persetujuan sertifikat standar",
        "kepala",
        reads=["laporan"],
        writes=["sertifikat"],
    )
    p.send("kirim", "Kirim sertifikat standar ke OSS", "bo", reads=["sertifikat"])
    p.end("end", "Sertifikat terbit", "bo")
    p.chain("start", "admin", "gw_admin")
    p.flow("gw_admin", "verif_teknis", "Ya", "${lengkap}")
    p.flow("gw_admin", "end_kembali", "Tidak", default=True)
    p.chain("verif_teknis", "gw_standar")
    p.flow("gw_standar", "setuju", "Ya", "${memenuhi_standar}")
    p.flow("gw_standar", "perbaikan", "Perlu perbaikan", default=True)
    p.flow("perbaikan", "verif_teknis")
    p.chain("setuju", "kirim", "end")
    p.expect(
        "rework_loop",
        "verif_teknis",
        "gw_standar",
        "perbaikan",
        "lapangan",
        "laporan",
        why="A plant that does not meet the standard is improved and verified again.",
    )
    return p


def hotel_bintang():
    p = Procedure(
        "hotel_bintang",
        "Hotel business licence",
        style="bpmnio",
        pool_name="Dinas Pariwisata Kota Batam",
        about="Hotel licence: the building permit checked as 'PBG' and again as 'IMB'; fire and "
        "hygiene inspections in sequence; an Excel tracker nobody uses.",
    )
    for key, name in [
        ("fo", "Front Office"),
        ("verif", "Tourism Office Verifier"),
        ("fire", "Fire Department"),
        ("health", "Health Office"),
        ("head", "Head of Tourism Office"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Application",
        "fo",
        form=[
            f("hotel_name", "Hotel name"),
            f("nib", "NIB"),
            f("star_class", "Star class", "enum", values="1:One, 2:Two, 3:Three, 4:Four, 5:Five"),
            f("address", "Address"),
            f("rooms", "Rooms", "long"),
            upload("building_permit", "PBG / IMB"),
            upload("slf", "Certificate of occupancy (SLF)"),
        ],
    )
    p.user("register", "Register application", "fo", [f("reg_no", "Registration number")])
    p.user(
        "verify_pbg",
        "Verify building permit (PBG)",
        "verif",
        [ro("building_permit", "PBG / IMB", "file"), yes_no("pbg_valid", "PBG valid?")],
    )
    p.xor("gw_pbg", "PBG valid?", "verif")
    p.end("end_rejected1", "Rejected", "verif")
    p.user(
        "fire",
        "Fire safety inspection",
        "fire",
        [
            ro("address", "Address"),
            yes_no("fire_ok", "Fire safety adequate?"),
            upload("fire_report", "Report"),
        ],
    )
    p.user(
        "hygiene",
        "Hygiene inspection of kitchen",
        "health",
        [ro("address", "Address"), yes_no("hygiene_ok", "Hygiene adequate?")],
    )
    p.xor("gw_insp", "Inspections passed?", "verif")
    p.end("end_rejected2", "Rejected", "verif")
    p.user(
        "tracker",
        "Log application in Excel tracker",
        "verif",
        [f("tracker_row", "Tracker row"), f("tracker_note", "Note")],
    )
    p.user(
        "check_imb",
        "Cek IMB bangunan hotel",
        "verif",
        [ro("building_permit", "IMB", "file"), yes_no("imb_sesuai", "IMB sah dan sesuai?")],
    )
    p.xor("gw_imb", "IMB sesuai?", "verif")
    p.end("end_rejected3", "Rejected", "verif")
    p.user("approve", "Approve hotel business licence", "head", [yes_no("approved", "Approved?")])
    p.user("issue", "Issue licence", "fo", [f("licence_no", "Licence number")])
    p.end("end", "Licence issued", "fo")
    p.chain("start", "register", "verify_pbg", "gw_pbg")
    p.flow("gw_pbg", "fire", "valid", "pbg_valid")
    p.flow("gw_pbg", "end_rejected1", default=True)
    p.chain("fire", "hygiene", "gw_insp")
    p.flow("gw_insp", "tracker", "passed", "fire_ok and hygiene_ok")
    p.flow("gw_insp", "end_rejected2", default=True)
    p.chain("tracker", "check_imb", "gw_imb")
    p.flow("gw_imb", "approve", "yes", "imb_sesuai")
    p.flow("gw_imb", "end_rejected3", default=True)
    p.chain("approve", "issue", "end")
    p.expect(
        "redundant_check",
        "verify_pbg",
        "check_imb",
        why="PBG replaced the IMB: both steps check the same building permit is valid.",
    )
    p.expect(
        "parallelizable",
        "fire",
        "hygiene",
        why="Fire department and health office inspect independently; the gateway reads both.",
    )
    p.expect(
        "no_effect_step",
        "tracker",
        why="The tracker row and note are used by no later step, condition or letter.",
    )
    p.trap("The approval records 'approved' without a gateway: it is still the one sign-off.")
    return p


def trayek_angkutan():
    p = Procedure(
        "trayek_angkutan",
        "Izin Trayek Angkutan Kota",
        style="semantic",
        pool_name="Dinas Perhubungan Kota Malang",
        about="Route permit: a three-day route survey comes before two quick checks that reject "
        "more often (knock-out order).",
    )
    for key, name in [
        ("loket", "Loket Dishub"),
        ("seksi", "Seksi Angkutan"),
        ("survei", "Tim Survei Trayek"),
        ("kadis", "Kepala Dinas Perhubungan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan izin trayek",
        "loket",
        form=[
            f("perusahaan", "Nama perusahaan"),
            f("nib", "NIB"),
            f("jumlah_kendaraan", "Jumlah kendaraan", "long"),
            f("trayek", "Trayek yang dimohon"),
            upload("stnk", "STNK kendaraan"),
            upload("bukti_kir", "Bukti lulus uji KIR"),
        ],
    )
    p.user("reg", "Registrasi permohonan", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "survei",
        "Survei kebutuhan trayek",
        "survei",
        [
            ro("trayek", "Trayek"),
            yes_no("kebutuhan_ada", "Trayek dibutuhkan?"),
            upload("laporan_survei", "Laporan"),
        ],
        props={"duration": 3, "rejection": 0.05},
    )
    p.xor("gw_survei", "Dibutuhkan?", "survei")
    p.end("end_tolak1", "Ditolak", "survei")
    p.user(
        "kuota",
        "Cek kuota trayek tersedia",
        "seksi",
        [ro("trayek", "Trayek"), yes_no("kuota_tersedia", "Kuota tersedia?")],
        props={"duration": 0.2, "rejection": 0.4},
    )
    p.xor("gw_kuota", "Kuota ada?", "seksi")
    p.end("end_tolak2", "Ditolak: kuota penuh", "seksi")
    p.user(
        "kir",
        "Verifikasi uji KIR kendaraan",
        "seksi",
        [
            ro("bukti_kir", "Bukti KIR", "file"),
            ro("stnk", "STNK", "file"),
            yes_no("kir_valid", "KIR berlaku?"),
        ],
        props={"duration": 0.5, "rejection": 0.1},
    )
    p.xor("gw_kir", "KIR berlaku?", "seksi")
    p.end("end_tolak3", "Ditolak", "seksi")
    p.user("ttd", "Tanda tangan izin trayek", "kadis", [f("tanggal", "Tanggal", "date")])
    p.user(
        "terbit", "Terbitkan kartu pengawasan", "loket", [f("no_kartu", "Nomor kartu pengawasan")]
    )
    p.end("end", "Izin terbit", "loket")
    p.chain("start", "reg", "survei", "gw_survei")
    p.flow("gw_survei", "kuota", "ya", "kebutuhan_ada")
    p.flow("gw_survei", "end_tolak1", default=True)
    p.chain("kuota", "gw_kuota")
    p.flow("gw_kuota", "kir", "ada", "kuota_tersedia")
    p.flow("gw_kuota", "end_tolak2", default=True)
    p.chain("kir", "gw_kir")
    p.flow("gw_kir", "ttd", "berlaku", "kir_valid")
    p.flow("gw_kir", "end_tolak3", default=True)
    p.chain("ttd", "terbit", "end")
    p.expect(
        "knockout_order",
        "kuota",
        "survei",
        why="The quota check takes 0.2 days and rejects 40%; the survey takes 3 days and "
        "rejects 5%; the quota check needs nothing from the survey.",
    )
    p.expect(
        "knockout_order",
        "kir",
        "survei",
        why="The KIR check (0.5 days, 10%) is cheaper and stricter than the survey.",
    )
    p.trap("Quota before KIR is the right order (0.2 days/40% before 0.5 days/10%).")
    return p


PROCEDURES = [
    restoran_oss_signavio,
    tdup_pariwisata,
    toko_modern_sleman,
    nib_perorangan_oss,
    stpw_waralaba,
    industri_oss_signavio,
    hotel_bintang,
    trayek_angkutan,
]
