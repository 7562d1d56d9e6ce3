#!/bin/sh
# Fetch Debian 12's protobuf-c source package (1.4.1) so that the fuzz build
# can compile the protobuf-c runtime (protobuf-c/protobuf-c.c) with the
# sanitizers. Idempotent: enables deb-src in the Debian sources file only if
# it is not enabled yet, and downloads only when the tree is not there.
#
# usage: get-protobuf-c.sh [DEST]   (default: build-fuzz/protobuf-c-src)
# Prints the path of the unpacked source tree on its last line.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest=${1:-"$root/build-fuzz/protobuf-c-src"}
# Absolute: the script changes directory before it looks for the tree again.
case $dest in /*) ;; *) dest=$PWD/$dest ;; esac
sources=/etc/apt/sources.list.d/debian.sources

existing=$(ls -d "$dest"/protobuf-c-1.4.1* 2>/dev/null | head -n 1 || true)
if [ -n "$existing" ] && [ -f "$existing/protobuf-c/protobuf-c.c" ]; then
	echo "$existing"
	exit 0
fi

if [ -f "$sources" ] && ! grep -q '^Types:.*deb-src' "$sources"; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "get-protobuf-c.sh: deb-src is not enabled in $sources and we are not root" >&2
		exit 1
	fi
	cp -p "$sources" "$sources.orig-before-deb-src"
	sed -i 's/^Types: deb$/Types: deb deb-src/' "$sources"
	echo "get-protobuf-c.sh: enabled deb-src in $sources (backup: $sources.orig-before-deb-src)" >&2
fi

apt-get update -qq >&2
mkdir -p "$dest"
# --download-only keeps dpkg-dev out of it if dpkg-source is missing; unpack ourselves then.
cd "$dest"
if command -v dpkg-source >/dev/null 2>&1; then
	apt-get source -qq protobuf-c >&2
else
	apt-get source -qq --download-only protobuf-c >&2
	tar xf protobuf-c_*.orig.tar.* && for d in protobuf-c-*/; do :; done
fi
dir=$(ls -d "$dest"/protobuf-c-1.4.1* 2>/dev/null | head -n 1 || true)
if [ -z "$dir" ] || [ ! -f "$dir/protobuf-c/protobuf-c.c" ]; then
	echo "get-protobuf-c.sh: no protobuf-c 1.4.1 source tree in $dest" >&2
	exit 1
fi
echo "$dir"
