package dev.rseq.alloc;

/** How a platform thread reaches the per-CPU tier. Virtual threads always use {@link #PER_CPU_DIRECT}. */
public enum FastPath {
    /**
     * Default. A small bounded magazine per platform thread (no downcall, no atomic on a
     * hit); misses move half a class's magazine to or from the per-CPU slab in one batch
     * downcall. Magazines are capped per allocator, so thread count cannot grow memory.
     */
    MAGAZINE,
    /** One critical downcall (an rseq push or pop) per operation; no per-thread state. */
    PER_CPU_DIRECT
}
