"""Building approvals (PBG, SLF), signage (reklame) and telecom towers."""

from __future__ import annotations

from builder import Procedure, f, ro, upload, yes_no


def applicant(p: Procedure, start: str, ends=(), name="Pemohon"):
    p.pool("applicant", name, blackbox=True)
    p.message_flow("applicant", start, "Permohonan")
    for end in ends:
        p.message_flow(end, "applicant", "Hasil")


def pbg_kota_semarang():
    p = Procedure(
        "pbg_kota_semarang",
        "Persetujuan Bangunan Gedung (PBG)",
        style="bpmnio",
        pool_name="DPMPTSP Kota Semarang",
        about="PBG at a city one-stop office: counter check, document verifier, expert "
        "team (TPA), fee and payment, three sign-offs, printing and handover.",
    )
    p.standard("PBG", "Persetujuan Bangunan Gedung", 28, ["KTP", "Sertifikat tanah", "Gambar"])
    for key, name in [
        ("fo", "Front Office"),
        ("verif", "Verifikator Berkas"),
        ("tpa", "Tim Profesi Ahli (TPA)"),
        ("kasir", "Kasir / Bendahara Penerimaan"),
        ("kasi", "Kasi Perizinan Bangunan"),
        ("kabid", "Kabid Perizinan"),
        ("kadis", "Kepala Dinas"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan PBG diajukan",
        "fo",
        event="message",
        message="PermohonanPBG",
        form=[
            f("nama_pemohon", "Nama pemohon", req=True),
            f("nik", "NIK", req=True),
            f("npwp", "NPWP"),
            f("alamat_bangunan", "Alamat bangunan"),
            f(
                "fungsi_bangunan",
                "Fungsi bangunan",
                "enum",
                values="hunian:Hunian, usaha:Usaha, sosial:Sosial budaya",
            ),
            f("luas_bangunan", "Luas bangunan (m2)", "long"),
            f("jumlah_lantai", "Jumlah lantai", "long"),
            upload("ktp", "Scan KTP"),
            upload("sertifikat_tanah", "Sertifikat tanah (SHM/HGB)"),
            upload("gambar_teknis", "Gambar rencana teknis"),
            upload("kkpr", "Dokumen KKPR"),
        ],
    )
    p.user(
        "reg",
        "Registrasi permohonan",
        "fo",
        [f("nomor_registrasi", "Nomor registrasi"), f("tanggal_terima", "Tanggal terima", "date")],
    )
    p.user(
        "cek_berkas",
        "Cek kelengkapan berkas",
        "fo",
        [
            ro("ktp", "Scan KTP", "file"),
            ro("sertifikat_tanah", "Sertifikat tanah", "file"),
            ro("gambar_teknis", "Gambar rencana teknis", "file"),
            ro("kkpr", "Dokumen KKPR", "file"),
            yes_no("berkas_lengkap", "Berkas lengkap?"),
        ],
    )
    p.xor("gw_fo", "Lengkap?", "fo")
    p.end("end_kembali", "Berkas dikembalikan", "fo", event="message", message="PengembalianBerkas")
    p.user(
        "verif",
        "Verifikasi kelengkapan dokumen",
        "verif",
        [
            ro("nik", "NIK"),
            ro("ktp", "KTP", "file"),
            ro("sertifikat_tanah", "Sertifikat tanah", "file"),
            ro("gambar_teknis", "Gambar teknis", "file"),
            ro("kkpr", "KKPR", "file"),
            yes_no("dokumen_lengkap", "Dokumen lengkap?"),
            f("catatan_verifikasi", "Catatan"),
        ],
    )
    p.xor("gw_verif", "Dokumen lengkap?", "verif")
    p.user(
        "minta_perbaikan",
        "Minta perbaikan dokumen ke pemohon",
        "fo",
        [
            ro("catatan_verifikasi", "Catatan verifikator"),
            upload("dokumen_perbaikan", "Dokumen perbaikan"),
        ],
    )
    p.user(
        "tpa",
        "Pemeriksaan dokumen teknis oleh TPA",
        "tpa",
        [
            ro("gambar_teknis", "Gambar rencana teknis", "file"),
            ro("luas_bangunan", "Luas", "long"),
            ro("jumlah_lantai", "Jumlah lantai", "long"),
            f(
                "hasil_tpa",
                "Hasil pemeriksaan",
                "enum",
                values="sesuai:Sesuai, revisi:Perlu revisi",
            ),
            f("catatan_tpa", "Catatan TPA"),
        ],
    )
    p.xor("gw_tpa", "Hasil pemeriksaan TPA?", "tpa")
    p.user(
        "revisi_gambar",
        "Revisi gambar oleh pemohon",
        "fo",
        [
            ro("catatan_tpa", "Catatan TPA"),
            upload("gambar_teknis", "Gambar rencana teknis (revisi)"),
        ],
    )
    p.user(
        "hitung",
        "Penilaian retribusi PBG",
        "tpa",
        [
            ro("luas_bangunan", "Luas", "long"),
            ro("fungsi_bangunan", "Fungsi"),
            f("nilai_retribusi", "Nilai retribusi (Rp)", "long"),
            f("dasar_perhitungan", "Dasar perhitungan"),
        ],
    )
    p.user(
        "bayar",
        "Verifikasi pembayaran retribusi",
        "kasir",
        [upload("bukti_bayar", "Bukti bayar"), yes_no("sudah_bayar", "Sudah dibayar?")],
    )
    p.boundary("batas_bayar", "14 hari tidak dibayar", "bayar", timer="P14D")
    p.end("end_batal", "Permohonan batal", "kasir")
    p.xor("gw_bayar", "Sudah dibayar?", "kasir")
    p.catch("tunggu", "Tunggu 1 hari", "kasir", timer="P1D")
    p.user(
        "paraf_kasi",
        "Paraf Kasi Perizinan Bangunan",
        "kasi",
        [yes_no("setuju_kasi", "Disetujui Kasi?")],
    )
    p.user(
        "setuju_kabid",
        "Persetujuan Kabid Perizinan",
        "kabid",
        [yes_no("setuju_kabid", "Disetujui Kabid?")],
    )
    p.user(
        "ttd_kadis",
        "Tanda tangan SK PBG oleh Kepala Dinas",
        "kadis",
        [f("tanggal_ttd", "Tanggal tanda tangan", "date")],
    )
    p.user(
        "cetak",
        "Cetak dokumen PBG",
        "fo",
        [f("nomor_pbg", "Nomor PBG"), f("tanggal_terbit", "Tanggal terbit", "date")],
    )
    p.user("serah", "Serahkan PBG kepada pemohon", "fo", [f("diterima_oleh", "Diterima oleh")])
    p.end("end_terbit", "PBG terbit", "fo", event="message", message="PBGTerbit")
    p.chain("start", "reg", "cek_berkas", "gw_fo")
    p.flow("gw_fo", "verif", "lengkap", "${berkas_lengkap}")
    p.flow("gw_fo", "end_kembali", "tidak lengkap", default=True)
    p.chain("verif", "gw_verif")
    p.flow("gw_verif", "tpa", "ya", "${dokumen_lengkap}")
    p.flow("gw_verif", "minta_perbaikan", "tidak", default=True)
    p.flow("minta_perbaikan", "verif")
    p.chain("tpa", "gw_tpa")
    p.flow("gw_tpa", "hitung", "sesuai", '${hasil_tpa == "sesuai"}')
    p.flow("gw_tpa", "revisi_gambar", "revisi", default=True)
    p.flow("revisi_gambar", "tpa")
    p.chain("hitung", "bayar", "gw_bayar")
    p.flow("gw_bayar", "paraf_kasi", "sudah", "${sudah_bayar}")
    p.flow("gw_bayar", "tunggu", "belum", default=True)
    p.flow("tunggu", "bayar")
    p.chain("batas_bayar", "end_batal")
    p.chain("paraf_kasi", "setuju_kabid", "ttd_kadis", "cetak", "serah", "end_terbit")
    applicant(p, "start", ["end_terbit", "end_kembali"])
    p.expect(
        "redundant_check",
        "cek_berkas",
        "verif",
        why="The front office and the verifier both check that KTP, land certificate, "
        "drawings and KKPR are complete: same documents, same question.",
    )
    p.expect(
        "rework_loop",
        "verif",
        "gw_verif",
        "minta_perbaikan",
        why="Incomplete documents go back to the applicant and are verified again.",
    )
    p.expect(
        "rework_loop",
        "tpa",
        "gw_tpa",
        "revisi_gambar",
        why="Drawings that need revision go back to the applicant and to the TPA again.",
    )
    p.expect(
        "stacked_approvals",
        "paraf_kasi",
        "setuju_kabid",
        "ttd_kadis",
        why="Section head, division head and head of office sign off one after another.",
    )
    p.trap(
        "TPA examines the same drawings as the completeness checks, but for technical "
        "compliance: a different question, not a duplicate."
    )
    p.trap(
        "'Verifikasi pembayaran retribusi' and 'Verifikasi kelengkapan dokumen' are both "
        "verifications of different things."
    )
    p.trap("The fee assessment records an amount no form shows, but the payment needs it.")
    p.trap("Waiting for the payment ('belum' -> wait a day) is a waiting loop, not rework.")
    p.trap("Registration records a number nothing reads; it is still the intake of the case.")
    p.trap("Printing then handing over the PBG: the same document, in that order.")
    return p


def pbg_kab_klaten_signavio():
    p = Procedure(
        "pbg_kab_klaten_signavio",
        "PBG Kabupaten Klaten",
        style="signavio",
        pool_name="Dinas PUPR Kabupaten Klaten",
        about="A descriptive Signavio model without forms: documents are data objects.",
    )
    for key, name in [
        ("loket", "Loket PTSP"),
        ("seksi", "Seksi Tata Bangunan"),
        ("tpt", "Tim Penilai Teknis"),
        ("kabid", "Kepala Bidang Cipta Karya"),
        ("kadis", "Kepala Dinas PUPR"),
    ]:
        p.lane(key, name)
    p.doc("berkas_adm", "Berkas administrasi (KTP, SHM, KKPR)")
    p.doc("gambar", "Gambar rencana teknis")
    p.doc("ba", "Berita acara penilaian teknis")
    p.doc("sk", "SK PBG")
    p.start("start", "Permohonan masuk", "loket")
    p.plain("terima", "Terima berkas permohonan", "loket", writes=["berkas_adm", "gambar"])
    p.plain("verif_adm", "Verifikasi dokumen administrasi", "seksi", reads=["berkas_adm"])
    p.xor("gw1", "Lengkap?", "seksi")
    p.end("end_tolak", "Berkas dikembalikan", "loket")
    p.plain("periksa_adm", "Pemeriksaan kelengkapan administrasi", "tpt", reads=["berkas_adm"])
    p.xor("gw2", "Administrasi lengkap?", "tpt")
    p.end("end_tolak2", "Dikembalikan ke pemohon", "tpt")
    p.plain("kajian", "Penilaian dokumen rencana teknis", "tpt", reads=["gambar"], writes=["ba"])
    p.plain("setuju_kabid", "Persetujuan Kepala Bidang Cipta Karya", "kabid", reads=["ba"])
    p.plain("sah_kadis", "Pengesahan dan tanda tangan Kepala Dinas", "kadis", writes=["sk"])
    p.plain("serah", "Serahkan SK PBG", "loket", reads=["sk"])
    p.end("end", "SK PBG diserahkan", "loket")
    p.chain("start", "terima", "verif_adm", "gw1")
    p.flow("gw1", "periksa_adm", "Ya", "${berkas_lengkap}")
    p.flow("gw1", "end_tolak", "Tidak", default=True)
    p.chain("periksa_adm", "gw2")
    p.flow("gw2", "kajian", "Ya", "${administrasi_lengkap}")
    p.flow("gw2", "end_tolak2", "Tidak", default=True)
    p.chain("kajian", "setuju_kabid", "sah_kadis", "serah", "end")
    p.expect(
        "redundant_check",
        "verif_adm",
        "periksa_adm",
        why="Both check that the administrative documents (KTP, SHM, KKPR) are complete.",
    )
    p.expect(
        "stacked_approvals",
        "setuju_kabid",
        "sah_kadis",
        why="The division head approves and the head of the agency signs, in a row.",
    )
    p.trap("The technical assessment reads the drawings, not the administrative file.")
    return p


def pbg_rumah_tinggal():
    p = Procedure(
        "pbg_rumah_tinggal",
        "PBG rumah tinggal (prototipe)",
        style="semantic",
        pool_name="DPMPTSP Kota Madiun",
        about="A simple house with a prototype design: clean, one approval, fee before payment.",
    )
    p.standard("PBG-P", "PBG rumah tinggal prototipe", 10, ["KTP", "Sertifikat"])
    for key, name in [
        ("front", "Front Office"),
        ("verifier", "Verifier"),
        ("cashier", "Cashier"),
        ("head", "Head of Office"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Application submitted",
        "front",
        form=[
            f("applicant_name", "Applicant name"),
            f("nik", "NIK"),
            upload("land_certificate", "Land certificate"),
            f("prototype_design", "Prototype design", "enum", values="t36:Type 36, t45:Type 45"),
            f("floor_area", "Floor area (m2)", "long"),
        ],
    )
    p.user(
        "register",
        "Register application",
        "front",
        [f("registration_number", "Registration number")],
    )
    p.user(
        "verify_documents",
        "Verify documents",
        "verifier",
        [
            ro("nik", "NIK"),
            ro("land_certificate", "Land certificate", "file"),
            yes_no("documents_ok", "Documents complete and valid?"),
        ],
    )
    p.xor("gw_docs", "Documents OK?", "verifier")
    p.send("notify_rejection", "Notify applicant of rejection", "front")
    p.end("end_rejected", "Rejected", "front")
    p.user(
        "assess_fee",
        "Assess retribution fee",
        "verifier",
        [
            ro("floor_area", "Floor area", "long"),
            ro("prototype_design", "Design"),
            f("fee_amount", "Fee (Rp)", "long"),
        ],
    )
    p.user(
        "verify_payment",
        "Verify payment",
        "cashier",
        [
            ro("fee_amount", "Fee (Rp)", "long"),
            upload("payment_proof", "Payment proof"),
            yes_no("paid", "Paid in full?"),
        ],
    )
    p.xor("gw_paid", "Paid?", "cashier")
    p.end("end_cancelled", "Cancelled", "cashier")
    p.user("sign", "Sign PBG", "head", [yes_no("approved", "Approved?")])
    p.xor("gw_signed", "Approved?", "head")
    p.end("end_refused", "Refused", "head")
    p.user(
        "issue", "Issue PBG and notify applicant", "front", [f("permit_number", "Permit number")]
    )
    p.end("end_issued", "PBG issued", "front")
    p.chain("start", "register", "verify_documents", "gw_docs")
    p.flow("gw_docs", "assess_fee", "ok", "documents_ok")
    p.flow("gw_docs", "notify_rejection", "not ok", default=True)
    p.chain("notify_rejection", "end_rejected")
    p.chain("assess_fee", "verify_payment", "gw_paid")
    p.flow("gw_paid", "sign", "paid", "paid")
    p.flow("gw_paid", "end_cancelled", "not paid", default=True)
    p.chain("sign", "gw_signed")
    p.flow("gw_signed", "issue", "approved", "approved")
    p.flow("gw_signed", "end_refused", default=True)
    p.chain("issue", "end_issued")
    p.trap("'Verify documents' and 'Verify payment' share a verb, not an object.")
    p.trap("The fee assessment feeds the payment; one approval only; issuing is not approving.")
    p.trap("Registration and notification record data nothing reads, and are still needed.")
    return p


def slf_kota_surabaya():
    p = Procedure(
        "slf_kota_surabaya",
        "Sertifikat Laik Fungsi (SLF)",
        style="bpmnio",
        pool_name="Dinas Perumahan Rakyat dan Kawasan Permukiman",
        about="Certificate of occupancy: a costly site survey before a quick PBG check that "
        "rejects often; two independent inspections in sequence.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("survei", "Tim Survei Lapangan"),
        ("admin", "Petugas Administrasi"),
        ("struktur", "Tim Teknis Struktur"),
        ("damkar", "Dinas Pemadam Kebakaran"),
        ("kadis", "Kepala Dinas"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan SLF",
        "loket",
        form=[
            f("nama_pemilik", "Nama pemilik"),
            f("alamat", "Alamat bangunan"),
            f("nomor_pbg", "Nomor PBG"),
            upload("dokumen_pbg", "Dokumen PBG"),
            upload("as_built", "Gambar as built drawing"),
            upload("laporan_pengkaji", "Laporan pengkajian teknis"),
        ],
    )
    p.user("reg", "Registrasi permohonan SLF", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "survei",
        "Survei lapangan bangunan",
        "survei",
        [
            ro("alamat", "Alamat"),
            yes_no("bangunan_ada", "Bangunan sesuai alamat dan berdiri?"),
            upload("foto_survei", "Foto survei"),
        ],
        props={"duration": 2, "rejection": 0.05},
    )
    p.xor("gw_survei", "Bangunan ada?", "survei")
    p.end("end_tolak1", "Ditolak", "survei")
    p.user(
        "cek_pbg",
        "Cek kesesuaian dengan PBG terbit",
        "admin",
        [
            ro("nomor_pbg", "Nomor PBG"),
            ro("dokumen_pbg", "PBG", "file"),
            yes_no("pbg_sesuai", "PBG terdaftar dan sesuai?"),
        ],
        props={"duration": 0.25, "rejection": 0.3},
    )
    p.xor("gw_pbg", "PBG sesuai?", "admin")
    p.end("end_tolak2", "Ditolak: PBG tidak sesuai", "admin")
    p.user(
        "struktur",
        "Pemeriksaan kelaikan struktur",
        "struktur",
        [
            ro("as_built", "As built", "file"),
            ro("laporan_pengkaji", "Laporan pengkajian", "file"),
            yes_no("struktur_laik", "Struktur laik?"),
        ],
    )
    p.user(
        "kebakaran",
        "Pemeriksaan sistem proteksi kebakaran",
        "damkar",
        [
            ro("as_built", "As built", "file"),
            yes_no("proteksi_laik", "Proteksi kebakaran laik?"),
            upload("ba_damkar", "BA pemeriksaan Damkar"),
        ],
    )
    p.xor("gw_laik", "Laik fungsi?", "admin")
    p.end("end_tolak3", "Tidak laik fungsi", "admin")
    p.user("ttd", "Penandatanganan SLF oleh Kepala Dinas", "kadis", [f("nomor_slf", "Nomor SLF")])
    p.user("serah", "Serahkan SLF", "loket", [f("tanggal_serah", "Tanggal serah", "date")])
    p.end("end", "SLF terbit", "loket")
    p.chain("start", "reg", "survei", "gw_survei")
    p.flow("gw_survei", "cek_pbg", "ada", "${bangunan_ada}")
    p.flow("gw_survei", "end_tolak1", default=True)
    p.chain("cek_pbg", "gw_pbg")
    p.flow("gw_pbg", "struktur", "sesuai", "${pbg_sesuai}")
    p.flow("gw_pbg", "end_tolak2", default=True)
    p.chain("struktur", "kebakaran", "gw_laik")
    p.flow("gw_laik", "ttd", "laik", "${struktur_laik and proteksi_laik}")
    p.flow("gw_laik", "end_tolak3", default=True)
    p.chain("ttd", "serah", "end")
    p.expect(
        "knockout_order",
        "cek_pbg",
        "survei",
        why="The PBG check takes a quarter day and rejects 30%; the survey takes two days "
        "and rejects 5%, and the PBG check needs nothing from the survey.",
    )
    p.expect(
        "parallelizable",
        "struktur",
        "kebakaran",
        why="The structural team and the fire department inspect independently; the "
        "gateway after them reads both results.",
    )
    p.trap(
        "Survey and PBG check share no data, but sit on either side of a gateway: they are "
        "a knock-out order question, not a parallel pair."
    )
    return p


def reklame_kota_bandung():
    p = Procedure(
        "reklame_kota_bandung",
        "Signage permit (Izin Reklame)",
        style="bpmnio",
        pool_name="DPMPTSP Kota Bandung",
        about="Signage permit drawn in English: three sign-offs in one 'Management' lane, an "
        "identity check done twice, a legitimate loop over billboard locations.",
    )
    for key, name in [
        ("fo", "Front Office"),
        ("tech", "Technical Team"),
        ("cashier", "Cashier"),
        ("mgmt", "Management"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Application received",
        "fo",
        form=[
            f("applicant_name", "Applicant name"),
            f("nik", "NIK"),
            upload("ktp", "Identity card (KTP)"),
            f("sign_location", "Sign location"),
            f("sign_size_m2", "Sign size (m2)", "long"),
            f(
                "sign_type",
                "Sign type",
                "enum",
                values="billboard:Billboard, neon:Neon box, banner:Banner",
            ),
            upload("design", "Billboard design"),
        ],
    )
    p.user(
        "register",
        "Register application",
        "fo",
        [f("registration_no", "Registration no."), f("received_date", "Received", "date")],
    )
    p.user(
        "check_id",
        "Check identity card",
        "fo",
        [
            ro("nik", "NIK"),
            ro("ktp", "Identity card (KTP)", "file"),
            yes_no("identity_valid", "Identity valid?"),
        ],
    )
    p.xor("gw_id", "ID valid?", "fo")
    p.end("end_rejected_id", "Rejected", "fo")
    p.user(
        "survey",
        "Survey billboard location",
        "tech",
        [
            ro("sign_location", "Location"),
            yes_no("location_ok", "Location permitted?"),
            f("survey_notes", "Survey notes"),
            yes_no("more_locations", "Another location to survey?"),
        ],
    )
    p.xor("gw_more", "Another location?", "tech")
    p.xor("gw_location", "Location permitted?", "tech")
    p.end("end_rejected_loc", "Rejected: location", "tech")
    p.user(
        "validate_ktp",
        "Validate KTP of applicant",
        "tech",
        [ro("nik", "NIK"), ro("ktp", "KTP", "file"), yes_no("ktp_valid", "KTP valid?")],
    )
    p.xor("gw_ktp", "KTP valid?", "tech")
    p.end("end_rejected_ktp", "Rejected", "tech")
    p.user(
        "assess",
        "Assess signage fee",
        "cashier",
        [
            ro("sign_size_m2", "Size", "long"),
            ro("sign_type", "Type"),
            f("fee_amount", "Fee (Rp)", "long"),
        ],
    )
    p.user(
        "record_payment",
        "Record fee payment",
        "cashier",
        [f("payment_ref", "Payment reference"), f("paid_on", "Paid on", "date")],
    )
    p.user(
        "section_head",
        "Section head review",
        "mgmt",
        [yes_no("approved_kasi", "Approved by section head?")],
    )
    p.user(
        "division_head",
        "Division head approval",
        "mgmt",
        [yes_no("approved_kabid", "Approved by division head?")],
    )
    p.user(
        "head_sign", "Head of office signs permit", "mgmt", [f("signed_on", "Signed on", "date")]
    )
    p.user("issue", "Issue signage permit", "fo", [f("permit_no", "Permit number")])
    p.end("end_issued", "Permit issued", "fo")
    p.chain("start", "register", "check_id", "gw_id")
    p.flow("gw_id", "survey", "valid", "${identity_valid}")
    p.flow("gw_id", "end_rejected_id", "invalid", default=True)
    p.chain("survey", "gw_more")
    p.flow("gw_more", "survey", "yes", "${more_locations}")
    p.flow("gw_more", "gw_location", "no", default=True)
    p.flow("gw_location", "validate_ktp", "yes", "${location_ok}")
    p.flow("gw_location", "end_rejected_loc", "no", default=True)
    p.chain("validate_ktp", "gw_ktp")
    p.flow("gw_ktp", "assess", "valid", "${ktp_valid}")
    p.flow("gw_ktp", "end_rejected_ktp", default=True)
    p.chain(
        "assess",
        "record_payment",
        "section_head",
        "division_head",
        "head_sign",
        "issue",
        "end_issued",
    )
    applicant(p, "start", ["end_issued"], name="Applicant")
    p.expect(
        "redundant_check",
        "check_id",
        "validate_ktp",
        why="Both check the applicant's KTP and NIK for the same yes/no question.",
    )
    p.expect(
        "stacked_approvals",
        "section_head",
        "division_head",
        "head_sign",
        why="Section head, division head and head of office sign off in a row, in one lane.",
    )
    p.trap("'Assess signage fee' then 'Issue signage permit' are not approvals.")
    p.trap(
        "'Register application' and 'Record fee payment' record data no form reads; both "
        "are needed (intake, payment)."
    )
    p.trap("The loop over billboard locations is an iteration, not rework.")
    return p


def reklame_insidentil_bantul():
    p = Procedure(
        "reklame_insidentil_bantul",
        "Izin Reklame Insidentil",
        style="semantic",
        pool_name="DPMPTSP Kabupaten Bantul",
        about="Temporary signage: clean. Tax computed, assessment letter, payment, one signature.",
    )
    for key, name in [
        ("loket", "Petugas Loket"),
        ("teknis", "Tim Teknis Reklame"),
        ("bendahara", "Bendahara Penerimaan"),
        ("kadis", "Kepala Dinas"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan diterima",
        "loket",
        form=[
            f("nama", "Nama pemohon"),
            f("nik", "NIK"),
            f("lokasi_reklame", "Lokasi reklame"),
            f("jumlah_titik", "Jumlah titik", "long"),
            f("lama_hari", "Lama pemasangan (hari)", "long"),
            upload("desain", "Desain reklame"),
        ],
    )
    p.user("registrasi", "Registrasi permohonan", "loket", [f("no_registrasi", "Nomor registrasi")])
    p.user(
        "verifikasi",
        "Verifikasi berkas dan lokasi",
        "teknis",
        [
            ro("desain", "Desain", "file"),
            ro("lokasi_reklame", "Lokasi"),
            yes_no("layak", "Layak dipasang?"),
        ],
    )
    p.xor("gw_layak", "Layak?", "teknis")
    p.send("surat_tolak", "Kirim surat penolakan", "loket")
    p.end("end_tolak", "Ditolak", "loket")
    p.user(
        "hitung",
        "Hitung pajak reklame",
        "teknis",
        [
            ro("jumlah_titik", "Titik", "long"),
            ro("lama_hari", "Hari", "long"),
            f("pajak_reklame", "Pajak (Rp)", "long"),
        ],
    )
    p.user(
        "skpd",
        "Terbitkan SKPD",
        "bendahara",
        [ro("pajak_reklame", "Pajak (Rp)", "long"), f("nomor_skpd", "Nomor SKPD")],
    )
    p.user(
        "bayar",
        "Konfirmasi pembayaran pajak",
        "bendahara",
        [ro("nomor_skpd", "Nomor SKPD"), yes_no("lunas", "Lunas?")],
    )
    p.boundary("batas", "7 hari belum bayar", "bayar", timer="P7D")
    p.end("end_batal", "Batal", "bendahara")
    p.user("ttd", "Tanda tangan izin reklame", "kadis", [f("tanggal_ttd", "Tanggal", "date")])
    p.user("terbit", "Terbitkan dan kirim izin", "loket", [f("nomor_izin", "Nomor izin")])
    p.end("end", "Izin terbit", "loket")
    p.chain("start", "registrasi", "verifikasi", "gw_layak")
    p.flow("gw_layak", "hitung", "layak", "layak")
    p.flow("gw_layak", "surat_tolak", "tidak", default=True)
    p.chain("surat_tolak", "end_tolak")
    p.chain("hitung", "skpd", "bayar", "ttd", "terbit", "end")
    p.chain("batas", "end_batal")
    p.trap("Tax -> assessment letter (SKPD) -> payment: each needs the one before.")
    p.trap("'Terbitkan SKPD' and 'Terbitkan dan kirim izin' are issuing, not approving.")
    return p


def menara_telekomunikasi():
    p = Procedure(
        "menara_telekomunikasi",
        "Tower permit (Izin Menara Telekomunikasi)",
        style="mixed",
        pool_name="DPMPTSP Kabupaten Sidoarjo",
        about="Telecom tower: Kominfo and the technical team review one after the other; a "
        "paper control sheet nobody uses.",
    )
    for key, name in [
        ("fo", "Front Office"),
        ("tech", "Technical Team"),
        ("kominfo", "Dinas Kominfo"),
        ("cashier", "Cashier"),
        ("head", "Head of Office"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Application",
        "fo",
        form=[
            f("company", "Company"),
            f("nib", "NIB"),
            f("tower_height", "Tower height (m)", "long"),
            f("location", "Location"),
            f("coordinates", "Coordinates"),
            upload("land_rights", "Land rights / lease"),
            upload("structure_calc", "Structural calculation"),
        ],
    )
    p.user("register", "Register application", "fo", [f("reg_no", "Registration no.")])
    p.user(
        "check_docs",
        "Check documents",
        "fo",
        [
            ro("land_rights", "Land rights", "file"),
            ro("structure_calc", "Structural calculation", "file"),
            yes_no("complete", "Complete?"),
        ],
    )
    p.xor("gw_complete", "Complete?", "fo")
    p.end("end_returned", "Returned", "fo")
    p.user(
        "kominfo_rec",
        "Kominfo recommendation on tower sharing",
        "kominfo",
        [ro("coordinates", "Coordinates"), yes_no("sharing_ok", "Tower sharing plan acceptable?")],
    )
    p.user(
        "tech_review",
        "Technical review of tower structure",
        "tech",
        [
            ro("structure_calc", "Structural calculation", "file"),
            ro("tower_height", "Height", "long"),
            yes_no("structure_ok", "Structure acceptable?"),
        ],
    )
    p.xor("gw_ok", "Both acceptable?", "tech")
    p.end("end_rejected", "Rejected", "tech")
    p.user(
        "control_sheet",
        "Fill in paper control sheet",
        "tech",
        [f("control_sheet_no", "Control sheet no."), f("control_notes", "Notes")],
    )
    p.user(
        "fee",
        "Calculate retribution",
        "tech",
        [ro("tower_height", "Height", "long"), f("retribution", "Retribution (Rp)", "long")],
    )
    p.user("pay", "Confirm payment", "cashier", [f("payment_ref", "Payment reference")])
    p.user("sign", "Sign tower permit", "head", [f("signed_on", "Signed on", "date")])
    p.user("publish", "Publish permit", "fo", [f("permit_no", "Permit no.")])
    p.end("end", "Permit published", "fo")
    p.chain("start", "register", "check_docs", "gw_complete")
    p.flow("gw_complete", "kominfo_rec", "yes", "complete")
    p.flow("gw_complete", "end_returned", default=True)
    p.chain("kominfo_rec", "tech_review", "gw_ok")
    p.flow("gw_ok", "control_sheet", "yes", "sharing_ok and structure_ok")
    p.flow("gw_ok", "end_rejected", default=True)
    p.chain("control_sheet", "fee", "pay", "sign", "publish", "end")
    p.expect(
        "parallelizable",
        "kominfo_rec",
        "tech_review",
        why="Kominfo's tower-sharing recommendation and the structural review use different "
        "data and are done by different agencies; the gateway reads both.",
    )
    p.expect(
        "no_effect_step",
        "control_sheet",
        why="The paper control sheet copies the case into a number and notes that no later "
        "step, condition, letter or payment uses.",
    )
    p.trap("Fee calculation then payment; signing then publishing.")
    return p


PROCEDURES = [
    pbg_kota_semarang,
    pbg_kab_klaten_signavio,
    pbg_rumah_tinggal,
    slf_kota_surabaya,
    reklame_kota_bandung,
    reklame_insidentil_bantul,
    menara_telekomunikasi,
]
