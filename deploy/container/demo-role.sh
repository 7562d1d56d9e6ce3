#!/usr/bin/env bash
# The roles of the container demo (deploy/compose.yaml). UNTESTED (see README).
#   coordinator COMPANY...  create the park, enrol each company's request as it
#                           appears in /exchange, run the daemon and drive one round
#   company ID              create keys, hand in the request, install the
#                           certificate, submit, accept, print the exchanges
set -euo pipefail
EX=/exchange
EXAMPLES=/usr/share/doc/symbiod/examples/kalundborg
wait_for() { for _ in $(seq 1 600); do [ -e "$1" ] && return 0; sleep 0.5; done; echo "timed out waiting for $1" >&2; exit 1; }
role=${1:?role}
shift
case "$role" in
coordinator)
	park=/var/lib/symbiod/park
	[ -e "$park/park.json" ] || symbiod init --dir "$park" --name "Kalundborg container demo" --endpoint tcp://coordinator:7400
	cp "$park/park.json" "$EX/park.json"
	symbiod run --dir "$park" --endpoint tcp://0.0.0.0:7400 &
	daemon=$!
	for c in "$@"; do
		wait_for "$EX/$c.csr"
		[ -e "$EX/$c.crt" ] || symbiod enroll --dir "$park" --csr "$EX/$c.csr" --out "$EX/$c.crt"
	done
	sleep 2
	symbiod round open --dir "$park" | tee "$EX/round"
	for c in "$@"; do wait_for "$EX/$c.submitted"; done
	symbiod round close --dir "$park"
	touch "$EX/closed"
	for c in "$@"; do wait_for "$EX/$c.answered"; done
	symbiod round status --dir "$park"
	symbiod log export --dir "$park" --out "$EX/audit" --with-batches # replay needs them (a demo: no member sees them)
	symbi-audit verify "$EX/audit" && symbi-audit replay "$EX/audit"
	wait "$daemon"
	;;
company)
	id=${1:?company id}
	state=/var/lib/symbiod/state
	wait_for "$EX/park.json"
	[ -e "$state/identity.key" ] || symbi init --dir "$state" --park "$EX/park.json" --id "$id" --name "$id"
	cp "$state/request.csr" "$EX/$id.csr"
	wait_for "$EX/$id.crt"
	symbi enroll --dir "$state" --cert "$EX/$id.crt"
	wait_for "$EX/round"
	symbi submit --dir "$state" "$EXAMPLES/$id.json"
	touch "$EX/$id.submitted"
	wait_for "$EX/closed"
	symbi candidates --dir "$state"
	symbi accept --dir "$state" --all --yes || true
	touch "$EX/$id.answered"
	sleep 3
	symbi exchanges --dir "$state"
	;;
*)
	echo "usage: symbiod-demo-role coordinator COMPANY... | company ID" >&2
	exit 64
	;;
esac
