"""Held-out procedures: written after the analysis was finished, and measured without
changing the analysis afterwards (``benchmarks/analysis_accuracy.py --split heldout``).

Their names, lanes and fields use words the lexicon was not written for, on purpose.
"""

from __future__ import annotations

from builder import Procedure, f, ro, upload, yes_no


def sppl_umk():
    p = Procedure(
        "sppl_umk",
        "Pernyataan Kesanggupan Pengelolaan Lingkungan (SPPL) UMK",
        style="bpmnio",
        pool_name="DLH Kabupaten Kulon Progo",
        about="Environmental statement for a micro business: the business number is checked "
        "at the desk and validated again by the environment officer; a control book.",
    )
    for key, name in [
        ("desk", "Meja Layanan"),
        ("officer", "Petugas Lingkungan"),
        ("kabid", "Kepala Bidang Penataan Lingkungan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Pengajuan SPPL",
        "desk",
        form=[
            f("nama_usaha", "Nama usaha"),
            f("nib", "Nomor Induk Berusaha"),
            f("jenis_kegiatan", "Jenis kegiatan"),
            f("alamat", "Alamat kegiatan"),
            upload("surat_pernyataan", "Surat pernyataan bermeterai"),
        ],
    )
    p.user("terima", "Terima pengajuan", "desk", [f("nomor_tanda_terima", "Nomor tanda terima")])
    p.user(
        "cek_nib",
        "Cek NIB pelaku usaha",
        "desk",
        [ro("nib", "NIB"), yes_no("nib_aktif", "NIB aktif?")],
    )
    p.xor("gw_nib", "NIB aktif?", "desk")
    p.end("end_tolak", "Ditolak", "desk")
    p.user(
        "buku_kontrol",
        "Catat ke buku kontrol SPPL",
        "desk",
        [f("halaman_buku", "Halaman buku kontrol"), f("paraf_petugas", "Paraf petugas (nama)")],
    )
    p.user(
        "validasi_nib",
        "Validasi nomor induk berusaha",
        "officer",
        [ro("nib", "Nomor Induk Berusaha"), yes_no("nib_terdaftar", "NIB terdaftar dan aktif?")],
    )
    p.xor("gw_valid", "Terdaftar?", "officer")
    p.end("end_tolak2", "Ditolak", "officer")
    p.user(
        "telaah",
        "Telaah kesesuaian jenis kegiatan dengan SPPL",
        "officer",
        [
            ro("jenis_kegiatan", "Jenis kegiatan"),
            ro("surat_pernyataan", "Surat pernyataan", "file"),
            yes_no("cukup_sppl", "Cukup dengan SPPL?"),
        ],
    )
    p.xor("gw_cukup", "Cukup SPPL?", "officer")
    p.end("end_amdal", "Diarahkan ke UKL-UPL/Amdal", "officer")
    p.user("setuju", "Persetujuan Kepala Bidang", "kabid", [f("tanggal_setuju", "Tanggal", "date")])
    p.user("terbit", "Terbitkan tanda terima SPPL", "desk", [f("nomor_sppl", "Nomor SPPL")])
    p.end("end", "SPPL terdaftar", "desk")
    p.chain("start", "terima", "buku_kontrol", "cek_nib", "gw_nib")
    p.flow("gw_nib", "validasi_nib", "aktif", "nib_aktif")
    p.flow("gw_nib", "end_tolak", default=True)
    p.chain("validasi_nib", "gw_valid")
    p.flow("gw_valid", "telaah", "ya", "nib_terdaftar")
    p.flow("gw_valid", "end_tolak2", default=True)
    p.chain("telaah", "gw_cukup")
    p.flow("gw_cukup", "setuju", "ya", "cukup_sppl")
    p.flow("gw_cukup", "end_amdal", default=True)
    p.chain("setuju", "terbit", "end")
    p.expect(
        "redundant_check",
        "cek_nib",
        "validasi_nib",
        why="The desk and the officer both ask whether the same NIB is active and registered.",
    )
    p.expect(
        "no_effect_step",
        "buku_kontrol",
        why="The control book page and the clerk's name are used by nothing later.",
    )
    p.trap("One approval; the receipt is issuing, not approving.")
    return p


def sewa_aset_daerah():
    p = Procedure(
        "sewa_aset_daerah",
        "Sewa Barang Milik Daerah",
        style="mixed",
        pool_name="Sekretariat Daerah Kabupaten Magelang",
        about="Renting regional property: the rent appraisal and the legal review run one "
        "after the other; three officials sign off; rent computed then paid.",
    )
    for key, name in [
        ("aset", "Subbagian Aset"),
        ("appraiser", "Tim Penilai (KJPP)"),
        ("hukum", "Bagian Hukum"),
        ("kasubag", "Kasubbag Aset"),
        ("kabag", "Kabag Umum"),
        ("sekda", "Sekretaris Daerah"),
        ("bendahara", "Bendahara Penerimaan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan sewa",
        "aset",
        form=[
            f("penyewa", "Nama penyewa"),
            f("objek_sewa", "Objek sewa"),
            f("jangka_waktu", "Jangka waktu (bulan)", "long"),
            upload("proposal_sewa", "Proposal pemanfaatan"),
        ],
    )
    p.user("register", "Register permohonan sewa", "aset", [f("no_agenda", "Nomor agenda")])
    p.user(
        "appraisal",
        "Appraisal nilai sewa",
        "appraiser",
        [ro("objek_sewa", "Objek sewa"), f("nilai_wajar", "Nilai wajar sewa (Rp)", "long")],
    )
    p.user(
        "legal",
        "Legal review draf perjanjian sewa",
        "hukum",
        [
            ro("proposal_sewa", "Proposal", "file"),
            f("catatan_hukum", "Catatan hukum"),
            yes_no("draf_layak", "Draf perjanjian dapat ditandatangani?"),
        ],
    )
    p.xor("gw_legal", "Draf layak?", "hukum")
    p.end("end_tolak", "Permohonan ditolak", "hukum")
    p.user(
        "verif_kasubag",
        "Verifikasi oleh Kasubbag Aset",
        "kasubag",
        [ro("nilai_wajar", "Nilai wajar", "long"), yes_no("ok_kasubag", "Disetujui Kasubbag?")],
    )
    p.user("setuju_kabag", "Persetujuan Kabag Umum", "kabag", [yes_no("ok_kabag", "Disetujui?")])
    p.user(
        "ttd_sekda",
        "Tanda tangan perjanjian oleh Sekda",
        "sekda",
        [f("tanggal_perjanjian", "Tanggal", "date")],
    )
    p.user(
        "tagih",
        "Hitung dan terbitkan tagihan sewa",
        "bendahara",
        [
            ro("nilai_wajar", "Nilai wajar", "long"),
            ro("jangka_waktu", "Bulan", "long"),
            f("jumlah_tagihan", "Jumlah tagihan (Rp)", "long"),
        ],
    )
    p.user(
        "terima_bayar",
        "Terima setoran sewa",
        "bendahara",
        [ro("jumlah_tagihan", "Tagihan", "long"), f("nomor_sts", "Nomor STS")],
    )
    p.end("end", "Perjanjian berlaku", "aset")
    p.chain("start", "register", "appraisal", "legal", "gw_legal")
    p.flow("gw_legal", "verif_kasubag", "layak", "draf_layak")
    p.flow("gw_legal", "end_tolak", default=True)
    p.chain("verif_kasubag", "setuju_kabag", "ttd_sekda", "tagih", "terima_bayar", "end")
    p.expect(
        "parallelizable",
        "appraisal",
        "legal",
        why="The appraiser and the legal section work on different things and need "
        "nothing from each other.",
    )
    p.expect(
        "stacked_approvals",
        "verif_kasubag",
        "setuju_kabag",
        "ttd_sekda",
        why="Sub-division head, division head and regional secretary sign off in a row.",
    )
    p.trap("The bill needs the appraised value; the payment needs the bill.")
    return p


def sku_desa():
    p = Procedure(
        "sku_desa",
        "Surat Keterangan Usaha (desa)",
        style="semantic",
        pool_name="Pemerintah Desa Sidomulyo",
        about="Village business letter: clean. One check, one signature, archive, handover.",
    )
    for key, name in [("kaur", "Kaur Umum"), ("kades", "Kepala Desa")]:
        p.lane(key, name)
    p.start(
        "start",
        "Warga datang",
        "kaur",
        form=[
            f("nik", "NIK"),
            f("nama", "Nama"),
            f("jenis_usaha", "Jenis usaha"),
            upload("ktp", "KTP"),
            upload("pengantar_rt", "Surat pengantar RT"),
        ],
    )
    p.user(
        "catat",
        "Catat permohonan di register desa",
        "kaur",
        [f("nomor_register", "Nomor register")],
    )
    p.user(
        "cek",
        "Cek KTP dan pengantar RT",
        "kaur",
        [
            ro("ktp", "KTP", "file"),
            ro("pengantar_rt", "Pengantar", "file"),
            yes_no("lengkap", "Lengkap?"),
        ],
    )
    p.xor("gw", "Lengkap?", "kaur")
    p.end("end_kembali", "Dikembalikan", "kaur")
    p.user(
        "ketik",
        "Ketik surat keterangan usaha",
        "kaur",
        [ro("nama", "Nama"), ro("jenis_usaha", "Usaha"), f("nomor_surat", "Nomor surat")],
    )
    p.user("ttd", "Tanda tangan Kepala Desa", "kades", [ro("nomor_surat", "Nomor surat")])
    p.user("arsip", "Arsipkan tembusan surat", "kaur", [f("map_arsip", "Map arsip")])
    p.user("serah", "Serahkan surat ke warga", "kaur", [f("diterima", "Diterima oleh")])
    p.end("end", "Surat diserahkan", "kaur")
    p.chain("start", "catat", "cek", "gw")
    p.flow("gw", "ketik", "lengkap", "lengkap")
    p.flow("gw", "end_kembali", default=True)
    p.chain("ketik", "ttd", "arsip", "serah", "end")
    p.trap(
        "Recording in the village register is the intake; typing the letter gives the number "
        "the head signs; archiving the copy is record keeping."
    )
    return p


def minol_penjualan():
    p = Procedure(
        "minol_penjualan",
        "Surat Keterangan Penjual Langsung Minuman Beralkohol",
        style="bpmnio",
        pool_name="Dinas Perdagangan Kota Denpasar",
        about="Liquor retail permit: the integrated team's meeting (5 days) comes before a "
        "quick distance check that rejects often; a document revision loop.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("seksi", "Seksi Distribusi"),
        ("tim", "Tim Terpadu"),
        ("kadis", "Kepala Dinas"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan",
        "loket",
        form=[
            f("nama_usaha", "Nama usaha"),
            f("alamat", "Alamat"),
            f("nib", "NIB"),
            upload("denah", "Denah lokasi"),
            upload("rekomendasi_camat", "Rekomendasi camat"),
        ],
    )
    p.user("reg", "Registrasi", "loket", [f("no_reg", "Nomor registrasi")])
    p.user(
        "verif",
        "Verifikasi berkas",
        "seksi",
        [
            ro("denah", "Denah", "file"),
            ro("rekomendasi_camat", "Rekomendasi camat", "file"),
            yes_no("lengkap", "Lengkap?"),
            f("kekurangan", "Kekurangan"),
        ],
    )
    p.xor("gw_lengkap", "Berkas lengkap?", "seksi")
    p.user(
        "lengkapi",
        "Pemohon melengkapi berkas",
        "loket",
        [ro("kekurangan", "Kekurangan"), upload("berkas_tambahan", "Berkas tambahan")],
    )
    p.user(
        "rapat",
        "Rapat tim terpadu",
        "tim",
        [ro("alamat", "Alamat"), yes_no("disetujui_tim", "Tim menyetujui lokasi?")],
        props={"duration": 5, "rejection": 0.1},
    )
    p.xor("gw_tim", "Disetujui tim?", "tim")
    p.end("end_tolak1", "Ditolak", "tim")
    p.user(
        "jarak",
        "Ukur jarak dari tempat ibadah dan sekolah",
        "seksi",
        [
            ro("alamat", "Alamat"),
            ro("denah", "Denah", "file"),
            yes_no("jarak_cukup", "Jarak minimal terpenuhi?"),
        ],
        props={"duration": 0.3, "rejection": 0.4},
    )
    p.xor("gw_jarak", "Jarak cukup?", "seksi")
    p.end("end_tolak2", "Ditolak: terlalu dekat", "seksi")
    p.user("ttd", "Tanda tangan SKPL", "kadis", [f("nomor_skpl", "Nomor SKPL")])
    p.user("serah", "Serahkan SKPL", "loket", [f("diterima", "Diterima oleh")])
    p.end("end", "SKPL terbit", "loket")
    p.chain("start", "reg", "verif", "gw_lengkap")
    p.flow("gw_lengkap", "rapat", "lengkap", "lengkap")
    p.flow("gw_lengkap", "lengkapi", "belum lengkap", default=True)
    p.flow("lengkapi", "verif")
    p.chain("rapat", "gw_tim")
    p.flow("gw_tim", "jarak", "ya", "disetujui_tim")
    p.flow("gw_tim", "end_tolak1", default=True)
    p.chain("jarak", "gw_jarak")
    p.flow("gw_jarak", "ttd", "ya", "jarak_cukup")
    p.flow("gw_jarak", "end_tolak2", default=True)
    p.chain("ttd", "serah", "end")
    p.expect(
        "knockout_order",
        "jarak",
        "rapat",
        why="The distance check takes 0.3 days and rejects 40%; the team meeting takes 5 "
        "days and rejects 10%; the distance check needs nothing from the meeting.",
    )
    p.expect(
        "rework_loop",
        "verif",
        "gw_lengkap",
        "lengkapi",
        why="Incomplete files go back to the applicant and are verified again.",
    )
    return p


def lpk_pendaftaran():
    p = Procedure(
        "lpk_pendaftaran",
        "Training institute registration (LPK)",
        style="bpmnio",
        pool_name="Manpower Office, Kota Cimahi",
        about="Training institute registration: curriculum and facility assessments in "
        "sequence; an internal monitoring sheet; inspecting classroom after classroom.",
    )
    for key, name in [
        ("desk", "Service Desk"),
        ("curriculum", "Curriculum Team"),
        ("inspector", "Facility Inspector"),
        ("head", "Head of Manpower Office"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Registration request",
        "desk",
        form=[
            f("institute", "Institute name"),
            f("address", "Address"),
            f("programs", "Training programs"),
            upload("curriculum_doc", "Curriculum"),
            upload("deed", "Deed of establishment"),
        ],
    )
    p.user("register", "Register request", "desk", [f("reg_no", "Registration no.")])
    p.user(
        "check_deed",
        "Check deed of establishment",
        "desk",
        [ro("deed", "Deed", "file"), yes_no("deed_ok", "Deed valid?")],
    )
    p.xor("gw_deed", "Deed valid?", "desk")
    p.end("end_rejected", "Rejected", "desk")
    p.user(
        "monitoring",
        "Update internal monitoring sheet",
        "desk",
        [f("sheet_row", "Sheet row"), f("sheet_status", "Status in sheet")],
    )
    p.user(
        "assess_curriculum",
        "Assess training curriculum",
        "curriculum",
        [
            ro("curriculum_doc", "Curriculum", "file"),
            ro("programs", "Programs"),
            yes_no("curriculum_ok", "Curriculum meets the standard?"),
        ],
    )
    p.user(
        "inspect_room",
        "Inspect classroom",
        "inspector",
        [
            ro("address", "Address"),
            yes_no("room_ok", "Classroom adequate?"),
            yes_no("more_rooms", "More classrooms to inspect?"),
        ],
    )
    p.xor("gw_rooms", "Next classroom?", "inspector")
    p.xor("gw_ok", "Standards met?", "inspector")
    p.end("end_rejected2", "Rejected", "inspector")
    p.user(
        "sign", "Sign registration certificate", "head", [f("certificate_no", "Certificate no.")]
    )
    p.user("handover", "Hand over certificate", "desk", [f("received_by", "Received by")])
    p.end("end", "Registered", "desk")
    p.chain("start", "register", "monitoring", "check_deed", "gw_deed")
    p.flow("gw_deed", "assess_curriculum", "valid", "deed_ok")
    p.flow("gw_deed", "end_rejected", default=True)
    p.chain("assess_curriculum", "inspect_room", "gw_rooms")
    p.flow("gw_rooms", "inspect_room", "yes", "more_rooms")
    p.flow("gw_rooms", "gw_ok", "no", default=True)
    p.flow("gw_ok", "sign", "yes", "curriculum_ok and room_ok")
    p.flow("gw_ok", "end_rejected2", default=True)
    p.chain("sign", "handover", "end")
    p.expect(
        "no_effect_step",
        "monitoring",
        why="The monitoring sheet row and status are read by nothing later.",
    )
    p.expect(
        "parallelizable",
        "assess_curriculum",
        "inspect_room",
        why="The curriculum team and the facility inspector need nothing from each other.",
    )
    p.trap("Inspecting one classroom after another is a loop over items, not rework.")
    return p


def jasaboga_signavio():
    p = Procedure(
        "jasaboga_signavio",
        "Sertifikat Laik Higiene Sanitasi Jasa Boga",
        style="signavio",
        pool_name="Dinas Kesehatan Kabupaten Sleman",
        about="Catering hygiene certificate, descriptive Signavio model: the food sample "
        "result is examined twice; a kitchen re-inspection loop; two sign-offs.",
    )
    for key, name in [
        ("loket", "Loket Perizinan"),
        ("sanitarian", "Sanitarian"),
        ("lab", "Labkesda"),
        ("kasi", "Kasi Kesehatan Lingkungan"),
        ("kadinkes", "Kepala Dinas Kesehatan"),
    ]:
        p.lane(key, name)
    p.doc("berkas", "Berkas permohonan")
    p.doc("hasil_sampel", "Hasil uji sampel makanan")
    p.doc("ba_inspeksi", "BA inspeksi dapur")
    p.doc("sertifikat", "Sertifikat laik higiene")
    p.start("start", "Permohonan masuk", "loket", writes=["berkas"])
    p.plain(
        "inspeksi",
        "Inspeksi dapur jasa boga",
        "sanitarian",
        reads=["berkas"],
        writes=["ba_inspeksi"],
    )
    p.xor("gw_inspeksi", "Dapur memenuhi syarat?", "sanitarian")
    p.plain("perbaikan", "Perbaikan dapur oleh pengusaha", "loket")
    p.plain("sampel", "Ambil sampel makanan dan uji laboratorium", "lab", writes=["hasil_sampel"])
    p.plain("verif_sampel", "Verifikasi hasil uji sampel", "sanitarian", reads=["hasil_sampel"])
    p.xor("gw_sampel", "Sampel memenuhi?", "sanitarian")
    p.end("end_tolak", "Tidak memenuhi", "sanitarian")
    p.plain(
        "telaah_lab", "Telaah hasil laboratorium sampel makanan", "kasi", reads=["hasil_sampel"]
    )
    p.plain("setuju", "Persetujuan Kasi Kesehatan Lingkungan", "kasi", reads=["ba_inspeksi"])
    p.plain("ttd", "Tanda tangan Kepala Dinas", "kadinkes", writes=["sertifikat"])
    p.plain("serah", "Serahkan sertifikat", "loket", reads=["sertifikat"])
    p.end("end", "Sertifikat terbit", "loket")
    p.chain("start", "inspeksi", "gw_inspeksi")
    p.flow("gw_inspeksi", "sampel", "Ya", "${dapur_memenuhi}")
    p.flow("gw_inspeksi", "perbaikan", "Tidak", default=True)
    p.flow("perbaikan", "inspeksi")
    p.chain("sampel", "verif_sampel", "gw_sampel")
    p.flow("gw_sampel", "telaah_lab", "Ya", "${sampel_memenuhi}")
    p.flow("gw_sampel", "end_tolak", "Tidak", default=True)
    p.chain("telaah_lab", "setuju", "ttd", "serah", "end")
    p.expect(
        "redundant_check",
        "verif_sampel",
        "telaah_lab",
        why="The sanitarian and the section head both examine the same food sample result.",
    )
    p.expect(
        "rework_loop",
        "inspeksi",
        "gw_inspeksi",
        "perbaikan",
        why="A kitchen that fails is improved and inspected again.",
    )
    p.expect(
        "stacked_approvals",
        "setuju",
        "ttd",
        why="The section head approves and the head of agency signs, in a row.",
    )
    return p


def mutasi_pbb():
    p = Procedure(
        "mutasi_pbb",
        "Mutasi Objek Pajak PBB-P2",
        style="semantic",
        pool_name="Bapenda Kota Bandung",
        about="Transfer of a land and building tax object: arrears checked twice with "
        "different words; BPHTB and PBB verifications differ; a task with no way out.",
    )
    for key, name in [
        ("loket", "Loket Bapenda"),
        ("pendataan", "Seksi Pendataan"),
        ("penetapan", "Seksi Penetapan"),
        ("kabid", "Kabid PBB"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan mutasi",
        "loket",
        form=[
            f("nop", "Nomor objek pajak (NOP)"),
            f("nik_baru", "NIK pemilik baru"),
            upload("sppt", "SPPT PBB tahun terakhir"),
            upload("akta", "Akta jual beli"),
            upload("bukti_bphtb", "Bukti bayar BPHTB"),
        ],
    )
    p.user("reg", "Registrasi berkas mutasi", "loket", [f("no_berkas", "Nomor berkas")])
    p.user(
        "tunggakan",
        "Cek status tunggakan PBB",
        "pendataan",
        [ro("nop", "NOP"), yes_no("ada_tunggakan", "Ada tunggakan?")],
    )
    p.xor("gw_tunggak", "Ada tunggakan?", "pendataan")
    p.user("tolak", "Tolak: lunasi tunggakan dulu", "loket", [f("alasan", "Alasan")])
    p.user(
        "verif_bphtb",
        "Verifikasi BPHTB",
        "pendataan",
        [ro("bukti_bphtb", "Bukti BPHTB", "file"), yes_no("bphtb_ok", "BPHTB sah?")],
    )
    p.xor("gw_bphtb", "BPHTB sah?", "pendataan")
    p.end("end_tolak2", "Ditolak", "pendataan")
    p.user(
        "periksa_tunggakan",
        "Periksa tunggakan pajak bumi dan bangunan",
        "penetapan",
        [ro("nop", "Nomor objek pajak"), yes_no("masih_menunggak", "Masih ada tunggakan?")],
    )
    p.xor("gw_tunggak2", "Menunggak?", "penetapan")
    p.end("end_tolak3", "Ditolak", "penetapan")
    p.user(
        "mutasi",
        "Proses mutasi di SISMIOP",
        "penetapan",
        [
            ro("akta", "Akta", "file"),
            ro("nik_baru", "NIK baru"),
            f("nama_wp_baru", "Nama wajib pajak baru"),
        ],
    )
    p.user("setuju", "Persetujuan Kabid PBB", "kabid", [ro("nama_wp_baru", "Nama WP baru")])
    p.user("cetak", "Cetak SPPT baru", "loket", [f("nomor_sppt", "Nomor SPPT")])
    p.end("end", "Mutasi selesai", "loket")
    p.chain("start", "reg", "tunggakan", "gw_tunggak")
    p.flow("gw_tunggak", "tolak", "ada", "ada_tunggakan")
    p.flow("gw_tunggak", "verif_bphtb", "tidak", default=True)
    p.chain("verif_bphtb", "gw_bphtb")
    p.flow("gw_bphtb", "periksa_tunggakan", "sah", "bphtb_ok")
    p.flow("gw_bphtb", "end_tolak2", default=True)
    p.chain("periksa_tunggakan", "gw_tunggak2")
    p.flow("gw_tunggak2", "end_tolak3", "ya", "masih_menunggak")
    p.flow("gw_tunggak2", "mutasi", "tidak", default=True)
    p.chain("mutasi", "setuju", "cetak", "end")
    p.expect(
        "redundant_check",
        "tunggakan",
        "periksa_tunggakan",
        why="Both ask whether the same tax object (NOP) has arrears.",
    )
    p.expect("dead_end", "tolak", why="The refusal task has no outgoing flow and no end event.")
    p.trap("'Verifikasi BPHTB' checks the transfer tax, not the PBB arrears.")
    p.trap(
        "The transfer in SISMIOP (the tax register) records the new taxpayer the approval reads."
    )
    return p


def kartu_ak1():
    p = Procedure(
        "kartu_ak1",
        "Kartu Tanda Bukti Pendaftaran Pencari Kerja (AK/1)",
        style="bpmnio",
        pool_name="Disnaker Kabupaten Bekasi",
        about="Job seeker card: clean. Registration, one verification, printing, handover.",
    )
    for key, name in [("petugas", "Petugas AK/1"), ("kasi", "Kasi Penempatan")]:
        p.lane(key, name)
    p.start(
        "start",
        "Pencari kerja mendaftar",
        "petugas",
        form=[
            f("nik", "NIK"),
            f("nama", "Nama"),
            f("pendidikan", "Pendidikan terakhir"),
            upload("ktp", "KTP"),
            upload("ijazah", "Ijazah terakhir"),
            upload("pas_foto", "Pas foto"),
        ],
    )
    p.user(
        "daftar",
        "Pendaftaran pencari kerja",
        "petugas",
        [f("nomor_pendaftaran", "Nomor pendaftaran")],
    )
    p.user(
        "verif",
        "Verifikasi KTP dan ijazah",
        "petugas",
        [
            ro("ktp", "KTP", "file"),
            ro("ijazah", "Ijazah", "file"),
            yes_no("sesuai", "Data sesuai?"),
        ],
    )
    p.xor("gw", "Sesuai?", "petugas")
    p.send("info", "Informasikan kekurangan", "petugas")
    p.end("end_kurang", "Belum lengkap", "petugas")
    p.user("ttd", "Tanda tangan Kasi Penempatan", "kasi", [ro("nomor_pendaftaran", "Nomor")])
    p.user(
        "cetak",
        "Cetak kartu AK/1",
        "petugas",
        [ro("nomor_pendaftaran", "Nomor"), f("nomor_kartu", "Nomor kartu")],
    )
    p.user("serah", "Serahkan kartu AK/1", "petugas", [f("diterima", "Diterima oleh")])
    p.end("end", "Kartu diserahkan", "petugas")
    p.chain("start", "daftar", "verif", "gw")
    p.flow("gw", "ttd", "sesuai", "sesuai")
    p.flow("gw", "info", default=True)
    p.chain("info", "end_kurang")
    p.chain("ttd", "cetak", "serah", "end")
    p.trap("One signature; printing then handing over the same card.")
    return p


def izin_sekolah():
    p = Procedure(
        "izin_sekolah",
        "Izin Operasional Satuan Pendidikan",
        style="mixed",
        pool_name="Dinas Pendidikan Kota Bogor",
        about="School operating permit: a visit of the premises and the curriculum review in "
        "sequence; an internal accreditation score; a return for revision; two sign-offs.",
    )
    for key, name in [
        ("ptsp", "Petugas PTSP"),
        ("visitasi", "Tim Visitasi"),
        ("kurikulum", "Seksi Kurikulum"),
        ("kabid", "Kabid Pembinaan"),
        ("kadisdik", "Kepala Dinas Pendidikan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan izin operasional",
        "ptsp",
        form=[
            f("nama_sekolah", "Nama sekolah"),
            f("jenjang", "Jenjang", "enum", values="sd:SD, smp:SMP"),
            f("jumlah_rombel", "Jumlah rombongan belajar", "long"),
            f("alamat", "Alamat"),
            upload("dokumen_kurikulum", "Dokumen kurikulum"),
            upload("sertifikat_lahan", "Bukti hak atas lahan"),
        ],
    )
    p.user("reg", "Registrasi permohonan", "ptsp", [f("no_reg", "Nomor registrasi")])
    p.user(
        "kelengkapan",
        "Pemeriksaan kelengkapan berkas",
        "ptsp",
        [
            ro("dokumen_kurikulum", "Kurikulum", "file"),
            ro("sertifikat_lahan", "Lahan", "file"),
            yes_no("berkas_lengkap", "Berkas lengkap?"),
            f("kekurangan", "Kekurangan"),
        ],
    )
    p.xor("gw_lengkap", "Lengkap?", "ptsp")
    p.user(
        "kembalikan",
        "Kembalikan berkas untuk dilengkapi",
        "ptsp",
        [ro("kekurangan", "Kekurangan"), upload("berkas_baru", "Berkas perbaikan")],
    )
    p.script(
        "skor", "Hitung skor kesiapan internal", "ptsp", code="skor_kesiapan = jumlah_rombel * 3"
    )
    p.user(
        "visit",
        "Visitasi sarana prasarana sekolah",
        "visitasi",
        [ro("alamat", "Alamat"), yes_no("sarpras_layak", "Sarana prasarana layak?")],
    )
    p.user(
        "kurikulum",
        "Telaah kurikulum dan tenaga pendidik",
        "kurikulum",
        [
            ro("dokumen_kurikulum", "Kurikulum", "file"),
            yes_no("kurikulum_layak", "Kurikulum layak?"),
        ],
    )
    p.xor("gw_layak", "Layak?", "kurikulum")
    p.end("end_tolak", "Ditolak", "kurikulum")
    p.user("paraf", "Paraf Kabid Pembinaan", "kabid", [f("tanggal_paraf", "Tanggal paraf", "date")])
    p.user(
        "ttd", "Tanda tangan Kepala Dinas Pendidikan", "kadisdik", [f("nomor_izin", "Nomor izin")]
    )
    p.user("serah", "Serahkan izin operasional", "ptsp", [f("diterima", "Diterima oleh")])
    p.end("end", "Izin terbit", "ptsp")
    p.chain("start", "reg", "skor", "kelengkapan", "gw_lengkap")
    p.flow("gw_lengkap", "visit", "lengkap", "berkas_lengkap")
    p.flow("gw_lengkap", "kembalikan", "belum", default=True)
    p.flow("kembalikan", "kelengkapan")
    p.chain("visit", "kurikulum", "gw_layak")
    p.flow("gw_layak", "paraf", "layak", "sarpras_layak and kurikulum_layak")
    p.flow("gw_layak", "end_tolak", default=True)
    p.chain("paraf", "ttd", "serah", "end")
    p.expect(
        "rework_loop",
        "kelengkapan",
        "gw_lengkap",
        "kembalikan",
        why="An incomplete file goes back to be completed and is checked again.",
    )
    p.expect("no_effect_step", "skor", why="The readiness score is computed and read by nothing.")
    p.expect(
        "parallelizable",
        "visit",
        "kurikulum",
        why="The visit of the premises and the curriculum review are independent, by "
        "different teams; the gateway reads both.",
    )
    p.expect(
        "stacked_approvals",
        "paraf",
        "ttd",
        why="The division head initials and the head of agency signs, in a row.",
    )
    return p


PROCEDURES = [
    sppl_umk,
    sewa_aset_daerah,
    sku_desa,
    minol_penjualan,
    lpk_pendaftaran,
    jasaboga_signavio,
    mutasi_pbb,
    kartu_ak1,
    izin_sekolah,
]
