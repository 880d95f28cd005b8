"""Indonesian texts of the bundle's permits on the tracking page, the cashier's refused
confirmation, refused permit revocations, and DMN upload (merged into make_catalog.ID)."""

ID = {
    "Completion": "Penyelesaian",
    "PDF": "PDF",
    "not issued yet": "belum terbit",
    "Give the reason: it is shown on the public verification page.": "Sebutkan alasannya: alasan ditampilkan di halaman verifikasi publik.",
    "This permit is no longer valid: it cannot be revoked or corrected.": "Izin ini sudah tidak berlaku: izin tidak dapat dicabut atau dikoreksi.",
    "Only the head of office may revoke or correct a permit.": "Hanya kepala kantor yang dapat mencabut atau mengoreksi izin.",
    "No permit has this verification code.": "Tidak ada izin dengan kode verifikasi ini.",
    "Change at least one value to correct the permit.": "Ubah minimal satu nilai untuk mengoreksi izin.",
    "Bill %(code)s was due on %(day)s: the payment deadline has passed, so this payment can no longer be confirmed. The application lapses for non-payment.": "Tagihan %(code)s jatuh tempo pada %(day)s: batas waktu pembayaran telah lewat, sehingga pembayaran ini tidak dapat lagi dikonfirmasi. Permohonan gugur karena tidak dibayar.",
    "The payment cannot be confirmed: %(reason)s": "Pembayaran tidak dapat dikonfirmasi: %(reason)s",
    "Decision tables are .dmn files of at most 1 MB, ten at most.": "Tabel keputusan adalah berkas .dmn berukuran paling besar 1 MB, paling banyak sepuluh berkas.",
    "Choose the DMN files to upload.": "Pilih berkas DMN yang akan diunggah.",
    "Decision tables its business rule tasks call (.dmn, optional)": "Tabel keputusan yang dipanggil tugas aturan bisnisnya (.dmn, opsional)",
    "New decision tables": "Tabel keputusan baru",
    "Upload the DMN files of the business rule tasks of version %(v)d (every table they call). You will see the validation report before deploying them as a new version.": "Unggah berkas DMN untuk tugas aturan bisnis versi %(v)d (semua tabel yang dipanggilnya). Laporan validasi ditampilkan sebelum tabel dipasang sebagai versi baru.",
    "DMN files (.dmn)": "Berkas DMN (.dmn)",
    "Decision tables:": "Tabel keputusan:",
    "Download this decision table": "Unduh tabel keputusan ini",
}
