package dev.rseq.alloc;

/** What the allocator tells the kernel about transparent huge pages for its heap. */
public enum HugePages {
    /** Say nothing: the system's setting ({@code /sys/kernel/mm/transparent_hugepage/enabled}) applies. */
    SYSTEM_DEFAULT,
    /** {@code madvise(MADV_HUGEPAGE)} on every part of the heap made usable. */
    ALWAYS,
    /** {@code madvise(MADV_NOHUGEPAGE)}. */
    NEVER
}
