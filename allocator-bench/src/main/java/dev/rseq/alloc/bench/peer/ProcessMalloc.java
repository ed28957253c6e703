package dev.rseq.alloc.bench.peer;

/**
 * Which allocator the process's {@code malloc} really is. Under
 * {@code LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2} (or tcmalloc, mimalloc) the
 * preloaded library interposes malloc for the whole process, the JVM included; we recognise
 * it by a symbol only that allocator exports, searched in the global scope.
 */
public enum ProcessMalloc {
    GLIBC("glibc-malloc"),
    JEMALLOC("jemalloc(LD_PRELOAD)"),
    TCMALLOC("tcmalloc(LD_PRELOAD)"),
    MIMALLOC("mimalloc(LD_PRELOAD)");

    private final String rowName;

    ProcessMalloc(String rowName) {
        this.rowName = rowName;
    }

    /** Row label of the malloc peer. */
    public String rowName() {
        return rowName;
    }

    public static ProcessMalloc identify() {
        if (NativeSymbols.global("mallctl").isPresent()) {
            return JEMALLOC;
        }
        if (NativeSymbols.global("tc_malloc").isPresent()) {
            return TCMALLOC;
        }
        if (NativeSymbols.global("mi_malloc").isPresent()) {
            return MIMALLOC;
        }
        return GLIBC;
    }
}
