package dev.rseq.alloc.rseq;

/**
 * How one OS thread reaches the per-CPU caches. A mode is a fact about a platform
 * (or carrier) thread, fixed once that thread attached; a process can hold all of them.
 * The numeric codes are those of librseqalloc ({@code RA_MODE_*}).
 */
public enum RseqMode {
    /** Not attached yet. */
    UNKNOWN(0, "unknown"),
    /** glibc registered rseq for this thread; we use its area. */
    RSEQ_GLIBC(1, "rseq-glibc"),
    /** We registered our own area on this thread (glibc did not). */
    RSEQ_OWN(2, "rseq-own"),
    /** Another component owns this thread's registration: CAS caches. */
    CAS_OWNED_ELSEWHERE(3, "cas-owned-elsewhere"),
    /** rseq cannot be registered here (ENOSYS: old kernel, seccomp, valgrind): CAS caches. */
    CAS_UNAVAILABLE(4, "cas-unavailable"),
    /** The user forced CAS mode. */
    CAS_FORCED(5, "cas-forced");

    private static final RseqMode[] BY_CODE = values();

    private final int code;
    private final String label;

    RseqMode(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** Native code of this mode. */
    public int code() {
        return code;
    }

    /** Stable, lower-case name used in reports and JSON ({@code rseq-glibc}, ...). */
    public String label() {
        return label;
    }

    /** True when this thread runs the rseq critical sections. */
    public boolean usesRseq() {
        return this == RSEQ_GLIBC || this == RSEQ_OWN;
    }

    static RseqMode ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalStateException("unknown rseq mode code " + code);
        }
        return BY_CODE[code];
    }

    @Override
    public String toString() {
        return label;
    }
}
