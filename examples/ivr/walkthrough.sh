#!/bin/sh
# Walk-through: a citizen starts on the website and continues by phone.
#
#   WEGWIJZER_URL=http://127.0.0.1:8080 sh examples/ivr/walkthrough.sh [SERVICE]
#
# Every step prints the request and the answer's key facts as "name: value" lines.
# Needs curl and python3 (to read the JSON answers); WEGWIJZER_VERBOSE=1 prints them whole.
# WEGWIJZER_TOKEN: a bearer token (advice role) when the server runs with --tokens.
# WEGWIJZER_TIME: context.time for the advice and the route (default: now).
set -eu

URL=${WEGWIJZER_URL:-http://127.0.0.1:8080}
URL=${URL%/}
SERVICE=${1:-verhuizing}
TIME=${WEGWIJZER_TIME:-}

for tool in curl python3; do
  command -v $tool >/dev/null 2>&1 || { echo "walkthrough: $tool is needed" >&2; exit 2; }
done

ctx='"origin": "web"'
ivr_ctx='"origin": "ivr"'
if [ -n "$TIME" ]; then
  ctx="$ctx, \"time\": \"$TIME\""
  ivr_ctx="$ivr_ctx, \"time\": \"$TIME\""
fi

# call METHOD PATH [JSON]: the body on stdout, "HTTP <status>" kept in $status
body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT INT TERM
call() {
  set -- "$1" "$2" "${3:-}"
  if [ -n "$3" ]; then
    status=$(curl -sS -o "$body_file" -w '%{http_code}' -X "$1" "$URL$2" \
      -H 'Content-Type: application/json' ${WEGWIJZER_TOKEN:+-H "Authorization: Bearer $WEGWIJZER_TOKEN"} \
      --data "$3")
  else
    status=$(curl -sS -o "$body_file" -w '%{http_code}' -X "$1" "$URL$2" \
      ${WEGWIJZER_TOKEN:+-H "Authorization: Bearer $WEGWIJZER_TOKEN"})
  fi
  echo "  > $1 $2 ${3:+$3}"
  echo "  < HTTP $status"
  if [ "${WEGWIJZER_VERBOSE:-0}" = 1 ]; then
    python3 -m json.tool < "$body_file" | sed 's/^/    /'
  fi
}

# get PATH: a value from the last answer, PATH like channels.0.id (python3 parses the JSON)
get() {
  python3 - "$body_file" "$1" <<'PY'
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else (v or {}).get(k)
print("" if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)))
PY
}
# events: one line per event of the last answer's agentContext
events() {
  python3 - "$body_file" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1], encoding="utf-8"))["agentContext"]["events"]:
    print("gebeurtenis: %s %s %s" % (e.get("at"), e.get("channel"), e.get("type")))
PY
}

die() { echo "walkthrough: $*" >&2; cat "$body_file" >&2; echo >&2; exit 1; }

echo "== Stap 1: de inwoner opent de pagina '$SERVICE'; de widget maakt een sessie"
call POST /v1/sessions "{\"channel\": \"website\", \"service\": \"$SERVICE\"}"
[ "$status" = 201 ] || die "session not created"
SESSION=$(get session.id)
[ -n "$SESSION" ] || die "no session id"
echo "sessie: $SESSION"

echo "== Stap 2: de widget vraagt advies (POST /v1/advice)"
call POST /v1/advice "{\"service\": \"$SERVICE\", \"sessionId\": \"$SESSION\", \"context\": {$ctx}}"
[ "$status" = 200 ] || die "advice failed"
echo "eerste kanaal: $(get channels.0.id) ($(get channels.0.name))"
echo "advies-sessie: $(get sessionId)"

echo "== Stap 3: de inwoner klikt 'Ik wil bellen' (POST /v1/sessions/{id}/handover)"
call POST "/v1/sessions/$SESSION/handover" '{"channel": "website", "to": "telefoon"}'
[ "$status" = 201 ] || die "no handover code"
CODE=$(get code)
case $CODE in [0-9][0-9][0-9][0-9][0-9][0-9]) ;; *) die "bad code '$CODE'" ;; esac
echo "code: $(echo "$CODE" | cut -c1-3) $(echo "$CODE" | cut -c4-6)"
echo "geldig tot: $(get expiresAt)"

echo "== Stap 4: de inwoner belt 14 039 en toetst de code; het keuzemenu vraagt POST /v1/route"
call POST /v1/route "{\"service\": \"$SERVICE\", \"handoverCode\": \"$CODE\", \"context\": {$ivr_ctx}}"
[ "$status" = 200 ] || die "route failed"
echo "doel: $(get target.id)"
echo "wachtrij: $(get target.queue)"
echo "prioriteit: $(get target.priority)"
echo "route-sessie: $(get sessionId)"

echo "== Stap 5: wat de medewerker ziet (agentContext)"
echo "agentContext.service: $(get agentContext.service)"
echo "agentContext.lastChannel: $(get agentContext.lastChannel)"
events

echo "== Stap 6: de code werkt maar één keer"
call POST /v1/handover/claim "{\"code\": \"$CODE\", \"channel\": \"telefoon\"}"
echo "tweede claim: HTTP $status"
[ "$status" = 404 ] || die "the code worked twice"
echo "klaar"
