"""Complaints, research and environmental permits, kecamatan services, and procedures
with drawing mistakes (structural errors)."""

from __future__ import annotations

from builder import Procedure, f, ro, upload, yes_no


def pengaduan_lapor():
    p = Procedure(
        "pengaduan_lapor",
        "Pengelolaan Pengaduan (SP4N-LAPOR!)",
        style="bpmnio",
        pool_name="Inspektorat Kota Surakarta",
        about="Complaint handling: a follow-up sent back when it is inadequate and again when the "
        "complainant is not satisfied; a wait for the response with a timeout.",
    )
    for key, name in [
        ("admin", "Admin Pengaduan"),
        ("unit", "Unit Terkait"),
        ("head", "Kepala Kantor"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Pengaduan masuk",
        "admin",
        event="message",
        message="Pengaduan",
        form=[
            f("nama_pelapor", "Nama pelapor"),
            f("kontak", "Kontak"),
            f("isi_pengaduan", "Isi pengaduan"),
            f("kanal", "Kanal", "enum", values="lapor:LAPOR!, loket:Loket, surel:Surel"),
            upload("bukti", "Bukti pendukung"),
        ],
    )
    p.user(
        "verif",
        "Verifikasi pengaduan",
        "admin",
        [
            ro("isi_pengaduan", "Isi"),
            f("kelayakan", "Kelayakan", "enum", values="layak:Layak, tidak:Tidak layak"),
        ],
    )
    p.xor("gw_layak", "Layak?", "admin")
    p.send("info_tidak_layak", "Informasikan pengaduan tidak layak", "admin")
    p.end("end_tidak_layak", "Ditutup", "admin")
    p.user(
        "disposisi",
        "Klasifikasi dan disposisi",
        "admin",
        [f("kategori", "Kategori"), f("unit_tujuan", "Unit tujuan")],
    )
    p.user(
        "tindak",
        "Tindak lanjut pengaduan",
        "unit",
        [
            ro("isi_pengaduan", "Isi"),
            ro("kategori", "Kategori"),
            f("jawaban", "Jawaban"),
            upload("dokumen_tl", "Dokumen tindak lanjut"),
        ],
    )
    p.user(
        "verif_tl",
        "Verifikasi tindak lanjut",
        "admin",
        [
            ro("jawaban", "Jawaban"),
            ro("dokumen_tl", "Dokumen", "file"),
            yes_no("tl_memadai", "Memadai?"),
        ],
    )
    p.xor("gw_tl", "Tindak lanjut memadai?", "admin")
    p.user(
        "publikasi",
        "Publikasikan tindak lanjut ke pelapor",
        "admin",
        [f("tanggal_publikasi", "Tanggal publikasi", "date")],
    )
    p.eventgw("gw_tunggu", "Pelapor menanggapi?", "admin")
    p.catch("tanggapan", "Tanggapan pelapor diterima", "admin", message="TanggapanPelapor")
    p.catch("timeout", "10 hari tanpa tanggapan", "admin", timer="P10D")
    p.end("end_otomatis", "Ditutup otomatis", "admin")
    p.user(
        "tinjau",
        "Tinjau tanggapan pelapor",
        "admin",
        [f("penilaian", "Penilaian", "enum", values="puas:Puas, tidak:Tidak puas")],
    )
    p.xor("gw_puas", "Puas?", "admin")
    p.end("end_selesai", "Selesai", "admin")
    p.chain("start", "verif", "gw_layak")
    p.flow("gw_layak", "disposisi", "layak", 'kelayakan == "layak"')
    p.flow("gw_layak", "info_tidak_layak", default=True)
    p.chain("info_tidak_layak", "end_tidak_layak")
    p.chain("disposisi", "tindak", "verif_tl", "gw_tl")
    p.flow("gw_tl", "publikasi", "memadai", "tl_memadai")
    p.flow("gw_tl", "tindak", "kurang", default=True)
    p.chain("publikasi", "gw_tunggu")
    p.chain("gw_tunggu", "tanggapan", "tinjau", "gw_puas")
    p.chain("gw_tunggu", "timeout", "end_otomatis")
    p.flow("gw_puas", "end_selesai", "puas", 'penilaian == "puas"')
    p.flow("gw_puas", "tindak", "tidak puas", default=True)
    p.pool("pelapor", "Pelapor", blackbox=True)
    p.message_flow("pelapor", "start", "Pengaduan")
    p.message_flow("publikasi", "pelapor", "Tindak lanjut")
    p.message_flow("pelapor", "tanggapan", "Tanggapan")
    p.expect(
        "rework_loop",
        "tindak",
        "gw_tl",
        "verif_tl",
        why="An inadequate follow-up goes back to the unit and is verified again.",
    )
    p.expect(
        "rework_loop",
        "tindak",
        "gw_puas",
        "verif_tl",
        "publikasi",
        "tinjau",
        why="An unsatisfied complainant sends the case back to the unit for another follow-up.",
    )
    p.trap("'Verifikasi pengaduan' and 'Verifikasi tindak lanjut' check different things.")
    p.trap("Waiting for the complainant's response (event gateway, timeout) is not a loop.")
    return p


def pengaduan_sederhana():
    p = Procedure(
        "pengaduan_sederhana",
        "Pengaduan Pelayanan Perizinan",
        style="semantic",
        pool_name="DPMPTSP Kabupaten Banyumas",
        about="Complaints about permit services: clean. An optional survey, a drafted answer, one signature.",
    )
    for key, name in [
        ("petugas", "Petugas Pengaduan"),
        ("teknis", "Bidang Teknis"),
        ("kadis", "Kepala Dinas"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Pengaduan diterima",
        "petugas",
        form=[
            f("nama", "Nama"),
            f("kontak", "Kontak"),
            f("uraian", "Uraian pengaduan"),
            f("lokasi", "Lokasi"),
        ],
    )
    p.user("catat", "Catat pengaduan", "petugas", [f("nomor_tiket", "Nomor tiket")])
    p.user(
        "telaah",
        "Telaah pengaduan",
        "teknis",
        [
            ro("uraian", "Uraian"),
            f("tindakan", "Tindakan yang diperlukan"),
            yes_no("perlu_survei", "Perlu survei?"),
        ],
    )
    p.xor("gw_survei", "Perlu survei?", "teknis")
    p.user(
        "survei",
        "Survei lokasi pengaduan",
        "teknis",
        [ro("lokasi", "Lokasi"), f("hasil_survei", "Hasil survei")],
    )
    p.xor("gw_merge", "", "teknis")
    p.user(
        "jawab",
        "Susun jawaban pengaduan",
        "teknis",
        [ro("tindakan", "Tindakan"), ro("hasil_survei", "Hasil survei"), f("jawaban", "Jawaban")],
    )
    p.user("ttd", "Tanda tangan surat jawaban", "kadis", [ro("jawaban", "Jawaban")])
    p.send("kirim", "Kirim jawaban ke pelapor", "petugas")
    p.end("end", "Selesai", "petugas")
    p.chain("start", "catat", "telaah", "gw_survei")
    p.flow("gw_survei", "survei", "ya", "perlu_survei")
    p.flow("gw_survei", "gw_merge", "tidak", default=True)
    p.chain("survei", "gw_merge")
    p.chain("gw_merge", "jawab", "ttd", "kirim", "end")
    p.trap(
        "'Catat pengaduan' is the intake; the survey result is shown when the answer is drafted."
    )
    p.trap("One signature only.")
    return p


def izin_penelitian():
    p = Procedure(
        "izin_penelitian",
        "Rekomendasi Penelitian",
        style="semantic",
        pool_name="Badan Kesbangpol Provinsi Jawa Tengah",
        about="Research recommendation letter: document check and security review read the same "
        "proposal for different questions; three officials initial and sign.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("subbid", "Subbid Kewaspadaan"),
        ("kasubbid", "Kasubbid Kewaspadaan"),
        ("kabid", "Kabid Kewaspadaan Nasional"),
        ("kaban", "Kepala Badan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan rekomendasi",
        "loket",
        form=[
            f("nama_peneliti", "Nama peneliti"),
            f("nik", "NIK"),
            f("instansi", "Instansi"),
            f("judul", "Judul penelitian"),
            f("lokasi_penelitian", "Lokasi"),
            upload("proposal", "Proposal penelitian"),
            upload("surat_pengantar", "Surat pengantar kampus"),
            upload("ktp", "KTP"),
        ],
    )
    p.user("reg", "Registrasi permohonan", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi dokumen",
        "subbid",
        [
            ro("proposal", "Proposal", "file"),
            ro("surat_pengantar", "Pengantar", "file"),
            ro("ktp", "KTP", "file"),
            yes_no("lengkap", "Dokumen lengkap?"),
        ],
    )
    p.xor("gw_lengkap", "Lengkap?", "subbid")
    p.end("end_kembali", "Dikembalikan", "subbid")
    p.user(
        "telaah",
        "Telaah proposal penelitian",
        "subbid",
        [
            ro("proposal", "Proposal", "file"),
            ro("judul", "Judul"),
            yes_no("aman", "Tidak mengganggu keamanan?"),
        ],
    )
    p.xor("gw_aman", "Aman?", "subbid")
    p.end("end_tolak", "Ditolak", "subbid")
    p.user("konsep", "Konsep surat rekomendasi", "subbid", [f("nomor_surat", "Nomor surat")])
    p.user("paraf_kasubbid", "Paraf Kasubbid", "kasubbid", [ro("nomor_surat", "Nomor surat")])
    p.user("paraf_kabid", "Paraf Kabid Kewaspadaan", "kabid", [ro("nomor_surat", "Nomor surat")])
    p.user("ttd_kaban", "Tanda tangan Kepala Badan", "kaban", [ro("nomor_surat", "Nomor surat")])
    p.send("kirim", "Kirim rekomendasi ke peneliti", "loket")
    p.end("end", "Rekomendasi terbit", "loket")
    p.chain("start", "reg", "verif", "gw_lengkap")
    p.flow("gw_lengkap", "telaah", "lengkap", "lengkap")
    p.flow("gw_lengkap", "end_kembali", default=True)
    p.chain("telaah", "gw_aman")
    p.flow("gw_aman", "konsep", "aman", "aman")
    p.flow("gw_aman", "end_tolak", default=True)
    p.chain("konsep", "paraf_kasubbid", "paraf_kabid", "ttd_kaban", "kirim", "end")
    p.expect(
        "stacked_approvals",
        "paraf_kasubbid",
        "paraf_kabid",
        "ttd_kaban",
        why="Sub-division head and division head initial, then the head of agency signs.",
    )
    p.trap(
        "The document check and the security review read the same proposal for different questions."
    )
    return p


def ukl_upl():
    p = Procedure(
        "ukl_upl",
        "Persetujuan Lingkungan (UKL-UPL)",
        style="bpmnio",
        pool_name="Dinas Lingkungan Hidup Kabupaten Cirebon",
        about="Environmental approval: the sector agency's response and the technical examination "
        "one after the other, a revision loop, two sign-offs.",
    )
    for key, name in [
        ("sekretariat", "Sekretariat DLH"),
        ("sektor", "Instansi Sektor (Dinas PUPR)"),
        ("teknis", "Tim Teknis UKL-UPL"),
        ("kabid", "Kabid Tata Lingkungan"),
        ("kadis", "Kepala DLH"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Dokumen UKL-UPL diajukan",
        "sekretariat",
        form=[
            f("nama_kegiatan", "Nama kegiatan"),
            f("lokasi", "Lokasi"),
            f("nib", "NIB"),
            upload("dokumen_ukl_upl", "Dokumen UKL-UPL"),
            upload("kkpr", "KKPR"),
        ],
    )
    p.user("reg", "Registrasi dokumen UKL-UPL", "sekretariat", [f("no_reg", "Nomor registrasi")])
    p.user(
        "admin",
        "Uji administrasi dokumen",
        "sekretariat",
        [
            ro("dokumen_ukl_upl", "UKL-UPL", "file"),
            ro("kkpr", "KKPR", "file"),
            ro("nib", "NIB"),
            yes_no("adm_lengkap", "Administrasi lengkap?"),
        ],
    )
    p.xor("gw_adm", "Lengkap?", "sekretariat")
    p.end("end_kembali", "Dikembalikan", "sekretariat")
    p.user(
        "tanggapan",
        "Tanggapan instansi sektor",
        "sektor",
        [ro("dokumen_ukl_upl", "UKL-UPL", "file"), f("tanggapan_sektor", "Tanggapan")],
    )
    p.user(
        "substansi",
        "Pemeriksaan substansi UKL-UPL",
        "teknis",
        [ro("dokumen_ukl_upl", "UKL-UPL", "file"), f("catatan_teknis", "Catatan teknis")],
    )
    p.user(
        "rapat",
        "Rapat pembahasan",
        "teknis",
        [
            ro("tanggapan_sektor", "Tanggapan sektor"),
            ro("catatan_teknis", "Catatan teknis"),
            f("hasil", "Hasil", "enum", values="layak:Layak, perbaikan:Perlu perbaikan"),
        ],
    )
    p.xor("gw_hasil", "Perlu perbaikan?", "teknis")
    p.user(
        "perbaikan",
        "Perbaikan dokumen oleh pemrakarsa",
        "sekretariat",
        [upload("dokumen_ukl_upl", "Dokumen UKL-UPL (perbaikan)")],
    )
    p.user(
        "setuju_kabid", "Persetujuan Kabid Tata Lingkungan", "kabid", [yes_no("setuju", "Setuju?")]
    )
    p.user(
        "ttd_kadis",
        "Penerbitan dan tanda tangan PKPLH oleh Kepala DLH",
        "kadis",
        [f("nomor_pkplh", "Nomor PKPLH")],
    )
    p.end("end", "PKPLH terbit", "kadis")
    p.chain("start", "reg", "admin", "gw_adm")
    p.flow("gw_adm", "tanggapan", "lengkap", "adm_lengkap")
    p.flow("gw_adm", "end_kembali", default=True)
    p.chain("tanggapan", "substansi", "rapat", "gw_hasil")
    p.flow("gw_hasil", "setuju_kabid", "layak", 'hasil == "layak"')
    p.flow("gw_hasil", "perbaikan", "perbaikan", default=True)
    p.flow("perbaikan", "tanggapan")
    p.chain("setuju_kabid", "ttd_kadis", "end")
    p.expect(
        "parallelizable",
        "tanggapan",
        "substansi",
        why="The sector agency's response and the technical examination read the same "
        "document independently; the meeting needs both.",
    )
    p.expect(
        "rework_loop",
        "tanggapan",
        "gw_hasil",
        "substansi",
        "rapat",
        "perbaikan",
        why="A document that needs revision is corrected and examined again by both.",
    )
    p.expect(
        "stacked_approvals",
        "setuju_kabid",
        "ttd_kadis",
        why="The division head approves and the head of agency signs, in a row.",
    )
    p.trap("The administrative check reads the same document as the examination, for completeness.")
    return p


def izin_air_tanah():
    p = Procedure(
        "izin_air_tanah",
        "Izin Pengusahaan Air Tanah",
        style="mixed",
        pool_name="Dinas ESDM Provinsi Jawa Barat",
        about="Groundwater permit: hydrogeology and environment studies in sequence; division head "
        "initials, head of agency signs; a payment verification after document verification.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("verif", "Verifikator"),
        ("esdm", "Tim Hidrogeologi ESDM"),
        ("dlh", "Dinas Lingkungan Hidup"),
        ("kabid", "Kabid Air Tanah"),
        ("kadis", "Kepala Dinas ESDM"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan",
        "loket",
        form=[
            f("perusahaan", "Perusahaan"),
            f("lokasi_sumur", "Lokasi sumur"),
            f("debit_rencana", "Debit rencana (m3/hari)", "long"),
            upload("dokumen_teknis", "Dokumen rencana teknis sumur"),
            upload("dokumen_lingkungan", "SPPL/UKL-UPL"),
        ],
    )
    p.user("reg", "Registrasi", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif_dok",
        "Verifikasi dokumen",
        "verif",
        [
            ro("dokumen_teknis", "Dokumen teknis", "file"),
            ro("dokumen_lingkungan", "Dokumen lingkungan", "file"),
            yes_no("dok_lengkap", "Lengkap?"),
        ],
    )
    p.xor("gw_dok", "Lengkap?", "verif")
    p.end("end_kembali", "Dikembalikan", "verif")
    p.user(
        "hidro",
        "Kajian hidrogeologi",
        "esdm",
        [
            ro("lokasi_sumur", "Lokasi"),
            ro("debit_rencana", "Debit", "long"),
            f("zona_aman", "Zona", "enum", values="aman:Aman, rawan:Rawan, kritis:Kritis"),
        ],
    )
    p.user(
        "lingkungan",
        "Kajian dampak lingkungan",
        "dlh",
        [
            ro("dokumen_lingkungan", "Dokumen lingkungan", "file"),
            yes_no("lingkungan_ok", "Dampak dapat dikelola?"),
        ],
    )
    p.xor("gw_kajian", "Layak?", "verif")
    p.end("end_tolak", "Ditolak", "verif")
    p.user(
        "hitung",
        "Hitung pajak air tanah",
        "verif",
        [ro("debit_rencana", "Debit", "long"), f("pajak", "Pajak air tanah (Rp)", "long")],
    )
    p.user(
        "verif_bayar",
        "Verifikasi pembayaran pajak air tanah",
        "verif",
        [
            ro("pajak", "Pajak", "long"),
            upload("bukti_bayar", "Bukti bayar"),
            yes_no("lunas", "Lunas?"),
        ],
    )
    p.xor("gw_lunas", "Lunas?", "verif")
    p.end("end_batal", "Batal", "verif")
    p.user("paraf_kabid", "Paraf Kabid Air Tanah", "kabid", [yes_no("paraf_ok", "Diparaf")])
    p.user(
        "ttd_kadis", "Tanda tangan Kepala Dinas ESDM", "kadis", [f("tanggal", "Tanggal", "date")]
    )
    p.user("terbit", "Terbitkan izin", "loket", [f("nomor_izin", "Nomor izin")])
    p.end("end", "Izin terbit", "loket")
    p.chain("start", "reg", "verif_dok", "gw_dok")
    p.flow("gw_dok", "hidro", "lengkap", "dok_lengkap")
    p.flow("gw_dok", "end_kembali", default=True)
    p.chain("hidro", "lingkungan", "gw_kajian")
    p.flow("gw_kajian", "hitung", "layak", 'zona_aman != "kritis" and lingkungan_ok')
    p.flow("gw_kajian", "end_tolak", default=True)
    p.chain("hitung", "verif_bayar", "gw_lunas")
    p.flow("gw_lunas", "paraf_kabid", "lunas", "lunas")
    p.flow("gw_lunas", "end_batal", default=True)
    p.chain("paraf_kabid", "ttd_kadis", "terbit", "end")
    p.expect(
        "parallelizable",
        "hidro",
        "lingkungan",
        why="The hydrogeology and environment studies are independent, by different agencies.",
    )
    p.expect(
        "stacked_approvals",
        "paraf_kabid",
        "ttd_kadis",
        why="The division head initials and the head of agency signs, in a row.",
    )
    p.trap(
        "'Verifikasi dokumen' and 'Verifikasi pembayaran pajak air tanah' check different things."
    )
    p.trap("The tax is computed then its payment verified.")
    return p


def iumk_kecamatan():
    p = Procedure(
        "iumk_kecamatan",
        "Izin Usaha Mikro Kecil (IUMK)",
        style="bpmnio",
        pool_name="Kecamatan Sukmajaya (PATEN)",
        about="Micro business licence at the sub-district: clean. Draft, one signature, handover.",
    )
    for key, name in [("paten", "Petugas PATEN"), ("camat", "Camat")]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan IUMK",
        "paten",
        form=[
            f("nik", "NIK"),
            f("nama_usaha", "Nama usaha"),
            f("jenis_usaha", "Jenis usaha"),
            upload("ktp", "KTP"),
            upload("surat_pengantar", "Surat pengantar RT/RW/Kelurahan"),
            upload("foto", "Pas foto"),
        ],
    )
    p.user("reg", "Registrasi", "paten", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi berkas",
        "paten",
        [
            ro("ktp", "KTP", "file"),
            ro("surat_pengantar", "Pengantar", "file"),
            ro("foto", "Foto", "file"),
            yes_no("lengkap", "Lengkap?"),
        ],
    )
    p.xor("gw", "Lengkap?", "paten")
    p.send("kembali", "Kembalikan berkas ke pemohon", "paten")
    p.end("end_kembali", "Dikembalikan", "paten")
    p.user(
        "draft",
        "Buat draf IUMK",
        "paten",
        [ro("nama_usaha", "Nama usaha"), f("nomor_iumk", "Nomor IUMK")],
    )
    p.user("ttd", "Tanda tangan Camat", "camat", [ro("nomor_iumk", "Nomor IUMK")])
    p.user("serah", "Serahkan IUMK", "paten", [f("diterima_oleh", "Diterima oleh")])
    p.end("end", "IUMK diserahkan", "paten")
    p.chain("start", "reg", "verif", "gw")
    p.flow("gw", "draft", "lengkap", "lengkap")
    p.flow("gw", "kembali", default=True)
    p.chain("kembali", "end_kembali")
    p.chain("draft", "ttd", "serah", "end")
    p.trap("The draft is what the Camat signs.")
    return p


def ho_lama_rusak():
    p = Procedure(
        "ho_lama_rusak",
        "Izin Gangguan (HO) - versi lama",
        style="bpmnio",
        pool_name="Kantor Perizinan Kabupaten Tegal",
        about="An old nuisance-permit diagram kept after a revision: a choice joined by a "
        "parallel gateway, a leftover task, a rejection that leads nowhere.",
    )
    for key, name in [("loket", "Loket"), ("teknis", "Tim Teknis"), ("kepala", "Kepala Kantor")]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan HO",
        "loket",
        form=[
            f("nama", "Nama"),
            f("jenis_usaha", "Jenis usaha"),
            f("luas", "Luas (m2)", "long"),
            upload("persetujuan_tetangga", "Persetujuan tetangga"),
        ],
    )
    p.user("reg", "Registrasi", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi berkas",
        "loket",
        [ro("persetujuan_tetangga", "Persetujuan tetangga", "file"), yes_no("lengkap", "Lengkap?")],
    )
    p.xor("gw_lengkap", "Lengkap?", "loket")
    p.user("tolak", "Tolak permohonan", "loket", [f("alasan", "Alasan penolakan")])
    p.xor("gw_survei", "Perlu survei?", "teknis")
    p.user("survei", "Survei lokasi usaha", "teknis", [f("hasil_survei", "Hasil survei")])
    p.andgw("gw_join", "", "teknis")
    p.user("legalisir", "Legalisir manual berkas (tidak dipakai)", "loket", [f("cap", "Cap")])
    p.user("ttd", "Tanda tangan izin HO", "kepala", [f("tanggal", "Tanggal", "date")])
    p.user("serah", "Serahkan izin", "loket", [f("nomor_izin", "Nomor izin")])
    p.end("end", "Izin diserahkan", "loket")
    p.chain("start", "reg", "verif", "gw_lengkap")
    p.flow("gw_lengkap", "gw_survei", "lengkap", "lengkap")
    p.flow("gw_lengkap", "tolak", default=True)
    p.flow("gw_survei", "survei", "ya", "luas > 100")
    p.flow("gw_survei", "gw_join", "tidak", default=True)
    p.chain("survei", "gw_join")
    p.chain("gw_join", "ttd", "serah", "end")
    p.expect(
        "deadlock_gateway_pair",
        "gw_survei",
        "gw_join",
        why="The choice sends a case down one branch; the parallel join waits for both.",
    )
    p.expect(
        "unreachable",
        "legalisir",
        why="The leftover task has no incoming flow (no case gets there, so it is not "
        "also a dead end).",
    )
    p.expect("dead_end", "tolak", why="The rejection task has no outgoing flow and no end event.")
    # added on review of an extra finding of the new analysis: the survey result is read by nothing
    p.expect(
        "no_effect_step",
        "survei",
        why="The survey records a result that no condition, form or letter reads.",
    )
    return p


def rekomendasi_damkar():
    p = Procedure(
        "rekomendasi_damkar",
        "Fire safety recommendation",
        style="semantic",
        pool_name="Fire and Rescue Service, Kota Bekasi",
        about="Fire recommendation drawn in English: parallel branches merged by an exclusive "
        "gateway (no synchronisation); the fire protection plan checked twice; a dead end.",
    )
    for key, name in [
        ("desk", "Front Desk"),
        ("inspector", "Fire Inspector"),
        ("engineer", "Fire Engineer"),
        ("head", "Head of Service"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Application",
        "desk",
        form=[
            f("building", "Building"),
            f("address", "Address"),
            upload("fire_plan", "Fire protection plan"),
        ],
    )
    p.user("register", "Register application", "desk", [f("reg_no", "Registration no.")])
    p.user(
        "review_plan",
        "Review fire protection drawings",
        "engineer",
        [
            ro("fire_plan", "Fire protection plan", "file"),
            yes_no("plan_ok", "Plan meets the code?"),
        ],
    )
    p.xor("gw_plan", "Plan OK?", "engineer")
    p.user("return_file", "Return file to applicant", "desk", [f("return_reason", "Reason")])
    p.andgw("split", "", "inspector")
    p.user(
        "inspect",
        "Site inspection",
        "inspector",
        [ro("address", "Address"), yes_no("site_ok", "Site OK?")],
    )
    p.user(
        "hydrant",
        "Test hydrant pressure",
        "inspector",
        [f("pressure_bar", "Pressure (bar)", "long")],
    )
    p.xor("merge", "", "inspector")
    p.user(
        "check_plan",
        "Check fire protection plan against code",
        "engineer",
        [
            ro("fire_plan", "Fire protection drawings", "file"),
            yes_no("plan_compliant", "Compliant with code?"),
        ],
    )
    p.user(
        "sign",
        "Sign recommendation",
        "head",
        [
            ro("site_ok", "Site OK"),
            ro("pressure_bar", "Hydrant pressure", "long"),
            f("signed_on", "Signed on", "date"),
        ],
    )
    p.end("end", "Recommendation issued", "desk")
    p.chain("start", "register", "review_plan", "gw_plan")
    p.flow("gw_plan", "split", "ok", "plan_ok")
    p.flow("gw_plan", "return_file", default=True)
    p.chain("split", "inspect", "merge")
    p.chain("split", "hydrant", "merge")
    p.chain("merge", "check_plan", "sign", "end")
    p.expect(
        "deadlock_gateway_pair",
        "split",
        "merge",
        why="Both branches start; the exclusive merge lets each through, so what follows runs twice.",
    )
    p.expect("dead_end", "return_file", why="Returning the file leads nowhere: no end event.")
    p.expect(
        "redundant_check",
        "review_plan",
        "check_plan",
        why="The same fire protection plan is checked against the code twice by the engineer.",
    )
    # added on review of an extra finding of the old analysis: the second check decides nothing
    p.expect(
        "no_effect_step",
        "check_plan",
        why="Its yes/no answer is read by no gateway, form or later step: it decides nothing.",
    )
    return p


def sk_domisili():
    p = Procedure(
        "sk_domisili",
        "Surat Keterangan Domisili Usaha",
        style="mixed",
        pool_name="Kelurahan Menteng",
        about="Business domicile letter: a leftover step and an approval branch joined by a "
        "parallel gateway; otherwise simple.",
    )
    for key, name in [("pelayanan", "Petugas Pelayanan"), ("lurah", "Lurah")]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan",
        "pelayanan",
        form=[
            f("nik", "NIK"),
            f("nama_usaha", "Nama usaha"),
            f("alamat_usaha", "Alamat usaha"),
            upload("pengantar_rt", "Surat pengantar RT/RW"),
        ],
    )
    p.user(
        "verif",
        "Verifikasi pengantar RT/RW",
        "pelayanan",
        [ro("pengantar_rt", "Pengantar", "file"), yes_no("sah", "Pengantar sah?")],
    )
    p.xor("gw_sah", "Sah?", "pelayanan")
    p.user("tolak", "Beritahu pemohon: ditolak", "pelayanan", [f("alasan", "Alasan")])
    p.andgw("gw_join", "", "pelayanan")
    p.user("ttd", "Tanda tangan Lurah", "lurah", [f("tanggal", "Tanggal", "date")])
    p.end("end", "Surat terbit", "pelayanan")
    p.user("cap_lama", "Cap basah manual (prosedur lama)", "pelayanan", [f("cap", "Cap")])
    p.end("end_lama", "", "pelayanan")
    p.chain("start", "verif", "gw_sah")
    p.flow("gw_sah", "ttd", "sah", "sah")
    p.flow("gw_sah", "tolak", default=True)
    p.chain("ttd", "gw_join")
    p.chain("tolak", "gw_join")
    p.chain("gw_join", "end")
    p.chain("cap_lama", "end_lama")
    p.expect(
        "deadlock_gateway_pair",
        "gw_sah",
        "gw_join",
        why="Signed and refused cases meet at a parallel join that waits for both.",
    )
    p.expect(
        "unreachable",
        "cap_lama",
        "end_lama",
        why="The old stamping step is connected to nothing before it.",
    )
    return p


PROCEDURES = [
    pengaduan_lapor,
    pengaduan_sederhana,
    izin_penelitian,
    ukl_upl,
    izin_air_tanah,
    iumk_kecamatan,
    ho_lama_rusak,
    rekomendasi_damkar,
    sk_domisili,
]
