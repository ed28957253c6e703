package dev.rseq.alloc.percpu;

import dev.rseq.alloc.central.CentralCache;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.ClassCounters;
import dev.rseq.alloc.stats.TierStats;

/**
 * The per-CPU tier for threads that cannot use rseq (registration owned elsewhere or
 * unavailable, or CAS forced): {@link CasCache} stripes, each behind a lock taken with one
 * CAS, with the same batch contract as the rseq tier. Its memory is its own: an rseq
 * commit is atomic only against rseq code on the same cpu, so a CAS stripe and an rseq
 * slab must never hold the same stack.
 */
public final class CasPerCpuTier implements PerCpuTier {
    private final SizeClasses sizes;
    private final CasCache stripes;
    private final CentralCache central;
    private final ClassCounters operations;

    public CasPerCpuTier(SizeClasses sizes, SlabLayout layout, CentralCache central, int cpus) {
        this.sizes = sizes;
        this.stripes = new CasCache(layout, cpus);
        this.central = central;
        this.operations = new ClassCounters(sizes.count());
    }

    @Override
    public String name() {
        return "cas";
    }

    @Override
    public void refill(int c, Batch batch, int n) {
        operations.increment(c);
        int got = stripes.popBatch(c, batch.slots, 0, n);
        if (got < n) {
            CentralEvents.remove(central, c, sizes.size(c), batch.slots, got, n - got, "cas");
        }
    }

    @Override
    public void spill(int c, Batch batch, int n) {
        operations.increment(c);
        int pushed = stripes.pushBatch(c, batch.slots, 0, n);
        if (pushed < n) {
            CentralEvents.insert(central, c, sizes.size(c), batch.slots, 0, n - pushed, "cas");
        }
    }

    @Override
    public long pop(int c) {
        operations.increment(c);
        long p = stripes.pop(c);
        if (p != 0) {
            return p;
        }
        // Empty: take a batch, keep one, cache the rest.
        int n = sizes.batch(c);
        long[] buf = new long[n];
        central.remove(c, buf, 0, n);
        int pushed = n > 1 ? stripes.pushBatch(c, buf, 0, n - 1) : 0;
        if (n - 1 - pushed > 0) {
            central.insert(c, buf, 0, n - 1 - pushed);
        }
        return buf[n - 1];
    }

    @Override
    public void push(int c, long block) {
        operations.increment(c);
        if (!stripes.push(c, block)) {
            int n = sizes.batch(c);
            long[] buf = new long[n + 1];
            int k = stripes.popBatch(c, buf, 0, n);
            buf[k] = block;
            central.insert(c, buf, 0, k + 1);
        }
    }

    @Override
    public long drain(boolean all) {
        // Stripes have no idle detection: maintenance leaves them (they are small and
        // bounded); release and close drain them.
        return all ? stripes.drain((c, ptrs, n) -> central.insert(c, ptrs, 0, n)) : 0;
    }

    @Override
    public void collect(TierStats stats) {
        for (int c = 1; c < sizes.count(); c++) {
            stats.add(TierStats.PerClass.CAS_OBJECTS, c, stripes.cached(c));
            stats.add(TierStats.PerClass.CAS_OPERATIONS, c, operations.get(c));
        }
    }
}
