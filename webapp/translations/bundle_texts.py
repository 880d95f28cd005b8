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
}
