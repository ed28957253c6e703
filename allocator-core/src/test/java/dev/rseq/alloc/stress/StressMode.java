package dev.rseq.alloc.stress;

import dev.rseq.alloc.FastPath;
import dev.rseq.alloc.PerCpuAllocator;
import java.time.Duration;
import java.util.Locale;

/**
 * How one allocator instance of a stress run is configured. A thread's rseq mode is set by
 * the process environment (glibc's registration, our own, seccomp); these modes choose the
 * tiers an instance puts in front of the central lists.
 */
public enum StressMode {
    /**
     * Thread caches in front of the rseq slab, with a budget so small (64 KiB for all caches)
     * that caches keep stealing allowance from each other, shrink, and run with no capacity.
     */
    THREAD_CACHE,
    /** One rseq critical section per operation, no thread caches. */
    DIRECT,
    /** CAS caches forced on this instance, no thread caches: every operation takes a stripe lock. */
    CAS,
    /** Checked mode over thread caches: per-object "with a user" bits on every allocate and free. */
    CHECKED;

    /**
     * A new allocator for {@code threads} workers. Maintenance runs every 20 ms (instead of
     * 1 s) so idle-region drains race with the workers. Under memory pressure the page heap
     * keeps no free memory at all: every span that empties goes back to the OS at once and
     * comes back as zero pages while neighbouring blocks are live.
     */
    public PerCpuAllocator newAllocator(int threads, boolean pressure) {
        PerCpuAllocator.Builder b = PerCpuAllocator.builder().maintenanceInterval(Duration.ofMillis(20));
        if (pressure) {
            b.releaseThresholdBytes(0);
        }
        return switch (this) {
            case THREAD_CACHE ->
                b.fastPath(FastPath.THREAD_CACHE)
                        .threadCacheBytes(64 * 1024)
                        .threadCacheBytesPerThread(32 * 1024)
                        .build();
            case DIRECT -> b.fastPath(FastPath.PER_CPU_DIRECT).build();
            case CAS -> b.fastPath(FastPath.PER_CPU_DIRECT).forceCas(true).build();
            case CHECKED -> b.fastPath(FastPath.THREAD_CACHE).checked(true).build();
        };
    }

    /**
     * True when a block a thread just freed is sure to stay in that thread's own cache until
     * it allocates again: thread caches with a budget that always grants growth (the default
     * one). Not THREAD_CACHE, whose tiny budget leaves classes with no capacity, so a free
     * goes straight to the per-CPU tier where another thread may take the block at once.
     */
    public boolean ownCacheKeepsFreedBlocks() {
        return this == CHECKED;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a mode name ("thread-cache", "direct", ...); "magazine" is the front end's old name. */
    public static StressMode parse(String s) {
        String name = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        return valueOf(name.equals("MAGAZINE") ? "THREAD_CACHE" : name);
    }
}
