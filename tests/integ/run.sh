#!/bin/sh
# Runs one integration test (a shell script) with the paths it needs.
# Called by automake's test driver as: run.sh tests/integ/NAME.test
: "${top_srcdir:=.}" "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
ZONED="$top_builddir/zoned"
SIO_ECHO="$top_builddir/tests/sio-echo"
AREA_DIR="$top_srcdir/etc/areas"
INTEG_SRC="$top_srcdir/tests/integ"
INTEG_BUILD="$top_builddir/tests/integ"
export top_srcdir top_builddir ZONED SIO_ECHO AREA_DIR INTEG_SRC INTEG_BUILD
exec "${SHELL:-/bin/sh}" "$1"
