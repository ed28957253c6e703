package dev.rseq.alloc.rseq;

/**
 * Why a thread is in its {@link RseqMode}: the detail behind the mode, for {@code doctor}
 * and tests. Codes are librseqalloc's {@code RA_REASON_*}, checked by {@link NativeContract}.
 */
public enum RseqReason {
    NONE(0, "none"),
    GLIBC_REGISTERED(1, "glibc-registered"),
    GLIBC_FAILED(2, "glibc-failed"),
    GLIBC_UNREGISTERED(3, "glibc-area-unregistered"),
    OWN_REGISTERED(4, "own-registered"),
    OWN_SHARED(5, "own-shared"),
    OWN_AREA_CLAIMED(6, "own-area-claimed"),
    REGISTRATION_REFUSED(7, "registration-refused"),
    REGISTRATION_UNAVAILABLE(8, "registration-unavailable"),
    LIBRSEQ_REGISTERED(9, "librseq-registered"),
    LIBRSEQ_DELEGATED(10, "librseq-delegated"),
    LIBRSEQ_PENDING(11, "librseq-pending"),
    LIBRSEQ_LATE(12, "librseq-late"),
    SELF_REGISTER_OFF(13, "self-register-off"),
    FORCED(14, "forced"),
    LIBRSEQ_FAILED(15, "librseq-failed"),
    NO_LIBRARY(16, "no-library");

    private static final RseqReason[] BY_CODE = values();

    private final int code;
    private final String label;

    RseqReason(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    /** Stable, lower-case name used in reports and JSON. */
    public String label() {
        return label;
    }

    static RseqReason ofCode(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : NONE;
    }

    @Override
    public String toString() {
        return label;
    }
}
