#!/bin/sh
# Restore a backup made by scripts/backup.sh into an existing, empty database and
# document directory (stop the app processes, workers and beat first):
#
#   createdb -h 127.0.0.1 -U postgres -O permitflow permitflow
#   PERMITFLOW_DATABASE_URL=... PERMITFLOW_DOCUMENT_DIR=... \
#     scripts/restore.sh permitflow-20261201T020000Z.dump documents-20261201T020000Z.tar.gz
#   permitflow db upgrade   # when the restored backup is older than the installed code
set -eu
dump=${1:?usage: restore.sh DUMP DOCUMENTS_TAR}
files=${2:?usage: restore.sh DUMP DOCUMENTS_TAR}
url=${PERMITFLOW_DATABASE_URL:?set PERMITFLOW_DATABASE_URL}
docs=${PERMITFLOW_DOCUMENT_DIR:?set PERMITFLOW_DOCUMENT_DIR}
libpq_url=$(printf '%s' "$url" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')
pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error \
  --dbname "$libpq_url" "$dump"
mkdir -p "$docs"
tar -C "$docs" -xzf "$files"
echo "restored $dump and $files"
