#!/bin/sh
# Back up permitflow: the PostgreSQL database (pg_dump, custom format) and the document
# store (the uploaded files under PERMITFLOW_DOCUMENT_DIR), with one timestamp.
#
#   PERMITFLOW_DATABASE_URL=postgresql+psycopg://permitflow@127.0.0.1/permitflow \
#   PERMITFLOW_DOCUMENT_DIR=/var/lib/permitflow/documents scripts/backup.sh /var/backups/permitflow
#
# The database is dumped first, the files second: a file uploaded in between is a file
# without a row (harmless), never a row without its file. Prints the two paths.
set -eu
dest=${1:?usage: backup.sh BACKUP_DIR}
url=${PERMITFLOW_DATABASE_URL:?set PERMITFLOW_DATABASE_URL}
docs=${PERMITFLOW_DOCUMENT_DIR:?set PERMITFLOW_DOCUMENT_DIR}
libpq_url=$(printf '%s' "$url" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dest"
pg_dump --format=custom --no-owner --file "$dest/permitflow-$stamp.dump" "$libpq_url"
mkdir -p "$docs"
tar -C "$docs" -czf "$dest/documents-$stamp.tar.gz" .
echo "$dest/permitflow-$stamp.dump"
echo "$dest/documents-$stamp.tar.gz"
