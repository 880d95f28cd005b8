"""Population administration (Disdukcapil): KTP-el, Kartu Keluarga, birth certificates."""

from __future__ import annotations

from builder import Procedure, f, ro, upload, yes_no


def ktp_el_kecamatan():
    p = Procedure(
        "ktp_el_kecamatan",
        "Penerbitan KTP-el",
        style="semantic",
        pool_name="Kecamatan Cilandak - Layanan Adminduk",
        about="KTP-el at a sub-district office: NIK checked in SIAK at the counter and again by "
        "the operator, a manual register book nobody reads, printing then handover.",
    )
    for key, name in [
        ("reg", "Petugas Registrasi"),
        ("siak", "Operator SIAK"),
        ("rekam", "Operator Perekaman"),
        ("cetak", "Petugas Cetak"),
    ]:
        p.lane(key, name)
    p.store("db_siak", "Database SIAK")
    p.start(
        "start",
        "Pemohon datang",
        "reg",
        form=[
            f("nama", "Nama lengkap"),
            f("nik", "NIK", req=True),
            f("no_kk", "Nomor KK"),
            f("tanggal_lahir", "Tanggal lahir", "date"),
            f("jenis", "Jenis permohonan", "enum", values="baru:Baru, rusak:Rusak, hilang:Hilang"),
            upload("kk_scan", "Scan Kartu Keluarga"),
        ],
    )
    p.user(
        "registrasi", "Registrasi permohonan KTP-el", "reg", [f("nomor_antrian", "Nomor antrian")]
    )
    p.user(
        "cek_nik",
        "Cek NIK pemohon di SIAK",
        "reg",
        [
            ro("nik", "NIK"),
            ro("no_kk", "Nomor KK"),
            yes_no("nik_terdaftar", "NIK terdaftar di SIAK?"),
        ],
        reads=["db_siak"],
    )
    p.xor("gw_nik", "NIK terdaftar?", "reg")
    p.user("arahkan", "Arahkan ke pencatatan biodata", "reg", [f("catatan_arahan", "Catatan")])
    p.end("end_biodata", "Diarahkan ke Dukcapil", "reg")
    p.user(
        "buku",
        "Catat di buku register manual kecamatan",
        "reg",
        [f("no_buku_register", "Nomor buku register"), f("catatan_register", "Catatan")],
    )
    p.user(
        "verif_data",
        "Verifikasi data kependudukan",
        "siak",
        [
            ro("nik", "NIK"),
            ro("no_kk", "Nomor KK"),
            ro("kk_scan", "Kartu Keluarga", "file"),
            yes_no("data_valid", "Data sesuai SIAK?"),
            f("ketidaksesuaian", "Ketidaksesuaian"),
        ],
        reads=["db_siak"],
    )
    p.xor("gw_data", "Data sesuai?", "siak")
    p.user(
        "perbaiki",
        "Perbaiki data kependudukan",
        "siak",
        [ro("ketidaksesuaian", "Ketidaksesuaian"), upload("dokumen_koreksi", "Dokumen koreksi")],
        writes=["db_siak"],
    )
    p.xor("gw_rekam", "Sudah pernah rekam?", "siak")
    p.user("rekam", "Perekaman biometrik", "rekam", [yes_no("biometrik_ok", "Perekaman berhasil")])
    p.xor("gw_rekam_done", "", "cetak")
    p.user("cetak", "Cetak KTP-el", "cetak", [f("nomor_seri_blangko", "Nomor seri blangko")])
    p.user(
        "serah",
        "Serahkan KTP-el",
        "reg",
        [f("diterima_oleh", "Diterima oleh"), f("tanggal_serah", "Tanggal", "date")],
    )
    p.end("end", "KTP-el diserahkan", "reg")
    p.chain("start", "registrasi", "buku", "cek_nik", "gw_nik")
    p.flow("gw_nik", "verif_data", "terdaftar", "nik_terdaftar")
    p.flow("gw_nik", "arahkan", "tidak", default=True)
    p.chain("arahkan", "end_biodata")
    p.chain("verif_data", "gw_data")
    p.flow("gw_data", "gw_rekam", "sesuai", "data_valid")
    p.flow("gw_data", "perbaiki", "tidak sesuai", default=True)
    p.flow("perbaiki", "verif_data")
    p.flow("gw_rekam", "rekam", "baru", 'jenis == "baru"')
    p.flow("gw_rekam", "gw_rekam_done", "sudah", default=True)
    p.chain("rekam", "gw_rekam_done")
    p.chain("gw_rekam_done", "cetak", "serah", "end")
    p.expect(
        "no_effect_step",
        "buku",
        why="The manual register book copies what SIAK already holds; no later step, "
        "condition or document uses its number or notes.",
    )
    p.expect(
        "redundant_check",
        "cek_nik",
        "verif_data",
        why="The counter and the SIAK operator both check the NIK and KK number against SIAK.",
    )
    p.expect(
        "rework_loop",
        "verif_data",
        "gw_data",
        "perbaiki",
        why="Data that does not match SIAK is corrected and verified again.",
    )
    p.trap("Printing then handing over the KTP-el: the handover needs the printed card.")
    p.trap("Registration only gives a queue number; it is the intake, not a no-effect step.")
    p.trap(
        "Biometric recording records a flag nothing reads; it captures the biometrics the "
        "card needs."
    )
    return p


def kk_perubahan():
    p = Procedure(
        "kk_perubahan",
        "Perubahan Kartu Keluarga",
        style="bpmnio",
        pool_name="Disdukcapil Kabupaten Gresik",
        about="Change of family card: the counter and the verifier check the same requirements; "
        "section head and head of agency sign off in a row.",
    )
    for key, name in [
        ("loket", "Loket Pelayanan"),
        ("verif", "Verifikator"),
        ("kasi", "Kasi Pendaftaran Penduduk"),
        ("kadis", "Kepala Dinas"),
        ("cetak", "Operator Cetak"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan perubahan KK",
        "loket",
        form=[
            f("nik_kepala_keluarga", "NIK kepala keluarga"),
            f("no_kk", "Nomor KK"),
            f(
                "jenis_perubahan",
                "Jenis perubahan",
                "enum",
                values="tambah:Penambahan anggota, kurang:Pengurangan anggota, data:Perubahan data",
            ),
            upload("kk_lama", "KK lama"),
            upload("surat_pengantar_rt", "Surat pengantar RT/RW"),
            upload("dokumen_pendukung", "Dokumen pendukung"),
        ],
    )
    p.user("terima", "Penerimaan berkas", "loket", [f("no_tanda_terima", "Nomor tanda terima")])
    p.user(
        "cek",
        "Pemeriksaan berkas persyaratan",
        "loket",
        [
            ro("kk_lama", "KK lama", "file"),
            ro("surat_pengantar_rt", "Surat pengantar RT/RW", "file"),
            ro("dokumen_pendukung", "Dokumen pendukung", "file"),
            yes_no("berkas_lengkap", "Berkas lengkap?"),
        ],
    )
    p.xor("gw_cek", "Lengkap?", "loket")
    p.end("end_kembali", "Berkas dikembalikan", "loket")
    p.user(
        "validasi",
        "Validasi dokumen persyaratan",
        "verif",
        [
            ro("kk_lama", "Kartu keluarga lama", "file"),
            ro("surat_pengantar_rt", "Pengantar RT", "file"),
            ro("dokumen_pendukung", "Dokumen pendukung", "file"),
            yes_no("persyaratan_lengkap", "Persyaratan lengkap dan sah?"),
        ],
    )
    p.xor("gw_val", "Sah?", "verif")
    p.end("end_tolak", "Ditolak", "verif")
    p.user(
        "entri",
        "Entri perubahan data di SIAK",
        "verif",
        [ro("jenis_perubahan", "Jenis perubahan"), f("data_baru", "Data baru")],
    )
    p.user(
        "setuju_kasi",
        "Persetujuan Kasi Pendaftaran Penduduk",
        "kasi",
        [ro("data_baru", "Data baru"), yes_no("disetujui_kasi", "Disetujui?")],
    )
    p.user(
        "tte",
        "Tanda tangan elektronik (TTE) Kepala Dinas",
        "kadis",
        [f("tanggal_tte", "Tanggal TTE", "date")],
    )
    p.user("cetak_kk", "Cetak KK baru", "cetak", [f("no_kk_baru", "Nomor KK baru")])
    p.end("end", "KK baru diserahkan", "cetak")
    p.chain("start", "terima", "cek", "gw_cek")
    p.flow("gw_cek", "validasi", "lengkap", "${berkas_lengkap}")
    p.flow("gw_cek", "end_kembali", "tidak", default=True)
    p.chain("validasi", "gw_val")
    p.flow("gw_val", "entri", "sah", "${persyaratan_lengkap}")
    p.flow("gw_val", "end_tolak", default=True)
    p.chain("entri", "setuju_kasi", "tte", "cetak_kk", "end")
    p.expect(
        "redundant_check",
        "cek",
        "validasi",
        why="The counter and the verifier check the same three documents for completeness.",
    )
    p.expect(
        "stacked_approvals",
        "setuju_kasi",
        "tte",
        why="The section head approves and the head of agency signs, one after the other.",
    )
    p.trap("Data entry in SIAK is read by the section head's approval (data_baru).")
    return p


def akta_kelahiran():
    p = Procedure(
        "akta_kelahiran",
        "Penerbitan Akta Kelahiran",
        style="semantic",
        pool_name="Disdukcapil Kota Yogyakarta",
        about="Birth certificate: clean. Data entry, one signature, printing, archiving, handover.",
    )
    for key, name in [
        ("loket", "Petugas Loket"),
        ("operator", "Operator Pencatatan Sipil"),
        ("pejabat", "Pejabat Pencatatan Sipil"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan akta",
        "loket",
        form=[
            f("nama_anak", "Nama anak"),
            f("tanggal_lahir", "Tanggal lahir", "date"),
            f("nik_ibu", "NIK ibu"),
            f("nik_ayah", "NIK ayah"),
            upload("surat_keterangan_lahir", "Surat keterangan lahir"),
            upload("kk", "Kartu keluarga"),
            upload("buku_nikah", "Buku nikah / akta perkawinan"),
        ],
    )
    p.user("registrasi", "Registrasi", "loket", [f("nomor_registrasi", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi berkas",
        "loket",
        [
            ro("surat_keterangan_lahir", "SKL", "file"),
            ro("kk", "KK", "file"),
            ro("buku_nikah", "Buku nikah", "file"),
            yes_no("lengkap", "Lengkap?"),
        ],
    )
    p.xor("gw", "Lengkap?", "loket")
    p.send("info_kurang", "Informasikan kekurangan berkas", "loket")
    p.end("end_kurang", "Berkas belum lengkap", "loket")
    p.user(
        "entri",
        "Entri data kelahiran di SIAK",
        "operator",
        [
            ro("nama_anak", "Nama anak"),
            ro("tanggal_lahir", "Tanggal lahir", "date"),
            f("nomor_akta", "Nomor akta"),
        ],
    )
    p.user(
        "ttd",
        "Tanda tangan Pejabat Pencatatan Sipil",
        "pejabat",
        [ro("nomor_akta", "Nomor akta"), f("tanggal_ttd", "Tanggal", "date")],
    )
    p.user(
        "cetak",
        "Cetak kutipan akta kelahiran",
        "loket",
        [ro("nomor_akta", "Nomor akta"), f("nomor_blangko", "Nomor blangko")],
    )
    p.user(
        "arsip", "Arsipkan berkas fisik", "loket", [f("lokasi_arsip", "Lokasi arsip (rak/boks)")]
    )
    p.user("serah", "Serahkan akta kepada pemohon", "loket", [f("diterima_oleh", "Diterima oleh")])
    p.end("end", "Akta diserahkan", "loket")
    p.chain("start", "registrasi", "verif", "gw")
    p.flow("gw", "entri", "lengkap", "lengkap")
    p.flow("gw", "info_kurang", "kurang", default=True)
    p.chain("info_kurang", "end_kurang")
    p.chain("entri", "ttd", "cetak", "arsip", "serah", "end")
    p.trap("Archiving the paper file records a shelf number nothing reads; records must be kept.")
    p.trap("Printing after signing, handing over after printing.")
    return p


PROCEDURES = [ktp_el_kecamatan, kk_perubahan, akta_kelahiran]
