package dev.rseq.alloc;

import dev.rseq.alloc.config.Setting;
import dev.rseq.alloc.config.Settings;
import java.time.Duration;
import java.util.List;

/**
 * Everything that configures one allocator instance, in one immutable value: built by
 * {@link PerCpuAllocator.Builder}, or read from the {@code rseqalloc.*} system properties
 * and {@code RSEQALLOC_*} variables ({@link #fromEnvironment}).
 *
 * @param fastPath              how threads reach the per-CPU tier
 * @param forceCas              CAS caches instead of rseq on every thread
 * @param checked               checked mode (per-object ownership bits)
 * @param perCpuCacheBytes      per-CPU byte budget of the rseq slabs
 * @param threadCacheBytes      capacity all thread caches may hold together
 * @param threadCacheBytesPerThread capacity one thread cache may hold
 * @param heapReserveBytes      address space reserved for spans
 * @param growBytes             bytes of the reservation made usable at a time
 * @param releaseThresholdBytes free page-heap bytes kept before the excess goes back to the OS
 * @param dedicatedMappingBytes blocks of at least this size get a mapping of their own
 * @param memory                where the heap's memory comes from
 * @param jdkMemoryBytes        size of the heap when its memory comes from the JDK
 * @param hugePages             transparent huge page advice
 * @param maintenanceInterval   period of background maintenance, or null for none
 * @param problems              settings that were invalid and replaced by their defaults (lenient reads only)
 */
public record AllocatorSettings(
        FastPath fastPath,
        boolean forceCas,
        boolean checked,
        long perCpuCacheBytes,
        long threadCacheBytes,
        long threadCacheBytesPerThread,
        long heapReserveBytes,
        long growBytes,
        long releaseThresholdBytes,
        long dedicatedMappingBytes,
        MemorySource memory,
        long jdkMemoryBytes,
        HugePages hugePages,
        Duration maintenanceInterval,
        List<String> problems) {

    /**
     * The defaults.
     *
     * @return every setting at its documented default, ignoring the environment
     */
    public static AllocatorSettings defaults() {
        return read(Settings.of(java.util.Map.of(), java.util.Map.of(), false));
    }

    /**
     * Reads every setting from this process's system properties and environment.
     *
     * @param lenient when true, an invalid value falls back to its default and is listed in
     *                {@link #problems()} instead of throwing
     * @return the settings read
     * @throws dev.rseq.alloc.config.InvalidSettingException naming the setting and the allowed values
     */
    public static AllocatorSettings fromEnvironment(boolean lenient) {
        return read(lenient ? Settings.lenientFromEnvironment() : Settings.fromEnvironment());
    }

    static AllocatorSettings read(Settings s) {
        FastPath path =
                s.choice(Setting.FAST_PATH).equals("per-cpu-direct") ? FastPath.PER_CPU_DIRECT : FastPath.THREAD_CACHE;
        HugePages huge = switch (s.choice(Setting.HUGE_PAGES)) {
            case "always" -> HugePages.ALWAYS;
            case "never" -> HugePages.NEVER;
            default -> HugePages.SYSTEM_DEFAULT;
        };
        MemorySource memory = switch (s.choice(Setting.MEMORY)) {
            case "os" -> MemorySource.OS;
            case "jdk" -> MemorySource.JDK;
            default -> MemorySource.AUTO;
        };
        long millis = s.number(Setting.MAINTENANCE_MILLIS);
        long threadCache = s.bytes(Setting.THREAD_CACHE_BYTES);
        return new AllocatorSettings(
                path,
                s.bool(Setting.FORCE_CAS),
                s.bool(Setting.CHECKED),
                positive(s, Setting.PER_CPU_CACHE_BYTES),
                threadCache < 0 ? autoThreadCacheBytes() : threadCache,
                positive(s, Setting.THREAD_CACHE_BYTES_PER_THREAD),
                positive(s, Setting.HEAP_RESERVE_BYTES),
                positive(s, Setting.GROW_BYTES),
                s.bytes(Setting.RELEASE_THRESHOLD_BYTES),
                positive(s, Setting.DEDICATED_BYTES),
                memory,
                positive(s, Setting.JDK_MEMORY_BYTES),
                huge,
                millis <= 0 ? null : Duration.ofMillis(millis),
                s.problems());
    }

    private static long positive(Settings s, Setting setting) {
        long v = s.bytes(setting);
        return v > 0 ? v : Settings.parseBytes(setting.defaultValue());
    }

    /** 8 MiB of thread-cache capacity per cpu, at least 32 MiB. */
    static long autoThreadCacheBytes() {
        return Math.max(32L << 20, (8L << 20) * Runtime.getRuntime().availableProcessors());
    }

    /** Copies {@code problems}, so the value stays immutable. */
    public AllocatorSettings {
        problems = List.copyOf(problems);
    }
}
