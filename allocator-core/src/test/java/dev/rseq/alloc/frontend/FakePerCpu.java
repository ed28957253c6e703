package dev.rseq.alloc.frontend;

import dev.rseq.alloc.central.CentralCache;
import dev.rseq.alloc.percpu.Batch;
import dev.rseq.alloc.percpu.PerCpuRouter;
import dev.rseq.alloc.percpu.PerCpuTier;
import dev.rseq.alloc.rseq.RseqMode;
import dev.rseq.alloc.stats.TierStats;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The tiers below the front end, faked: "blocks" are distinct numbers, minted on demand,
 * so a test can see every block that moved and that none is ever out twice. One pool for
 * the per-CPU tier and the central tier (the front end must not care which it reaches).
 */
final class FakePerCpu implements PerCpuRouter, PerCpuTier, CentralCache {
    private final ArrayDeque<Long>[] free;
    private final Set<Long> out = new HashSet<>();
    private long next = 0x10_0000;
    long refills;
    long spills;
    long directOps;
    long flushedToCentral;

    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type
    FakePerCpu(int classes) {
        free = new ArrayDeque[classes];
        for (int c = 0; c < classes; c++) {
            free[c] = new ArrayDeque<>();
        }
    }

    @Override
    public synchronized RseqMode attachCurrentThread() {
        return RseqMode.RSEQ_GLIBC;
    }

    @Override
    public PerCpuTier forMode(RseqMode mode) {
        return this;
    }

    @Override
    public PerCpuTier direct() {
        return this;
    }

    private long take(int c) {
        Long p = free[c].poll();
        long block = p != null ? p : (next += 16);
        if (!out.add(block)) {
            throw new AssertionError("block " + block + " handed out twice");
        }
        return block;
    }

    private void give(int c, long block) {
        if (!out.remove(block)) {
            throw new AssertionError("block " + block + " given back but not out");
        }
        free[c].push(block);
    }

    @Override
    public synchronized void refill(int c, Batch batch, int n) {
        refills++;
        for (int i = 0; i < n; i++) {
            batch.slots[i] = take(c);
        }
    }

    @Override
    public synchronized void spill(int c, Batch batch, int n) {
        spills++;
        for (int i = 0; i < n; i++) {
            give(c, batch.slots[i]);
        }
    }

    @Override
    public synchronized long pop(int c) {
        directOps++;
        return take(c);
    }

    @Override
    public synchronized void push(int c, long block) {
        directOps++;
        give(c, block);
    }

    @Override
    public synchronized void remove(int c, long[] o, int off, int n) {
        for (int i = 0; i < n; i++) {
            o[off + i] = take(c);
        }
    }

    @Override
    public synchronized void insert(int c, long[] in, int off, int n) {
        flushedToCentral += n;
        for (int i = 0; i < n; i++) {
            give(c, in[off + i]);
        }
    }

    @Override
    public long drain(boolean all) {
        return 0;
    }

    @Override
    public void collect(TierStats stats) {}

    @Override
    public String name() {
        return "fake";
    }

    /** Blocks the front end holds or users hold. */
    synchronized int outstanding() {
        return out.size();
    }
}
