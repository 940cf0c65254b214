#!/bin/sh
# autogen.sh: regenerate the autotools build files from configure.ac and Makefile.am.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf --force --install --verbose >/dev/null
echo "Now run ./configure && make"
