#!/usr/bin/env bash
# Builds librseqalloc from source; called by Maven (exec-maven-plugin), also runnable by hand.
#   build-native.sh build <output-resource-dir> <test-output-dir>
#   build-native.sh test  <output-resource-dir> <test-output-dir>   (runs the native tests)
# Produces, in <output-resource-dir>:
#   librseqalloc.so         the production library
#   librseqalloc-inject.so  the test build that spins inside every critical section
#   libforeignrseq.so       test helper: a foreign rseq registration
#   seccomp-no-rseq         test launcher: rseq (and optionally membarrier) -> ENOSYS
# and, in <test-output-dir>, test_native, which it runs when asked.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
action=$1
out=$2
testout=$3
if [ "$action" = "test" ]; then
  echo "native tests, glibc's registration:"
  "$testout/test_native"
  echo "native tests, own registration (GLIBC_TUNABLES=glibc.pthread.rseq=0):"
  GLIBC_TUNABLES=glibc.pthread.rseq=0 "$testout/test_native"
  echo "native tests under a seccomp filter that blocks rseq:"
  "$out/seccomp-no-rseq" "$testout/test_native"
  exit 0
fi
mkdir -p "$out" "$testout"
CC=${CC:-gcc}
CFLAGS="-O2 -g -fPIC -Wall -Wextra -Werror -std=gnu11 -fno-strict-aliasing"
src=$here/src/main/c
tst=$here/src/test/c
# -z nodelete: the kernel may hold pointers into our TLS area and descriptors, so the
# library must never be unmapped while threads are registered.
LDFLAGS="-shared -Wl,-z,nodelete -Wl,-z,now -Wl,--no-undefined"
$CC $CFLAGS $LDFLAGS -o "$out/librseqalloc.so" "$src/rseq_coexist.c" "$src/percpu_slab_x86_64.S" -ldl -lpthread
$CC $CFLAGS -DRA_INJECT_DELAY $LDFLAGS -o "$out/librseqalloc-inject.so" "$src/rseq_coexist.c" "$src/percpu_slab_x86_64.S" -ldl -lpthread
$CC $CFLAGS -shared -o "$out/libforeignrseq.so" "$tst/foreign_rseq.c" -ldl
$CC -O2 -Wall -Werror -o "$out/seccomp-no-rseq" "$tst/seccomp_no_rseq.c"
$CC $CFLAGS -DRA_INJECT_DELAY -I"$src" -o "$testout/test_native" "$tst/test_native.c" "$src/rseq_coexist.c" "$src/percpu_slab_x86_64.S" -ldl -lpthread
