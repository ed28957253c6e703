package dev.rseq.alloc.rseq;

/**
 * How one OS thread reaches the per-CPU caches. A process can hold all of these at once.
 * A mode is fixed once a thread attached, except {@link #CAS_UNREGISTERED}: such a thread
 * has no registration this library can use and may not create one, and it moves to
 * {@link #RSEQ_LIBRSEQ} once librseq's user registers it ({@link #isSettled()} is false;
 * {@link RseqNative#attachCurrentThread()} re-checks it cheaply on every call).
 * The numeric codes are those of librseqalloc ({@code RA_MODE_*}); {@link NativeContract}
 * checks them when the library loads.
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
    /**
     * rseq cannot be used here: ENOSYS (old kernel, seccomp, valgrind), glibc's own
     * registration failed, or librseqalloc could not be loaded at all
     * ({@link RseqNative#available()}). CAS caches.
     */
    CAS_UNAVAILABLE(4, "cas-unavailable"),
    /** The user forced CAS mode. */
    CAS_FORCED(5, "cas-forced"),
    /** librseq owns registration in this process; this thread runs on librseq's area, shared with librseq's users. */
    RSEQ_LIBRSEQ(6, "rseq-librseq"),
    /**
     * Nobody registered this thread and this library may not (librseq owns registration,
     * or {@code rseqalloc.selfRegister=false}): CAS caches until librseq's user registers it.
     */
    CAS_UNREGISTERED(7, "cas-unregistered");

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
        return this == RSEQ_GLIBC || this == RSEQ_OWN || this == RSEQ_LIBRSEQ;
    }

    /**
     * False when the mode may still change: {@link #UNKNOWN}, and {@link #CAS_UNREGISTERED}
     * (the thread switches to rseq once librseq's user registers it). A caller that caches
     * a thread's mode should ask {@link RseqNative#attachCurrentThread()} again while this
     * is false.
     */
    public boolean isSettled() {
        return this != UNKNOWN && this != CAS_UNREGISTERED;
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
