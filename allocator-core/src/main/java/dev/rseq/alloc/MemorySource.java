package dev.rseq.alloc;

/** Where the heap's memory comes from. */
public enum MemorySource {
    /** The OS where the allocator can call mmap (Linux), else the JDK. */
    AUTO,
    /** mmap through FFM: a large reservation costs nothing until used, idle pages go back with madvise. */
    OS,
    /**
     * The JDK's arenas, for platforms without mmap (or tests of that path): the heap is one
     * allocation of {@link AllocatorSettings#jdkMemoryBytes()}, committed and zeroed at once.
     */
    JDK
}
