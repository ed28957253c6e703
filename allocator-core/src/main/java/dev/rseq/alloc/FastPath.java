package dev.rseq.alloc;

/** How threads reach the per-CPU tier. */
public enum FastPath {
    /**
     * Default. A cache of free blocks per OS thread (a platform thread, or the carrier a
     * virtual thread runs on): a hit makes no downcall and no atomic operation; misses move
     * batches to and from the per-CPU tier. All caches together stay within one byte budget,
     * so the thread count cannot grow memory.
     */
    THREAD_CACHE,
    /** One critical downcall (an rseq push or pop) per operation; no per-thread state. */
    PER_CPU_DIRECT
}
