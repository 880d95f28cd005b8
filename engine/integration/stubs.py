"""Local servers shaped like two real interfaces, for tests and the demo (127.0.0.1 only).

- The population registry (Dukcapil's NIK verification): ``POST /nik/verify`` with
  ``{"nik": "..."}`` answers ``{"match": true, "name", "birth_date", "address"}`` for a
  known NIK, else ``{"match": false, "reason": "..."}`` saying why (wrong length,
  unknown NIK).
- OSS-RBA's NIB lookup: ``GET /nib/{nib}`` answers ``{"found": true, "business_name",
  "kbli": [...], "risk_level"}`` or ``{"found": false, "reason": "..."}``.

The data are invented. :func:`start` serves both on one port in a daemon thread.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PEOPLE = {
    "3273010101900001": {
        "name": "SITI RAHAYU",
        "birth_date": "1990-01-01",
        "address": "JL. ASIA AFRIKA NO. 8, BANDUNG",
    },
    "3171022505850002": {
        "name": "BUDI SANTOSO",
        "birth_date": "1985-05-25",
        "address": "JL. MERDEKA BARAT NO. 3, JAKARTA PUSAT",
    },
}
BUSINESSES = {
    "9120001234567": {
        "business_name": "CV MAJU BERSAMA",
        "kbli": ["47111", "56101"],
        "risk_level": "menengah rendah",
    },
}
CONNECTOR_OPERATIONS = {
    "population": ["nik_lookup=POST /nik/verify in:nik out:match,reason,name,birth_date,address"],
    "oss": ["nib_lookup=GET /nib/{nib} in:nib out:found,reason,business_name,kbli,risk_level"],
}


class _Handler(BaseHTTPRequestHandler):
    server_version = "permitflow-stub"

    def log_message(self, format, *args):  # noqa: A002 - quiet in tests
        return

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802
        self.server.hits += 1
        if self.path != "/nik/verify":
            return self._answer(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            nik = str(json.loads(self.rfile.read(length) or b"{}").get("nik") or "")
        except ValueError:
            return self._answer(400, {"error": "JSON expected"})
        if not re.fullmatch(r"\d{16}", nik):
            return self._answer(200, {"match": False, "reason": "NIK harus 16 digit angka"})
        person = PEOPLE.get(nik)
        if person is None:
            return self._answer(
                200, {"match": False, "reason": "NIK tidak terdaftar di database kependudukan"}
            )
        return self._answer(200, {"match": True, "reason": "", **person})

    def do_GET(self):  # noqa: N802
        self.server.hits += 1
        found = re.fullmatch(r"/nib/(\d+)", self.path)
        if not found:
            return self._answer(404, {"error": "not found"})
        business = BUSINESSES.get(found.group(1))
        if business is None:
            return self._answer(200, {"found": False, "reason": "NIB tidak ditemukan di OSS"})
        return self._answer(200, {"found": True, "reason": "", **business})


def start(port: int = 0) -> ThreadingHTTPServer:
    """Serve both stubs on 127.0.0.1:``port`` (0: any free port) in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.hits = 0  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, name="permitflow-stubs", daemon=True).start()
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


if __name__ == "__main__":  # `make run`: python -m engine.integration.stubs 8701
    import sys
    import time

    server = start(int(sys.argv[1]) if len(sys.argv) > 1 else 8701)
    print(f"population registry and OSS-RBA stubs on {base_url(server)}", flush=True)
    while True:
        time.sleep(3600)
