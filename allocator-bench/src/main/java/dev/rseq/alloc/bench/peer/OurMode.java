package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.FastPath;
import dev.rseq.alloc.PerCpuAllocator;

/**
 * The configurations of our allocator measured as separate rows. Each builds its own
 * instance (not {@link PerCpuAllocator#global()}) so every row starts from empty caches,
 * and the peer closes it afterwards. This is the one place that touches the Builder.
 */
public enum OurMode {
    /** Builder defaults: thread caches over rseq per-CPU caches, every free validated. */
    DEFAULT("rseq", "ours, defaults (thread caches over rseq per-CPU caches)"),
    /** One rseq critical-section downcall per allocate and per free. */
    PER_CPU_DIRECT("rseq-direct", "ours, PER_CPU_DIRECT fast path (one rseq downcall per op)"),
    /** The CAS-based caches instead of rseq. */
    CAS("rseq-cas", "ours, forceCas(true): CAS caches instead of rseq"),
    /** Checked mode: double-free and foreign-pointer detection. */
    CHECKED("rseq-checked", "ours, checked(true): double-free/foreign-pointer detection");

    private final String id;
    private final String description;

    OurMode(String id, String description) {
        this.id = id;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** A new instance in this mode; the caller closes it. */
    public PerCpuAllocator newAllocator() {
        PerCpuAllocator.Builder builder = PerCpuAllocator.builder();
        switch (this) {
            case DEFAULT -> {}
            case PER_CPU_DIRECT -> builder.fastPath(FastPath.PER_CPU_DIRECT);
            case CAS -> builder.forceCas(true);
            case CHECKED -> builder.checked(true);
        }
        return builder.build();
    }
}
