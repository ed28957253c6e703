package dev.rseq.alloc.percpu;

import dev.rseq.alloc.stats.TierStats;

/**
 * The per-CPU tier as the tier above sees it: batches in and out of the calling cpu's
 * cache for one size class, with the tier below reached by the implementation itself, so
 * a refill or a spill always completes here. Two implementations: rseq slabs (threads
 * whose rseq registration we can use) and CAS stripes (every other thread); they never
 * share memory.
 */
public interface PerCpuTier {
    /** Fills {@code batch.slots[0 .. n)} with exactly {@code n} blocks of class {@code c}. */
    void refill(int c, Batch batch, int n);

    /**
     * Takes {@code batch.slots[0 .. n)}: the calling cpu's cache keeps what it has room for,
     * the rest goes to the tier below.
     */
    void spill(int c, Batch batch, int n);

    /** One block of class {@code c} (the direct fast path: one downcall or one CAS). */
    long pop(int c);

    /** Gives back one block of class {@code c}. */
    void push(int c, long block);

    /**
     * Moves cached blocks to the tier below: every cpu's when {@code all}, else only cpus
     * whose caches did not change since the previous call (maintenance: idle cpus).
     *
     * @return blocks moved
     */
    long drain(boolean all);

    /** Adds this tier's figures to {@code stats}. */
    void collect(TierStats stats);

    /** A short name for reports: "rseq" or "cas". */
    String name();
}
