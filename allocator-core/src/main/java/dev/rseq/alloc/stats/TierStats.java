package dev.rseq.alloc.stats;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A collector each tier adds its own figures to when a snapshot is taken: per size class
 * figures ({@link PerClass}) and process-level ones ({@link Scalar}). Reading other threads'
 * caches is racy while they run and exact when they are quiescent.
 */
public final class TierStats {
    /** Figures kept per size class. Counts are objects unless the name says otherwise. */
    public enum PerClass {
        /** Objects sitting in thread (or carrier) caches. */
        THREAD_CACHE_OBJECTS,
        /** Capacity of thread caches, in objects. */
        THREAD_CACHE_CAPACITY,
        /** Allocations and frees served by a thread cache without leaving it. */
        THREAD_CACHE_HITS,
        /** Thread-cache misses on allocate (each refills a batch from the per-CPU tier). */
        THREAD_CACHE_REFILLS,
        /** Thread-cache misses on free (each spills a batch to the per-CPU tier). */
        THREAD_CACHE_SPILLS,
        /** Objects cached in the rseq per-CPU slabs. */
        PER_CPU_OBJECTS,
        /** Per-CPU misses: the cpu's cache was empty on a refill or full on a spill. */
        PER_CPU_MISSES,
        /** Capacity moved to this class from another one on the same cpu. */
        PER_CPU_STEALS,
        /** Batch and single operations served by the rseq per-CPU slabs. */
        PER_CPU_OPERATIONS,
        /** Objects cached in the CAS stripes. */
        CAS_OBJECTS,
        /** Operations (single or batch) served by the CAS stripes. */
        CAS_OPERATIONS,
        /** Objects in transfer caches. */
        TRANSFER_OBJECTS,
        /** Objects handed out of spans and not yet back (in caches or with users). */
        CENTRAL_OUT,
        /** Free objects inside spans. */
        CENTRAL_FREE,
        /** Spans owned by the class. */
        SPANS
    }

    /** Process- or allocator-level figures. */
    public enum Scalar {
        LARGE_BYTES_IN_USE,
        LARGE_BLOCKS_IN_USE,
        THREAD_CACHES,
        DEAD_THREAD_CACHES,
        THREAD_CACHE_BUDGET,
        THREAD_CACHE_CLAIMED,
        THREAD_CACHES_ADOPTED,
        THREAD_CACHES_RECLAIMED,
        BUDGET_STEALS,
        SHARED_CACHE_OPERATIONS,
        DIRECT_OPERATIONS,
        RSEQ_ABORTS
    }

    private final int classes;
    private final EnumMap<PerClass, long[]> perClass = new EnumMap<>(PerClass.class);
    private final EnumMap<Scalar, Long> scalars = new EnumMap<>(Scalar.class);
    private final Map<String, Integer> cachesByMode = new TreeMap<>();
    private final Map<Integer, Long> perCpuBytesByRegion = new TreeMap<>();

    public TierStats(int classes) {
        this.classes = classes;
        for (PerClass f : PerClass.values()) {
            perClass.put(f, new long[classes]);
        }
    }

    public int classes() {
        return classes;
    }

    public void add(PerClass figure, int sizeClass, long value) {
        perClass.get(figure)[sizeClass] += value;
    }

    public long get(PerClass figure, int sizeClass) {
        return perClass.get(figure)[sizeClass];
    }

    public void add(Scalar figure, long value) {
        scalars.merge(figure, value, Long::sum);
    }

    public long get(Scalar figure) {
        return scalars.getOrDefault(figure, 0L);
    }

    public void countCacheMode(String mode) {
        cachesByMode.merge(mode, 1, Integer::sum);
    }

    public Map<String, Integer> cachesByMode() {
        return cachesByMode;
    }

    public void addRegionBytes(int region, long bytes) {
        if (bytes > 0) {
            perCpuBytesByRegion.merge(region, bytes, Long::sum);
        }
    }

    public Map<Integer, Long> perCpuBytesByRegion() {
        return perCpuBytesByRegion;
    }
}
