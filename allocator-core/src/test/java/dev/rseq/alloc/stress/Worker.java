package dev.rseq.alloc.stress;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.rseq.Affinity;
import java.util.SplittableRandom;

/**
 * One worker thread: a random walk of allocations and frees on one lane, with a live
 * count that swings between a handful and {@link #MAX_LIVE} blocks (so spans fill, drain
 * and go back to the page heap), a share of its frees handed to other threads through the
 * lane's queue, aligned and bulk calls, sized and unsized frees.
 *
 * <p>With churn the worker retires after a random number of operations: it hands half of
 * its blocks to the queue, frees the rest itself (they stay in its thread cache when it dies,
 * for releaseMemory() to reclaim) and starts its replacement.
 */
final class Worker implements Runnable {
    static final int MAX_LIVE = 512;
    private static final int PHASE_STEPS = 20_000;

    private final RunContext ctx;
    private final Lane lane;
    private final PerCpuAllocator alloc;
    private final long owner;
    private final SplittableRandom rng;
    private final long lifetime;
    private final long[] addr = new long[MAX_LIVE];
    private final long[] size = new long[MAX_LIVE];
    private final boolean[] aligned = new boolean[MAX_LIVE];
    private final long[] batch = new long[32];
    private int n;
    private long ops;
    private long published;
    private int allocPercent = 65;
    private String threadMode = "-";

    Worker(RunContext ctx, Lane lane, long owner, SplittableRandom rng) {
        this.ctx = ctx;
        this.lane = lane;
        this.alloc = lane.allocator;
        this.owner = owner;
        this.rng = rng;
        this.lifetime = ctx.config.churn() ? 2_000 + rng.nextLong(40_000) : Long.MAX_VALUE;
    }

    static void start(RunContext ctx, Lane lane, long owner, SplittableRandom rng) {
        ctx.start("stress-" + lane.label() + "-" + owner, new Worker(ctx, lane, owner, rng));
    }

    @Override
    public void run() {
        int tid = Affinity.currentTid();
        ctx.workerTids.add(tid);
        boolean retired = false;
        try {
            threadMode = RunContext.threadMode();
            ctx.threadModes.add(threadMode);
            long steps = 0;
            while (ctx.running()) {
                for (int i = 0; i < 64; i++) {
                    step();
                }
                steps += 64;
                if (steps % PHASE_STEPS == 0) {
                    allocPercent = 100 - allocPercent; // swing between growing and shrinking
                }
                if (ops - published >= 4096) {
                    publish();
                }
                if (ops >= lifetime) {
                    retired = true;
                    break;
                }
            }
            if (retired) {
                handOffHalf();
            }
            freeAll();
        } catch (Throwable t) {
            ctx.violation(Violation.thrown(lane.label(), threadMode, t));
        } finally {
            ctx.workerTids.remove(tid);
            publish();
        }
        if (retired && ctx.running()) {
            ctx.churned.increment();
            start(ctx, lane, owner + 1_000_000, rng.split());
        }
    }

    private void publish() {
        ctx.ops.add(ops - published);
        published = ops;
    }

    private void step() {
        int r = rng.nextInt(1024);
        if (r < 56) {
            receive();
            return;
        }
        if (r < 64 && ctx.config.badFrees() && n > 0) {
            badFree();
            return;
        }
        if (n < 8 || (n < MAX_LIVE && rng.nextInt(100) < allocPercent)) {
            allocateSome(r);
        } else {
            freeOne(r);
        }
    }

    private void allocateSome(int r) {
        if (r < 96 && n + batch.length <= MAX_LIVE) {
            long s = SizeMix.small(rng);
            int k = 2 + rng.nextInt(batch.length - 1);
            alloc.allocateBulk(s, batch, 0, k);
            for (int i = 0; i < k; i++) {
                accept(batch[i], s, false);
            }
        } else if (r < 160) {
            long s = SizeMix.next(rng);
            long alignment = 1L << (4 + rng.nextInt(13)); // 16 B .. 64 KiB
            long a = alloc.allocateAligned(s, alignment);
            if ((a & (alignment - 1)) != 0) {
                ctx.violation(Violation.block(
                        Violation.Kind.ALLOCATOR_ERROR,
                        lane.label(),
                        threadMode,
                        a,
                        s,
                        "allocateAligned(" + s + ", " + alignment + ") returned a misaligned block"));
            }
            accept(a, s, true);
        } else {
            long s = SizeMix.next(rng);
            accept(alloc.allocate(s), s, false);
        }
    }

    /** Registers and fills a fresh block; a live address handed out again is a duplicate. */
    private void accept(long a, long s, boolean isAligned) {
        if (!ctx.live.add(a)) {
            ctx.violation(Violation.block(
                    Violation.Kind.DUPLICATE,
                    lane.label(),
                    threadMode,
                    a,
                    s,
                    "allocator returned an address that is still live"));
            return;
        }
        if ((rng.nextInt(32)) == 0) {
            long usable = alloc.usableSize(a);
            if (usable < s) {
                ctx.violation(Violation.block(
                        Violation.Kind.ALLOCATOR_ERROR,
                        lane.label(),
                        threadMode,
                        a,
                        s,
                        "usableSize " + usable + " < requested " + s));
            }
        }
        BlockPattern.fill(a, s, owner);
        addr[n] = a;
        size[n] = s;
        aligned[n] = isAligned;
        n++;
        ops++;
    }

    private void freeOne(int r) {
        if (r < 100) {
            freeBulkOfOneSize();
            return;
        }
        int i = rng.nextInt(n);
        long a = addr[i];
        long s = size[i];
        boolean al = aligned[i];
        removeAt(i);
        if (r < 200 && lane.handoff.offer(new Block(a, s, owner, al))) {
            return; // another thread verifies and frees it
        }
        free(a, s, owner, al);
    }

    /** Gathers up to a batch of live blocks of one request size and frees them with freeBulk. */
    private void freeBulkOfOneSize() {
        int pick = rng.nextInt(n);
        long s = size[pick];
        if (aligned[pick]) {
            free(addr[pick], s, owner, true);
            removeAt(pick);
            return;
        }
        int k = 0;
        for (int i = n - 1; i >= 0 && k < batch.length; i--) {
            if (size[i] == s && !aligned[i]) {
                long a = addr[i];
                if (!verifyAndForget(a, s, owner)) {
                    return;
                }
                batch[k++] = a;
                removeAt(i);
            }
        }
        alloc.freeBulk(batch, 0, k, s);
        ops += k;
    }

    /**
     * A free that must be refused: one of the misuses users make, aimed at this worker's own
     * live blocks (or at memory that is no block), never at a block it does not own.
     */
    private void badFree() {
        int i = rng.nextInt(n);
        long a = addr[i];
        long s = size[i];
        switch (rng.nextInt(6)) {
            case 0 -> {
                if (s > 16 && !aligned[i]) {
                    mustRefuse(a + 16, s, "interior pointer");
                }
            }
            case 1 -> mustRefuse(ctx.foreignBlock, 64, "foreign memory");
            case 2 -> mustRefuse(0x1000L * (1 + rng.nextInt(1 << 20)), 64, "wild address");
            case 3 -> {
                if (!aligned[i]) {
                    mustRefuse(a, s <= 512 ? s + 4096 : 8, "size of another class");
                }
            }
            case 4 -> {
                if (s > 262_144 && !aligned[i]) {
                    mustRefuse(a + 8192, -1, "inside a large block");
                }
            }
            default -> {
                // A double free is detectable only while nothing can hand the block out again:
                // freed just before, into this thread's own cache (thread-cache lanes only).
                if (s <= 2048 && !aligned[i] && lane.mode.ownCacheKeepsFreedBlocks()) {
                    removeAt(i);
                    free(a, s, owner, false);
                    mustRefuse(a, s, "double free");
                }
            }
        }
    }

    /** @param s the size to free with, or -1 for an unsized free */
    private void mustRefuse(long a, long s, String what) {
        try {
            if (s < 0) {
                alloc.free(a);
            } else {
                alloc.free(a, s);
            }
        } catch (IllegalArgumentException | IllegalStateException expected) {
            ctx.badFreesRejected.increment();
            return;
        }
        ctx.violation(Violation.block(
                Violation.Kind.ALLOCATOR_ERROR, lane.label(), threadMode, a, Math.max(0, s), what + " was accepted"));
    }

    private void removeAt(int i) {
        n--;
        addr[i] = addr[n];
        size[i] = size[n];
        aligned[i] = aligned[n];
    }

    private void receive() {
        Block b = lane.handoff.poll();
        if (b != null) {
            free(b.address(), b.size(), b.owner(), b.aligned());
        }
    }

    /** Verifies a block's pattern, removes it from the live set and frees it one of several ways. */
    void free(long a, long s, long blockOwner, boolean isAligned) {
        if (!verifyAndForget(a, s, blockOwner)) {
            return;
        }
        boolean sized = rng.nextBoolean();
        if (!sized) {
            alloc.free(a);
        } else if (isAligned) {
            alloc.free(a, alloc.usableSize(a));
        } else {
            alloc.free(a, s);
        }
        ops++;
    }

    private boolean verifyAndForget(long a, long s, long blockOwner) {
        long bad = BlockPattern.firstMismatch(a, s, blockOwner);
        if (bad >= 0) {
            ctx.violation(Violation.corrupted(lane.label(), threadMode, a, s, blockOwner, bad));
            return false;
        }
        if (!ctx.live.remove(a)) {
            ctx.violation(Violation.block(
                    Violation.Kind.DUPLICATE,
                    lane.label(),
                    threadMode,
                    a,
                    s,
                    "freeing a block that is not in the live set (another holder freed it)"));
            return false;
        }
        return true;
    }

    private void handOffHalf() {
        while (n > 0 && rng.nextBoolean()) {
            int i = n - 1;
            if (!lane.handoff.offer(new Block(addr[i], size[i], owner, aligned[i]))) {
                break;
            }
            n--;
        }
    }

    private void freeAll() {
        while (n > 0) {
            n--;
            free(addr[n], size[n], owner, aligned[n]);
        }
    }
}
