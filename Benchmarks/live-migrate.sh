#!/bin/bash
# Moves a served SQLite centre to PostgreSQL while a kiosk keeps recording and syncing, and prints how
# long the move took, how long the centre's writes were held, and what each sync overlapping it saw.
#
#   Benchmarks/live-migrate.sh TENANTS 'postgres://USER@HOST/EMPTY_DB[?host=/socket/dir]' [CONSENT_BINARY]
#
# Uses a scratch folder under /tmp; the database must exist and be empty. Build with
# `swift build -c release --product consent` first for realistic figures.
set -u
N=${1:?tenants}; URL=${2:?an empty PostgreSQL database}; C=${3:-$(dirname "$0")/../.build/release/consent}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CONSENT_FORMS=${CONSENT_FORMS:-$ROOT/Forms} CONSENT_LOCALIZATION=${CONSENT_LOCALIZATION:-$ROOT/Localization}
PORT=$((20000 + RANDOM % 20000))
W=$(mktemp -d /tmp/live-migrate-XXXXXX); cd "$W" || exit 1
trap 'touch "$W/stop"; [ -n "${SPID:-}" ] && kill $SPID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
/usr/bin/time -f "demo centre: %e s" "$C" demo --centre --tenants "$N" --db central.sqlite >/dev/null
"$C" serve --db central.sqlite --listen 127.0.0.1:$PORT 2>serve.log & SPID=$!
sleep 1
cp central.key kiosk.key
"$C" init --db kiosk.sqlite --device kiosk-a >/dev/null
echo "correct horse battery" | "$C" staff add S1 --role support --name Sam --password-stdin --db kiosk.sqlite >/dev/null
"$C" device enrol --db kiosk.sqlite --server http://127.0.0.1:$PORT --code "$("$C" device issue-code --office Leeds --db central.sqlite)" >/dev/null
/usr/bin/time -f "kiosk's first sync: %e s" "$C" sync --db kiosk.sqlite
( i=0; while [ ! -e stop ]; do i=$((i + 1))
    "$C" record "$(printf 'T%07d' $((i % 20 + 1)))" withdraw --attribute email --purpose service-updates-email --staff S1 --db kiosk.sqlite >/dev/null 2>&1
    s=$(date +%s.%N); out=$("$C" sync --db kiosk.sqlite 2>&1); rc=$?; e=$(date +%s.%N)
    echo "$s $e $rc $(echo "$out" | head -c 120)" >> syncs.log
  done ) &
sleep 2
ms=$(date +%s.%N)
/usr/bin/time -f "migrate: %e s, max RSS %M KB" "$C" migrate --from central.sqlite --to "$URL" --json > migrate.json 2> migrate.err
me=$(date +%s.%N)
cat migrate.err; grep -E '"events"|writesHeldSeconds|"matches"' migrate.json
sleep 2; touch stop; sleep 1
awk -v ms="$ms" -v me="$me" '{ d = $2 - $1; if ($2 >= ms && $1 <= me) printf "sync during the move: %.2f s, exit %s: %s\n", d, $3, substr($0, index($0, $4)) }' syncs.log
awk '$3 == 0 { ok++; t += $2 - $1 } END { if (ok) printf "%d syncs succeeded, mean %.3f s\n", ok, t / ok }' syncs.log
