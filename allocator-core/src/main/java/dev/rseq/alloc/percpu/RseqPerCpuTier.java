package dev.rseq.alloc.percpu;

import dev.rseq.alloc.central.CentralCache;
import dev.rseq.alloc.rseq.RseqNative;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.ClassCounters;
import dev.rseq.alloc.stats.TierStats;

/**
 * The per-CPU tier over rseq slabs, with its whole policy: what a batch does when the
 * calling cpu's cache is empty or full (the rest comes from, or goes to, the central tier),
 * how a class's capacity grows on misses and is stolen back from idle classes under the
 * per-cpu byte budget, and how idle cpus are drained.
 *
 * <p>A thread whose rseq registration is not usable gets {@code NOT_REGISTERED} from every
 * section without the slab being touched; such a call is served by {@link #fallback} (the
 * CAS tier) instead, so callers need not know a thread's mode to be correct.
 */
public final class RseqPerCpuTier implements PerCpuTier {
    /** Ints per region in {@link #missState}: 64 bytes, so cpus never share a cache line. */
    private static final int MISS_STRIDE = 16;
    /** Once a region's budget is spent, only every this-many-th miss there steals capacity. */
    private static final int STEAL_INTERVAL = 64;

    private final SizeClasses sizes;
    private final SlabLayout layout;
    private final RseqSlab slab;
    private final CentralCache central;
    private final PerCpuTier fallback;
    private final long budgetBytes;
    /**
     * Per region, at {@code region * MISS_STRIDE}: misses seen, and (next int) whether the
     * last look found the budget spent. Plain racy ints (a lost update only shifts when the
     * next look happens): they rate-limit the scan of all class headers, which costs more
     * than the miss it reacts to.
     */
    private final int[] missState;

    private final long[] lastFingerprints;
    private final ClassCounters operations;
    private final ClassCounters misses;
    private final ClassCounters steals;

    /**
     * @param budgetBytes per-cpu cap on the sum over classes of capacity x object size,
     *                    enforced when a class grows
     * @param fallback    serves threads that have no usable rseq registration
     */
    public RseqPerCpuTier(
            SizeClasses sizes, SlabLayout layout, CentralCache central, PerCpuTier fallback, long budgetBytes) {
        this.sizes = sizes;
        this.layout = layout;
        this.central = central;
        this.fallback = fallback;
        this.budgetBytes = budgetBytes;
        this.slab = new RseqSlab(layout, RseqNative.regionCount());
        this.missState = new int[slab.regions() * MISS_STRIDE];
        this.lastFingerprints = new long[slab.regions()];
        this.operations = new ClassCounters(sizes.count());
        this.misses = new ClassCounters(sizes.count());
        this.steals = new ClassCounters(sizes.count());
    }

    @Override
    public String name() {
        return "rseq";
    }

    @Override
    public void refill(int c, Batch batch, int n) {
        long got = slab.popBatch(c, batch, n);
        if (got == RseqNative.NOT_REGISTERED && !attachedToRseq()) {
            fallback.refill(c, batch, n);
            return;
        }
        operations.increment(c);
        int have = (int) Math.max(0, got);
        if (have < n) {
            if (got >= 0) {
                onMiss(c);
            }
            CentralEvents.remove(central, c, sizes.size(c), batch.slots, have, n - have, "rseq");
        }
    }

    @Override
    public void spill(int c, Batch batch, int n) {
        long pushed = slab.pushBatch(c, batch, n);
        if (pushed == RseqNative.NOT_REGISTERED && !attachedToRseq()) {
            fallback.spill(c, batch, n);
            return;
        }
        operations.increment(c);
        // Batch pushes take from the end, so the first n - pushed entries are left.
        int left = n - (int) Math.max(0, pushed);
        if (left > 0) {
            if (pushed >= 0) {
                onMiss(c);
            }
            CentralEvents.insert(central, c, sizes.size(c), batch.slots, 0, left, "rseq");
        }
    }

    @Override
    public long pop(int c) {
        long p = slab.pop(c);
        if (p > 0) {
            return p;
        }
        if (p == RseqNative.NOT_REGISTERED && !attachedToRseq()) {
            return fallback.pop(c);
        }
        operations.increment(c);
        int k = sizes.batch(c);
        if (p != 0 || k < 2) {
            // The region is stopped (a drain is under way) or the class moves one at a time.
            long[] one = new long[1];
            central.remove(c, one, 0, 1);
            return one[0];
        }
        // Empty: one batch from the central tier, one block for the caller, the rest into
        // this cpu's cache (after onMiss may have grown it), so the next k - 1 pops hit. A
        // single block per miss sent every pop of a cold class to the central lock.
        onMiss(c);
        Batch b = new Batch(k);
        CentralEvents.remove(central, c, sizes.size(c), b.slots, 0, k, "rseq");
        long mine = b.slots[k - 1];
        // Batch pushes take from the end: slots [0, k - 1 - pushed) are left over.
        long pushed = slab.pushBatch(c, b, k - 1);
        int left = k - 1 - (int) Math.max(0, pushed);
        if (left > 0) {
            central.insert(c, b.slots, 0, left);
        }
        return mine;
    }

    @Override
    public void push(int c, long block) {
        long rc = slab.push(c, block);
        if (rc == 1) {
            return;
        }
        if (rc == RseqNative.NOT_REGISTERED && !attachedToRseq()) {
            fallback.push(c, block);
            return;
        }
        operations.increment(c);
        int k = sizes.batch(c);
        if (rc == 0 && k >= 2) {
            onMiss(c);
            if (slab.push(c, block) == 1) {
                return; // the class grew
            }
            // Still full: the block and up to a batch of this cpu's cache go down together,
            // leaving room for the frees that follow.
            Batch b = new Batch(k);
            long got = slab.popBatch(c, b, k - 1);
            int have = (int) Math.max(0, got);
            b.slots[have] = block;
            CentralEvents.insert(central, c, sizes.size(c), b.slots, 0, have + 1, "rseq");
            return;
        }
        central.insert(c, new long[] {block}, 0, 1);
    }

    /**
     * The first section on a thread that never attached returns NOT_REGISTERED; attaching
     * registers it where our strategy allows. True when the thread can now use the slab.
     */
    private static boolean attachedToRseq() {
        return RseqNative.attachCurrentThread().usesRseq();
    }

    /**
     * A miss on the calling cpu for class {@code c} (empty on refill, full on spill): grow
     * the class by one batch when the cpu's budget allows, else make room by shrinking the
     * class with the most unused capacity (in bytes). Both are critical sections on the
     * calling cpu, so no fence is needed. A policy: racing migrations make it approximate,
     * never incorrect. While the budget is spent, only every {@value #STEAL_INTERVAL}th miss
     * of the region looks again, so classes that keep missing still win capacity from idle
     * ones but a steady miss pays no scan.
     */
    private void onMiss(int c) {
        misses.increment(c);
        int region = RseqNative.currentRegion();
        if (region < 0 || region >= slab.regions()) {
            return;
        }
        int at = region * MISS_STRIDE;
        int seen = ++missState[at];
        if (missState[at + 1] != 0 && (seen & (STEAL_INTERVAL - 1)) != 0) {
            return;
        }
        int maxEnd = layout.begin(c) + layout.maxCapacity(c);
        int delta = sizes.batch(c);
        long capacityBytes = 0;
        int victim = -1;
        long victimUnused = 0;
        for (int k = 1; k < layout.classes(); k++) {
            long h = slab.header(region, k);
            capacityBytes += (long) (SlabLayout.end(h) - SlabLayout.begin(h)) * sizes.size(k);
            long unused = (long) (SlabLayout.end(h) - SlabLayout.current(h)) * sizes.size(k);
            if (k != c && unused > victimUnused) {
                victim = k;
                victimUnused = unused;
            }
        }
        long need = (long) delta * sizes.size(c);
        boolean spent = capacityBytes + need > budgetBytes;
        missState[at + 1] = spent ? 1 : 0;
        if (spent) {
            if (victim < 0) {
                return;
            }
            int slots = (int) Math.min(
                    SlabLayout.end(slab.header(region, victim)), (need + sizes.size(victim) - 1) / sizes.size(victim));
            if (slab.shrink(victim, slots) > 0) {
                steals.increment(c);
            }
        }
        slab.grow(c, delta, maxEnd);
    }

    @Override
    public long drain(boolean all) {
        long moved = 0;
        RuntimeException problem = null;
        for (int r = 0; r < slab.regions(); r++) {
            long fp = slab.fingerprint(r);
            if (all || (fp == lastFingerprints[r] && holdsAnything(r))) {
                try {
                    moved += slab.drainRegion(r, (c, ptrs, n) -> central.insert(c, ptrs, 0, n));
                } catch (RuntimeException e) {
                    problem = problem == null ? e : problem;
                }
                missState[r * MISS_STRIDE + 1] = 0;
                fp = slab.fingerprint(r);
            }
            lastFingerprints[r] = fp;
        }
        if (problem != null) {
            throw problem;
        }
        return moved;
    }

    private boolean holdsAnything(int r) {
        for (int c = 1; c < layout.classes(); c++) {
            if (slab.cached(r, c) > 0) {
                return true;
            }
        }
        return false;
    }

    /** Stops every region for good; the caller drained them (close). */
    public void retire() {
        slab.retire();
    }

    public int regions() {
        return slab.regions();
    }

    @Override
    public void collect(TierStats stats) {
        for (int r = 0; r < slab.regions(); r++) {
            long bytes = 0;
            for (int c = 1; c < layout.classes(); c++) {
                int n = slab.cached(r, c);
                stats.add(TierStats.PerClass.PER_CPU_OBJECTS, c, n);
                bytes += (long) n * sizes.size(c);
            }
            stats.addRegionBytes(r, bytes);
        }
        for (int c = 1; c < sizes.count(); c++) {
            stats.add(TierStats.PerClass.PER_CPU_MISSES, c, misses.get(c));
            stats.add(TierStats.PerClass.PER_CPU_STEALS, c, steals.get(c));
            stats.add(TierStats.PerClass.PER_CPU_OPERATIONS, c, operations.get(c));
        }
    }
}
