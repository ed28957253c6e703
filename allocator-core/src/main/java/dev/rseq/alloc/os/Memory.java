package dev.rseq.alloc.os;

/**
 * Where the page heap gets address space and memory. {@link OsMemory} (mmap through libc:
 * reservations cost nothing until used) wherever it works; {@link JdkMemory} (memory from
 * the JDK's arenas, committed and zeroed up front) everywhere else JDK 25 runs.
 */
public interface Memory {
    /**
     * Address space of {@code bytes} starting at a multiple of {@code alignment} (a power of
     * two, at least {@link OsMemory#OS_PAGE}); not usable until {@link #commit}. Nothing
     * beyond the range is kept.
     *
     * @throws OutOfMemoryError naming the cause when it cannot be had
     */
    long reserve(long bytes, long alignment);

    /** Makes part of a reservation readable and writable; it reads as zeroes until written. */
    void commit(long address, long bytes);

    /** Gives a whole reservation (as {@link #reserve} returned it) back. */
    void release(long address, long bytes);

    /** Drops the contents of committed pages: they hold no memory and read as zeroes afterwards. */
    void forget(long address, long bytes);

    /** Transparent huge page advice (0 for none); false where unsupported. */
    boolean adviseHugePages(long address, long bytes, int advice);

    /** True when reservations cost nothing until committed (so a large one is cheap). */
    boolean lazy();

    /** A short name for reports: "os" or "jdk". */
    String name();
}
