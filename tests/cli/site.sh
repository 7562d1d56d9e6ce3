#!/usr/bin/env bash
# Sites through the real binaries (REACH.md): `symbi init --site LAT,LON`
# refuses a malformed site or one outside [-90, 90] x [-180, 180] with exit
# 64, naming the flag and the value, and creates nothing; a good one is
# rounded to 0.01 degree and goes into the request, the certificate and the
# directory (`symbiod members`). `symbiod enroll` reads the request as
# untrusted input: a request whose own signed extension carries a site out
# of range (made by symbi-forge, which skips the client's checks) is refused
# with exit 65 and enrols no one.
#
# usage: site.sh BINDIR
set -u
BIN=$1
. "$(dirname "$0")/../e2e/lib.sh"

P=$T/park
new_park "$P" "Sites" || { echo "cannot create park"; exit 1; }

for bad in "90.01,0" "-90.5,10" "0,180.5" "0,-181" "55.66" "55.66,11.08,3" "abc,def" "1e1,2" \
	"nan,0" "55.66;11.08" " 55.66,11.08" ""; do
	expect_rc 64 "init --site \"$bad\" is refused" -- \
		"$BIN/symbi" init --dir "$T/bad" --park "$P/park.json" --id bad --name Bad --site "$bad"
	expect_grep "$T/err" "--site \"$(printf '%s' "$bad" | sed 's/[].[*^$]/\\&/g')\": " "  ... naming the flag and the value"
	[ ! -e "$T/bad" ] && ok "  ... and creating nothing" || { bad "  ... $T/bad was created"; rm -rf "$T/bad"; }
done
expect_grep "$T/err" "expected LAT,LON" "  ... a malformed site says what is expected"
"$BIN/symbi" init --dir "$T/bad" --park "$P/park.json" --id bad --name Bad --site 90.01,0 2>"$T/err"
expect_grep "$T/err" "latitude outside \[-90, 90\]" "  ... an out-of-range latitude says so"
"$BIN/symbi" init --dir "$T/bad" --park "$P/park.json" --id bad --name Bad --site 0,-181 2>"$T/err"
expect_grep "$T/err" "longitude outside \[-180, 180\]" "  ... an out-of-range longitude says so"

# A good site, rounded to 0.01 degree, through request, certificate and directory.
expect_rc 0 "init --site 35.4849,129.355" -- \
	"$BIN/symbi" init --dir "$T/good" --park "$P/park.json" --id good --name Good --site 35.4849,129.355
expect_grep "$T/err" "site 35.48,129.36" "  ... rounded to 0.01 degree"
expect_rc 0 "enroll a request with a site" -- \
	"$BIN/symbiod" enroll --dir "$P" --csr "$T/good/request.csr" --out "$T/good.crt"
expect_grep "$T/err" "site 35.48,129.36" "  ... the operator sees the site"
expect_rc 0 "the company installs its certificate" -- "$BIN/symbi" enroll --dir "$T/good" --cert "$T/good.crt"
expect_rc 0 "members --json" -- "$BIN/symbiod" members --dir "$P" --json
expect_grep "$T/out" '"site": "35.48,129.36"' "  ... the directory holds the site"
# A certificate for another site is not this company's.
"$BIN/symbi" init --dir "$T/other" --park "$P/park.json" --id other --name Other --site 1,1 2>/dev/null
expect_rc 65 "a certificate binding another company's request is refused" -- \
	"$BIN/symbi" enroll --dir "$T/other" --cert "$T/good.crt"

# The request file is untrusted: a site out of range inside a well-signed request.
for ll in "9001 0" "-9001 0" "0 18001" "0 -18001" "2147483647 0"; do
	set -- $ll
	"$BIN/symbi-forge" site-csr --id far --lat "$1" --lon "$2" --out "$T/far.csr" || bad "forge"
	expect_rc 65 "enroll refuses a request with the site ($1, $2) hundredths" -- \
		"$BIN/symbiod" enroll --dir "$P" --csr "$T/far.csr" --out "$T/far.crt"
	expect_grep "$T/err" "outside \[-90, 90\] x \[-180, 180\]" "  ... saying the site is out of range"
	[ ! -e "$T/far.crt" ] && ok "  ... no certificate" || bad "  ... a certificate was written"
	rm -f "$T/far.csr"
done
"$BIN/symbiod" members --dir "$P" --json >"$T/out" 2>/dev/null
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); sys.exit(0 if [x["id"] for x in m] == ["good"] else 1)' "$T/out" &&
	ok "  ... and nobody else is enrolled" || bad "members after the refusals: $(cat "$T/out")"
# The same forged request with a site in range is enrolled: the refusal above was the range.
"$BIN/symbi-forge" site-csr --id near --lat -9000 --lon 18000 --out "$T/near.csr" || bad "forge"
expect_rc 0 "enroll takes a forged request whose site is in range (-90.00,180.00)" -- \
	"$BIN/symbiod" enroll --dir "$P" --csr "$T/near.csr" --out "$T/near.crt"
expect_grep "$T/err" "site -90.00,180.00" "  ... and shows it"
finish
