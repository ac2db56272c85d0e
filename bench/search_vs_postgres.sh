#!/usr/bin/env bash
# Search latency of Missive (SQLite FTS5) against PostgreSQL 15's built-in full-text search
# (tsvector + GIN) on the same generated corpus, the same queries and the same visibility
# rule, in one run. Usage: bench/search_vs_postgres.sh [messages]  (default 1000000)
#
# 1. bench/search_bench generates the corpus, measures the send path and the SQLite queries,
#    and exports the corpus and the queries as TSV.
# 2. A throwaway PostgreSQL cluster (temporary data directory, 127.0.0.1, a free port, no
#    durability: it is thrown away) loads the same rows with COPY, builds a GIN index and runs
#    the same queries server-side in PL/pgSQL (client round trips are not counted).
# PostgreSQL is installed with apt when missing. Everything is removed at the end.
set -euo pipefail

MESSAGES=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build/release}
PGBIN=/usr/lib/postgresql/15/bin
PORT=${PGPORT_BENCH:-55432}
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo

if [ ! -x "$PGBIN/initdb" ]; then
  echo "installing PostgreSQL 15"
  $SUDO apt-get install -y --no-install-recommends postgresql-15 >/dev/null
fi

WORK=$(mktemp -d)
chmod 755 "$WORK"
as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== Missive (SQLite FTS5), $MESSAGES messages"
"$BUILD/bench/search_bench" --messages "$MESSAGES" --send-sample 10000 --dir "$WORK/sqlite" \
  --export "$WORK/export"
chmod -R a+rX "$WORK/export"

echo "== PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') (tsvector + GIN), same corpus"
mkdir -p "$WORK/pg" "$WORK/sock"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg" "$WORK/sock"
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --locale=C.UTF-8 --encoding=UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w start -o \
  "-p $PORT -k $WORK/sock -c listen_addresses=127.0.0.1 -c shared_buffers=2GB -c work_mem=64MB \
   -c maintenance_work_mem=1GB -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
   -c max_wal_size=8GB -c jit=off" >/dev/null
psql_pg() { as_pg psql -h 127.0.0.1 -p "$PORT" -U postgres -q -v ON_ERROR_STOP=1 "$@"; }

load_start=$(date +%s)
psql_pg <<SQL
CREATE TABLE message (
  id bigint PRIMARY KEY, creator_id bigint NOT NULL, create_date bigint NOT NULL,
  subject text NOT NULL, body text NOT NULL, expiry_date bigint,
  tsv tsvector GENERATED ALWAYS AS
    (setweight(to_tsvector('simple', subject), 'A') || to_tsvector('simple', body)) STORED);
CREATE TABLE message_recipient (message_id bigint NOT NULL, recipient_id bigint NOT NULL);
CREATE TABLE queries (kind text, user_id bigint, q text);
SQL
for f in "$WORK"/export/messages_*.tsv; do
  psql_pg -c "\\copy message (id, creator_id, create_date, subject, body) FROM '$f'"
done
for f in "$WORK"/export/recipients_*.tsv; do
  psql_pg -c "\\copy message_recipient FROM '$f'"
done
psql_pg -c "\\copy queries FROM '$WORK/export/queries.tsv'"
psql_pg <<SQL
CREATE INDEX message_tsv ON message USING gin (tsv);
CREATE INDEX message_by_creator ON message (creator_id, id);
CREATE INDEX recipient_by_user ON message_recipient (recipient_id, message_id);
CREATE INDEX recipient_by_message ON message_recipient (message_id, recipient_id);
VACUUM ANALYZE;
SQL
echo "loaded and indexed in $(( $(date +%s) - load_start )) s"

# The same rule and bounding as Missive: the caller's visible, unexpired hits, the newest
# 2,000 ranked by ts_rank (newer first on ties), 20 returned. Each query is planned with its
# values (EXECUTE ... USING); a warm-up pass runs first.
psql_pg <<'SQL'
CREATE TABLE timing (kind text, ms double precision, hits int);
CREATE FUNCTION run_query(u bigint, q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
  EXECUTE $q$
    SELECT count(*) FROM (
      SELECT c.id FROM (
        SELECT m.id, m.tsv FROM message m
        WHERE m.tsv @@ to_tsquery('simple', $2)
          AND (m.expiry_date IS NULL OR m.expiry_date > 1800000000000)
          AND (m.creator_id = $1 OR EXISTS (SELECT 1 FROM message_recipient r
                                           WHERE r.message_id = m.id AND r.recipient_id = $1))
        ORDER BY m.id DESC LIMIT 2000) c
      ORDER BY ts_rank(c.tsv, to_tsquery('simple', $2)) DESC, c.id DESC LIMIT 20) page
  $q$ INTO n USING u, q;
  RETURN n;
END $$;
DO $$
DECLARE r record; t0 timestamptz; n int;
BEGIN
  FOR r IN SELECT * FROM queries LIMIT 100 LOOP PERFORM run_query(r.user_id, r.q); END LOOP;
  FOR rep IN 1..3 LOOP
    FOR r IN SELECT * FROM queries LOOP
      t0 := clock_timestamp();
      n := run_query(r.user_id, r.q);
      INSERT INTO timing VALUES (r.kind, extract(epoch FROM clock_timestamp() - t0) * 1000, n);
    END LOOP;
  END LOOP;
END $$;
\pset footer off
SELECT kind AS query,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3) AS "p50 ms",
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 3) AS "p99 ms",
       round(avg(hits), 1) AS "hits/query"
FROM timing GROUP BY kind ORDER BY min(ctid);
SQL
