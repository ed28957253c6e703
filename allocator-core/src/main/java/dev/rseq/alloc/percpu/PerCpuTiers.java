package dev.rseq.alloc.percpu;

import dev.rseq.alloc.central.CentralCache;
import dev.rseq.alloc.rseq.RseqMode;
import dev.rseq.alloc.rseq.RseqNative;
import dev.rseq.alloc.sizeclass.SizeClasses;
import dev.rseq.alloc.stats.TierStats;

/**
 * The per-CPU tier of one allocator: the rseq slabs (unless CAS is forced or rseq is not
 * available) and the CAS stripes, and which of them serves the calling thread. A thread's
 * mode is fixed once its OS thread attached, so callers look it up once (at thread-cache
 * install) and keep the tier.
 */
public final class PerCpuTiers implements PerCpuRouter {
    private final RseqPerCpuTier rseq;
    private final CasPerCpuTier cas;

    /**
     * @param useRseq     false when CAS is forced for this allocator; also false when the
     *                    native library is not available
     * @param budgetBytes per-cpu byte budget of the rseq slabs
     */
    public PerCpuTiers(SizeClasses sizes, CentralCache central, boolean useRseq, long budgetBytes) {
        SlabLayout layout = new SlabLayout(sizes);
        this.cas =
                new CasPerCpuTier(sizes, layout, central, Runtime.getRuntime().availableProcessors());
        this.rseq =
                useRseq && RseqNative.available() ? new RseqPerCpuTier(sizes, layout, central, cas, budgetBytes) : null;
    }

    /**
     * Attaches the calling OS thread (a virtual thread's carrier) and returns its mode:
     * {@link RseqMode#CAS_FORCED} when this allocator does not use rseq.
     */
    @Override
    public RseqMode attachCurrentThread() {
        if (rseq == null) {
            return RseqNative.available() ? RseqMode.CAS_FORCED : RseqMode.CAS_UNAVAILABLE;
        }
        return RseqNative.attachCurrentThread();
    }

    /**
     * The tier that serves threads of {@code mode}. A mode that may still change (a thread
     * nobody registered yet, which librseq may register later) gets the rseq tier, which
     * hands each call to the CAS tier for as long as the thread has no registration.
     */
    @Override
    public PerCpuTier forMode(RseqMode mode) {
        return rseq != null && (mode.usesRseq() || !mode.isSettled()) ? rseq : cas;
    }

    /**
     * The tier for a call whose thread's mode is not known (the direct path): the rseq tier
     * serves rseq threads and hands every other thread to the CAS tier itself.
     */
    @Override
    public PerCpuTier direct() {
        return rseq != null ? rseq : cas;
    }

    /** True when this allocator uses the rseq slabs at all. */
    public boolean usesRseq() {
        return rseq != null;
    }

    /** Slab regions (0 without rseq). */
    public int regions() {
        return rseq == null ? 0 : rseq.regions();
    }

    /** Moves cached blocks to the central tier: everything, or (maintenance) idle cpus only. */
    public long drain(boolean all) {
        RuntimeException problem = null;
        long moved = 0;
        for (PerCpuTier t : rseq == null ? new PerCpuTier[] {cas} : new PerCpuTier[] {rseq, cas}) {
            try {
                moved += t.drain(all);
            } catch (RuntimeException e) {
                problem = problem == null ? e : problem;
            }
        }
        if (problem != null) {
            throw problem;
        }
        return moved;
    }

    /** Stops the slabs for good (close); call after {@link #drain}. */
    public void retire() {
        if (rseq != null) {
            rseq.retire();
        }
    }

    public void collect(TierStats stats) {
        if (rseq != null) {
            rseq.collect(stats);
        }
        cas.collect(stats);
    }
}
