"""Land services (Kantor Pertanahan) and spatial planning (KKPR)."""

from __future__ import annotations

from builder import Procedure, f, ro, upload, yes_no


def peralihan_hak_tanah():
    p = Procedure(
        "peralihan_hak_tanah",
        "Peralihan Hak atas Tanah (balik nama)",
        style="bpmnio",
        pool_name="Kantor Pertanahan Kabupaten Bogor",
        about="Transfer of land title: the certificate checked against the land book twice, "
        "three sign-offs, PNBP computed then paid.",
    )
    for key, name in [
        ("loket", "Loket Pelayanan"),
        ("bendahara", "Bendahara Penerimaan"),
        ("petugas", "Petugas Pendaftaran Hak"),
        ("kasubsi", "Kasubsi Pendaftaran Hak"),
        ("kasi", "Kasi Hubungan Hukum Pertanahan"),
        ("kakan", "Kepala Kantor Pertanahan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan balik nama",
        "loket",
        form=[
            f("nik_penerima", "NIK penerima hak"),
            f("nama_penerima", "Nama penerima hak"),
            f("no_sertifikat", "Nomor sertifikat (SHM)"),
            upload("sertifikat", "Sertifikat asli (SHM)"),
            upload("akta_ppat", "Akta jual beli (PPAT)"),
            upload("bukti_bphtb", "Bukti bayar BPHTB"),
            upload("ktp", "KTP penerima"),
        ],
    )
    p.user(
        "hitung",
        "Hitung biaya PNBP",
        "loket",
        [ro("no_sertifikat", "Nomor sertifikat"), f("pnbp", "PNBP (Rp)", "long")],
    )
    p.user(
        "bayar",
        "Pembayaran PNBP",
        "bendahara",
        [ro("pnbp", "PNBP (Rp)", "long"), upload("bukti_pnbp", "Bukti setor PNBP")],
    )
    p.user(
        "cek_sert",
        "Pengecekan sertifikat pada buku tanah",
        "petugas",
        [
            ro("no_sertifikat", "Nomor sertifikat"),
            ro("sertifikat", "Sertifikat", "file"),
            yes_no("sertifikat_valid", "Sertifikat sesuai buku tanah?"),
        ],
    )
    p.xor("gw_sert", "Sesuai?", "petugas")
    p.end("end_tolak", "Ditolak: sertifikat bermasalah", "petugas")
    p.user(
        "verif_bphtb",
        "Verifikasi BPHTB",
        "petugas",
        [ro("bukti_bphtb", "Bukti BPHTB", "file"), yes_no("bphtb_valid", "BPHTB tervalidasi?")],
    )
    p.xor("gw_bphtb", "BPHTB valid?", "petugas")
    p.end("end_tolak2", "Ditolak: BPHTB", "petugas")
    p.user(
        "periksa_shm",
        "Periksa keaslian SHM",
        "petugas",
        [
            ro("sertifikat", "Sertifikat (SHM)", "file"),
            ro("no_sertifikat", "Nomor SHM"),
            yes_no("shm_asli", "SHM asli dan sesuai buku tanah?"),
        ],
    )
    p.xor("gw_shm", "Asli?", "petugas")
    p.end("end_tolak3", "Ditolak", "petugas")
    p.user(
        "proses",
        "Proses balik nama di buku tanah",
        "petugas",
        [
            ro("akta_ppat", "Akta PPAT", "file"),
            ro("nama_penerima", "Nama penerima"),
            f("nama_pemegang_baru", "Nama pemegang hak baru"),
        ],
    )
    p.user(
        "paraf_kasubsi", "Paraf Kasubsi Pendaftaran Hak", "kasubsi", [yes_no("paraf_1", "Diparaf?")]
    )
    p.user("paraf_kasi", "Paraf Kasi Hubungan Hukum", "kasi", [yes_no("paraf_2", "Diparaf?")])
    p.user(
        "ttd_kakan",
        "Tanda tangan Kepala Kantor Pertanahan",
        "kakan",
        [f("tanggal_ttd", "Tanggal", "date")],
    )
    p.user("serah", "Penyerahan sertifikat", "loket", [f("diterima_oleh", "Diterima oleh")])
    p.end("end", "Sertifikat diserahkan", "loket")
    p.chain("start", "hitung", "bayar", "cek_sert", "gw_sert")
    p.flow("gw_sert", "verif_bphtb", "sesuai", "sertifikat_valid")
    p.flow("gw_sert", "end_tolak", default=True)
    p.chain("verif_bphtb", "gw_bphtb")
    p.flow("gw_bphtb", "periksa_shm", "valid", "bphtb_valid")
    p.flow("gw_bphtb", "end_tolak2", default=True)
    p.chain("periksa_shm", "gw_shm")
    p.flow("gw_shm", "proses", "asli", "shm_asli")
    p.flow("gw_shm", "end_tolak3", default=True)
    p.chain("proses", "paraf_kasubsi", "paraf_kasi", "ttd_kakan", "serah", "end")
    p.expect(
        "redundant_check",
        "cek_sert",
        "periksa_shm",
        why="Both check the same SHM against the land book: same document, same question.",
    )
    p.expect(
        "stacked_approvals",
        "paraf_kasubsi",
        "paraf_kasi",
        "ttd_kakan",
        why="Two initials by different officials, then the head's signature, in a row.",
    )
    p.trap("PNBP computed then paid: the payment needs the amount.")
    p.trap("'Verifikasi BPHTB' checks the tax payment, not the certificate.")
    return p


def pengukuran_bidang():
    p = Procedure(
        "pengukuran_bidang",
        "Pengukuran dan Pemetaan Bidang Tanah",
        style="semantic",
        pool_name="Kantor Pertanahan Kota Depok",
        about="Land measurement: clean. A loop over the parcels to measure, fee then payment, "
        "one approval.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("seksi", "Seksi Survei dan Pemetaan"),
        ("ukur", "Petugas Ukur"),
        ("bendahara", "Bendahara"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan pengukuran",
        "loket",
        form=[
            f("nik", "NIK"),
            f("lokasi_bidang", "Lokasi bidang"),
            f("luas_perkiraan", "Luas perkiraan (m2)", "long"),
            upload("alas_hak", "Alas hak / sertifikat"),
        ],
    )
    p.user(
        "hitung",
        "Hitung biaya pengukuran",
        "loket",
        [ro("luas_perkiraan", "Luas", "long"), f("biaya_ukur", "Biaya ukur (Rp)", "long")],
    )
    p.user(
        "bayar",
        "Terima pembayaran biaya ukur",
        "bendahara",
        [ro("biaya_ukur", "Biaya", "long"), f("nomor_kuitansi", "Nomor kuitansi")],
    )
    p.user(
        "jadwal",
        "Jadwalkan pengukuran",
        "seksi",
        [f("tanggal_ukur", "Tanggal ukur", "date"), f("petugas_ukur", "Petugas ukur")],
    )
    p.xor("gw_merge", "", "ukur")
    p.user(
        "ukur",
        "Ukur bidang tanah",
        "ukur",
        [
            ro("lokasi_bidang", "Lokasi"),
            ro("tanggal_ukur", "Tanggal", "date"),
            f("koordinat", "Koordinat"),
            f("luas_terukur", "Luas terukur", "long"),
            yes_no("bidang_lain", "Masih ada bidang lain?"),
        ],
    )
    p.xor("gw_lagi", "Bidang lain?", "ukur")
    p.user(
        "peta",
        "Plotting dan pemetaan bidang",
        "seksi",
        [ro("koordinat", "Koordinat"), f("nib_bidang", "NIB bidang")],
    )
    p.user(
        "sah",
        "Pengesahan surat ukur oleh Kasi Survei",
        "seksi",
        [ro("nib_bidang", "NIB bidang"), ro("luas_terukur", "Luas", "long")],
    )
    p.user("serah", "Serahkan surat ukur", "loket", [f("diterima_oleh", "Diterima oleh")])
    p.end("end", "Surat ukur diserahkan", "loket")
    p.chain("start", "hitung", "bayar", "jadwal", "gw_merge", "ukur", "gw_lagi")
    p.flow("gw_lagi", "gw_merge", "ya", "bidang_lain")
    p.flow("gw_lagi", "peta", "selesai", default=True)
    p.chain("peta", "sah", "serah", "end")
    p.trap("Measuring parcel after parcel is a loop over items, not rework.")
    p.trap("Fee then payment; scheduling then measuring (the date is read).")
    return p


def pertimbangan_teknis():
    p = Procedure(
        "pertimbangan_teknis",
        "Pertimbangan Teknis Pertanahan (PTP)",
        style="bpmnio",
        pool_name="Kantor Pertanahan Kabupaten Bekasi",
        about="Land technical consideration for KKPR: field visit and map analysis one after the "
        "other; an internal monitoring app entry; initial then signature.",
    )
    for key, name in [
        ("loket", "Loket"),
        ("survei", "Seksi Survei dan Pemetaan"),
        ("penataan", "Seksi Penataan Pertanahan"),
        ("kasi", "Kasi Penataan"),
        ("kakan", "Kepala Kantor Pertanahan"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Permohonan PTP",
        "loket",
        form=[
            f("nik", "NIK"),
            f("lokasi", "Lokasi"),
            f("luas", "Luas (m2)", "long"),
            f("rencana_kegiatan", "Rencana kegiatan"),
            upload("peta_lokasi", "Peta lokasi"),
            upload("bukti_penguasaan", "Bukti penguasaan tanah"),
        ],
    )
    p.user(
        "hitung",
        "Hitung PNBP pertimbangan teknis",
        "loket",
        [ro("luas", "Luas", "long"), f("pnbp", "PNBP", "long")],
    )
    p.user(
        "bayar",
        "Terima pembayaran PNBP",
        "loket",
        [ro("pnbp", "PNBP", "long"), f("no_kuitansi", "Kuitansi")],
    )
    p.user(
        "monitoring",
        "Input ke aplikasi monitoring internal",
        "loket",
        [f("id_monitoring", "ID monitoring"), f("status_monitoring", "Status")],
    )
    p.user(
        "lapangan",
        "Peninjauan lokasi lapangan",
        "survei",
        [
            ro("lokasi", "Lokasi"),
            f("kondisi_lapangan", "Kondisi lapangan"),
            upload("foto_lapangan", "Foto"),
        ],
    )
    p.user(
        "analisis",
        "Analisis kesesuaian penggunaan tanah",
        "penataan",
        [
            ro("peta_lokasi", "Peta", "file"),
            ro("rencana_kegiatan", "Rencana"),
            f(
                "kesesuaian",
                "Kesesuaian",
                "enum",
                values="sesuai:Sesuai, bersyarat:Sesuai bersyarat, tidak:Tidak sesuai",
            ),
        ],
    )
    p.user(
        "risalah",
        "Susun risalah pertimbangan teknis",
        "penataan",
        [
            ro("kondisi_lapangan", "Kondisi"),
            ro("kesesuaian", "Kesesuaian"),
            f("risalah", "Risalah"),
        ],
    )
    p.user("paraf", "Paraf Kasi Penataan Pertanahan", "kasi", [ro("risalah", "Risalah")])
    p.user(
        "ttd", "Tanda tangan Kepala Kantor Pertanahan", "kakan", [f("tanggal", "Tanggal", "date")]
    )
    p.user("serah", "Serahkan PTP", "loket", [f("diterima_oleh", "Diterima oleh")])
    p.end("end", "PTP diserahkan", "loket")
    p.chain(
        "start",
        "hitung",
        "monitoring",
        "bayar",
        "lapangan",
        "analisis",
        "risalah",
        "paraf",
        "ttd",
        "serah",
        "end",
    )
    p.expect(
        "no_effect_step",
        "monitoring",
        why="The monitoring id and status are used by no later step, condition or letter.",
    )
    p.expect(
        "parallelizable",
        "lapangan",
        "analisis",
        why="The field visit and the map analysis need nothing from each other; the "
        "report (risalah) reads both.",
    )
    p.expect(
        "stacked_approvals",
        "paraf",
        "ttd",
        why="The section head initials and the head of office signs, one after the other.",
    )
    p.trap("PNBP computed then paid by the same counter.")
    return p


def kkpr_non_berusaha():
    p = Procedure(
        "kkpr_non_berusaha",
        "Spatial use approval (KKPR non-business)",
        style="semantic",
        pool_name="Dinas PUPR - Bidang Tata Ruang",
        about="Spatial approval with checks that carry durations and rejection rates: two quick "
        "strict checks come after a slow survey; one later check needs the survey's measurement.",
    )
    for key, name in [
        ("desk", "Front Desk"),
        ("survey", "Survey Team"),
        ("planner", "Spatial Planner"),
        ("head", "Head of Division"),
    ]:
        p.lane(key, name)
    p.start(
        "start",
        "Application",
        "desk",
        form=[
            f("nik", "NIK"),
            f("location", "Location"),
            f("planned_use", "Planned use"),
            upload("ownership_proof", "Proof of land ownership"),
            upload("site_plan", "Site plan"),
        ],
    )
    p.user("register", "Register application", "desk", [f("reg_no", "Registration no.")])
    p.user(
        "survey",
        "Field survey",
        "survey",
        [
            ro("location", "Location"),
            f("measured_boundary", "Measured boundary"),
            yes_no("survey_ok", "Site as described?"),
        ],
        props={"duration": 2, "rejection": 0.08},
    )
    p.xor("gw_survey", "Site OK?", "survey")
    p.end("end_r1", "Rejected", "survey")
    p.user(
        "zoning",
        "Check zoning map (RDTR)",
        "planner",
        [
            ro("location", "Location"),
            ro("planned_use", "Planned use"),
            yes_no("zoning_ok", "Use allowed in zone?"),
        ],
        props={"duration": 0.1, "rejection": 0.35},
    )
    p.xor("gw_zoning", "Allowed?", "planner")
    p.end("end_r2", "Rejected: zoning", "planner")
    p.user(
        "ownership",
        "Check land ownership",
        "planner",
        [ro("ownership_proof", "Ownership", "file"), yes_no("ownership_ok", "Ownership proven?")],
        props={"duration": 0.3, "rejection": 0.15},
    )
    p.xor("gw_own", "Proven?", "planner")
    p.end("end_r3", "Rejected: ownership", "planner")
    p.user(
        "setback",
        "Check setback from measured boundary",
        "planner",
        [
            ro("measured_boundary", "Measured boundary"),
            ro("site_plan", "Site plan", "file"),
            yes_no("setback_ok", "Setback respected?"),
        ],
        props={"duration": 0.2, "rejection": 0.3},
    )
    p.xor("gw_setback", "Setback OK?", "planner")
    p.end("end_r4", "Rejected: setback", "planner")
    p.user("approve", "Approve KKPR", "head", [f("approved_on", "Approved on", "date")])
    p.user("issue", "Issue KKPR", "desk", [f("kkpr_no", "KKPR number")])
    p.end("end", "KKPR issued", "desk")
    p.chain("start", "register", "survey", "gw_survey")
    p.flow("gw_survey", "zoning", "ok", "survey_ok")
    p.flow("gw_survey", "end_r1", default=True)
    p.chain("zoning", "gw_zoning")
    p.flow("gw_zoning", "ownership", "yes", "zoning_ok")
    p.flow("gw_zoning", "end_r2", default=True)
    p.chain("ownership", "gw_own")
    p.flow("gw_own", "setback", "yes", "ownership_ok")
    p.flow("gw_own", "end_r3", default=True)
    p.chain("setback", "gw_setback")
    p.flow("gw_setback", "approve", "yes", "setback_ok")
    p.flow("gw_setback", "end_r4", default=True)
    p.chain("approve", "issue", "end")
    p.expect(
        "knockout_order",
        "zoning",
        "survey",
        why="The zoning check (0.1 days, 35% rejected) needs nothing from the 2-day survey "
        "(8% rejected): it should come first.",
    )
    p.expect(
        "knockout_order",
        "ownership",
        "survey",
        why="The ownership check (0.3 days, 15%) is cheaper and stricter than the survey.",
    )
    # added on review of an extra finding of the old analysis: overlooked when written
    p.expect(
        "knockout_order",
        "setback",
        "ownership",
        why="The setback check (0.2 days, 30%) is cheaper and stricter than the ownership "
        "check (0.3 days, 15%) and needs nothing from it (only the survey's boundary).",
    )
    p.trap(
        "The setback check is cheap and strict but needs the survey's measured boundary: it "
        "cannot move before the survey."
    )
    return p


PROCEDURES = [peralihan_hak_tanah, pengukuran_bidang, pertimbangan_teknis, kkpr_non_berusaha]
