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
    /** Magazines in front of the rseq slab; a quarter of the threads find no free magazine slot. */
    MAGAZINE,
    /** One rseq critical section per operation, no magazines. */
    DIRECT,
    /** CAS caches forced on this instance, no magazines: every operation takes a stripe lock. */
    CAS,
    /** Checked mode over magazines: per-object "with a user" bits on every allocate and free. */
    CHECKED;

    /**
     * A new allocator for {@code threads} workers. Maintenance runs every 20 ms (instead of
     * 1 s) so idle-region drains race with the workers. Under memory pressure the page heap
     * keeps no free memory at all: every span that empties goes back to the OS at once and
     * comes back as zero pages while neighbouring blocks are live.
     */
    public PerCpuAllocator newAllocator(int threads, boolean pressure) {
        PerCpuAllocator.Builder b = PerCpuAllocator.builder()
                .maintenanceInterval(Duration.ofMillis(20))
                .maxMagazines(Math.max(1, threads * 3 / 4));
        if (pressure) {
            b.releaseThresholdBytes(0);
        }
        return switch (this) {
            case MAGAZINE -> b.fastPath(FastPath.MAGAZINE).build();
            case DIRECT -> b.fastPath(FastPath.PER_CPU_DIRECT).build();
            case CAS -> b.fastPath(FastPath.PER_CPU_DIRECT).forceCas(true).build();
            case CHECKED -> b.fastPath(FastPath.MAGAZINE).checked(true).build();
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static StressMode parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
}
