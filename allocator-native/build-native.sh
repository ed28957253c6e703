#!/usr/bin/env bash
# Builds librseqalloc from source; called by Maven (exec-maven-plugin), also runnable by hand.
#   build-native.sh build <library-dir> <tools-dir> <test-bin-dir>
#   build-native.sh test  <library-dir> <tools-dir> <test-bin-dir>   (runs the native tests)
# Produces, in <library-dir> (the production jar):
#   librseqalloc.so         the production library
# in <tools-dir> (the tests jar, classifier "tests": test and tool helpers, never shipped
# in the production jar):
#   librseqalloc-inject.so  the test build that spins inside every critical section
#   librseqalloc-skewed.so  a test build whose contract table disagrees with Java on one name
#   libforeignrseq.so       a foreign rseq registration
#   librseqlike.so          a registrant that behaves like librseq (src/test/c/librseq_like.c)
#   seccomp-no-rseq         launcher: rseq (and optionally membarrier) -> ENOSYS
# and, in <test-bin-dir>, test_native, which it runs when asked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
action=$1
out=$2
tools=$3
testout=$4
# The oldest glibc the production library may need (getauxval); docs/coexistence.md states it.
glibc_floor=2.16
if [ "$action" = "test" ]; then
  t="$testout/test_native"
  off=glibc.pthread.rseq=0
  like="$tools/librseqlike.so"
  echo "native tests, glibc's registration:"
  "$t"
  echo "native tests, own registration (GLIBC_TUNABLES=$off):"
  GLIBC_TUNABLES=$off "$t"
  echo "native tests under a seccomp filter that blocks rseq:"
  "$tools/seccomp-no-rseq" "$t"
  echo "librseq-like registrant preloaded, glibc's registration:"
  LD_PRELOAD="$like" "$t" librseq-preloaded
  echo "librseq-like registrant preloaded, glibc off:"
  LD_PRELOAD="$like" GLIBC_TUNABLES=$off "$t" librseq-preloaded
  echo "librseq-like registrant preloaded, glibc off, registering through it:"
  LD_PRELOAD="$like" GLIBC_TUNABLES=$off "$t" librseq-delegate
  echo "librseq-like registrant dlopen'ed late, glibc off, self-registration off:"
  GLIBC_TUNABLES=$off "$t" librseq-late "$like"
  echo "librseq-like registrant dlopen'ed late, glibc off, an own registration live:"
  GLIBC_TUNABLES=$off "$t" librseq-late-own "$like"
  exit 0
fi
mkdir -p "$out" "$tools" "$testout"
CC=${CC:-gcc}
CFLAGS="-O2 -g -fPIC -Wall -Wextra -Werror -std=gnu11 -fno-strict-aliasing"
src=$here/src/main/c
tst=$here/src/test/c
# -z nodelete: the kernel may hold pointers into our TLS area and descriptors, so the
# library must never be unmapped while threads are registered.
# libdl.so.2 and libpthread.so.0 by file name: glibc_compat.h binds dlsym & co. to their
# pre-2.34 versions, which live there on glibc < 2.34 (stubs on newer ones).
LDFLAGS="-shared -Wl,-z,nodelete -Wl,-z,now -Wl,--no-undefined"
LIBS="-Wl,--no-as-needed -l:libdl.so.2 -l:libpthread.so.0"
lib_src="$src/rseq_coexist.c $src/percpu_slab_x86_64.S"
$CC $CFLAGS $LDFLAGS -o "$out/librseqalloc.so" $lib_src $LIBS
$CC $CFLAGS -DRA_INJECT_DELAY $LDFLAGS -o "$tools/librseqalloc-inject.so" $lib_src $LIBS
$CC $CFLAGS -DRA_TEST_SKEWED_CONTRACT $LDFLAGS -o "$tools/librseqalloc-skewed.so" $lib_src $LIBS
$CC $CFLAGS -shared -o "$tools/libforeignrseq.so" "$tst/foreign_rseq.c" -ldl
$CC $CFLAGS -shared -o "$tools/librseqlike.so" "$tst/librseq_like.c" -ldl -lpthread
$CC -O2 -Wall -Werror -o "$tools/seccomp-no-rseq" "$tst/seccomp_no_rseq.c"
$CC $CFLAGS -DRA_INJECT_DELAY -I"$src" -o "$testout/test_native" "$tst/test_native.c" $lib_src -ldl -lpthread

# The glibc floor: no symbol of the production library may need a newer version.
need=$(objdump -T "$out/librseqalloc.so" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
if [ "$(printf '%s\n%s\n' "$glibc_floor" "$need" | sort -V | tail -1)" != "$glibc_floor" ]; then
  echo "librseqalloc.so needs GLIBC_$need, above the floor GLIBC_$glibc_floor:" >&2
  objdump -T "$out/librseqalloc.so" | grep "GLIBC_$need" >&2
  exit 1
fi
echo "librseqalloc.so: newest glibc symbol version GLIBC_$need (floor GLIBC_$glibc_floor)"
