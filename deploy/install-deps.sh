#!/usr/bin/env bash
# Install the Debian 12 packages Symbiod needs to build, test and run.
# Installs only what is missing, so it is safe to run any number of times.
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	libsodium-dev       # curves, signatures, AEAD, KDF
	libssl-dev          # AES-NI token PRF, X.509 enrolment
	libzmq3-dev         # transport with CURVE
	libprotobuf-c-dev protobuf-c-compiler # wire format (proto2)
	libsqlite3-dev      # durable state
	libjansson-dev      # JSON
	libcmocka-dev       # unit tests
	clang libclang-rt-14-dev # sanitizer and fuzz builds
	python3 openssl     # test and demo scripts; the openssl CLI cross-checks certificates
	man-db              # the install test renders the man pages
	valgrind            # the unit tests also run under memcheck
	chromium            # the operator's dashboard is tested in a real headless browser
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present" >&2
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
