"""Indonesian texts of the clerks' pages: the names of the audit actions in a case's
history (webapp/cases/history.py) (merged into make_catalog.ID)."""

ID = {
    "case started": "permohonan dimulai",
    "case started on schedule": "permohonan dimulai sesuai jadwal",
    "case started by a message": "permohonan dimulai oleh pesan",
    "scheduled start failed": "mulai terjadwal gagal",
    "task ready": "tugas siap dikerjakan",
    "task claimed": "tugas diambil",
    "task released": "tugas dilepaskan",
    "task done": "tugas diselesaikan",
    "returned to the applicant": "dikembalikan kepada pemohon",
    "data asked from the applicant": "data diminta dari pemohon",
    "the applicant responded": "pemohon telah menanggapi",
    "case finished": "permohonan selesai",
    "case cancelled": "permohonan dibatalkan",
    "moved to a new version": "dipindahkan ke versi baru",
    "deadline reached": "batas waktu tercapai",
    "message received": "pesan diterima",
    "message not delivered": "pesan tidak tersampaikan",
    "signal sent": "sinyal dikirim",
    "signal not sent": "sinyal tidak terkirim",
    "signal received": "sinyal diterima",
    "registry consulted": "data instansi dirujuk",
    "document uploaded": "dokumen diunggah",
    "fee assessed": "retribusi ditetapkan",
    "fee paid": "retribusi dibayar",
    "permit issued": "izin diterbitkan",
    "permit revoked": "izin dicabut",
    "permit corrected": "izin diperbaiki",
    "stopped by an error": "terhenti karena kesalahan",
    "value fixed by an administrator": "nilai diperbaiki administrator",
    "step retried": "langkah dicoba lagi",
    "case moved on by an administrator": "permohonan dipindahkan administrator",
    "case cancelled by an administrator": "permohonan dibatalkan administrator",
    "the applicant asked about their data": "pemohon menanyakan datanya",
    "data request answered": "permintaan data dijawab",
    "data corrected": "data diperbaiki",
    "satisfaction survey answered": "survei kepuasan diisi",
    "assigned to a pilot": "diikutkan dalam uji coba",
    "pilot started": "uji coba dimulai",
    "pilot adopted": "uji coba diterapkan",
    "pilot rolled back": "uji coba dibatalkan",
    "finding reviewed": "temuan ditinjau",
    "procedure deployed": "prosedur dipasang",
    "connector %(name)s": "konektor %(name)s",
    "waiting to be sent": "menunggu dikirim",
    "being sent": "sedang dikirim",
    "sent": "terkirim",
    "could not be sent": "gagal dikirim",
    "stopped by an error (an administrator is on it)": "terhenti karena kesalahan (sedang ditangani administrator)",
    # the designer's migration plan (webapp/designer/migration.py REASONS)
    "can move to version %(target)s": "dapat dipindahkan ke versi %(target)s",
    "its state cannot be compared with version %(target)s; it stays on its version": (
        "keadaannya tidak dapat dibandingkan dengan versi %(target)s; permohonan tetap pada "
        "versinya"
    ),
    "its state cannot be compared with version %(target)s while event sub-process "
    "'%(step)s' runs; it stays on its version": (
        "keadaannya tidak dapat dibandingkan dengan versi %(target)s selama sub-proses peristiwa "
        "'%(step)s' berjalan; permohonan tetap pada versinya"
    ),
    "its sub-process '%(step)s' was removed in version %(target)s": (
        "sub-prosesnya '%(step)s' dihapus pada versi %(target)s"
    ),
    "step '%(step)s' was removed in version %(target)s": (
        "langkah '%(step)s' dihapus pada versi %(target)s"
    ),
    "step '%(step)s', already done, no longer exists in version %(target)s": (
        "langkah '%(step)s' yang sudah selesai tidak ada lagi pada versi %(target)s"
    ),
    "the case is at '%(step)s', which changed its type": (
        "permohonan berada di '%(step)s', yang jenisnya berubah"
    ),
    "the case is at '%(step)s', which now waits for another kind of event": (
        "permohonan berada di '%(step)s', yang kini menunggu jenis peristiwa lain"
    ),
    "the case is at '%(step)s', which changed its lane": (
        "permohonan berada di '%(step)s', yang lajurnya (peran) berubah"
    ),
    "the engine could not move its state": "mesin tidak dapat memindahkan keadaannya",
    "the case changed meanwhile; check it again": (
        "permohonan berubah sementara itu; periksa kembali"
    ),
    # a task of a case that is not running (webapp/tasks/views.py)
    "'%(task)s' cannot be completed now: case %(code)s is %(status)s.": (
        "'%(task)s' belum dapat diselesaikan: permohonan %(code)s %(status)s."
    ),
    # the designer's deploy refused (webapp/designer/views.py)
    (
        "%(name)s cannot be deployed: %(num)d error, listed below.",
        "%(name)s cannot be deployed: %(num)d errors, listed below.",
    ): ("%(name)s tidak dapat dipasang: %(num)d kesalahan, tercantum di bawah.",),
}
