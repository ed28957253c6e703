package dev.rseq.alloc.stress;

import dev.rseq.alloc.PerCpuAllocator;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps thousands of short-lived virtual threads going. Each allocates a few blocks,
 * fills them, yields (so it may resume on another carrier, hence another cpu), verifies
 * and frees them. Half do it inside a synchronized block: before JDK 24 that pinned the
 * virtual thread to its carrier; since JEP 491 it unmounts there too, so both shapes are
 * the same to the scheduler now but stay distinct here for older runtimes.
 *
 * <p>Virtual threads use the cache of the carrier they run on at that moment (where the
 * JVM exports the carrier, see {@code CarrierThreads}), else the per-CPU tier directly:
 * every yield may move the next operation to another carrier's cache.
 */
final class VirtualThreadStorm implements Runnable {
    private static final int IN_FLIGHT = 2000;

    private final RunContext ctx;
    private final SplittableRandom rng;
    private final Semaphore slots = new Semaphore(IN_FLIGHT);
    private final Object[] monitors = new Object[64];
    final LongAdder started = new LongAdder();

    VirtualThreadStorm(RunContext ctx, SplittableRandom rng) {
        this.ctx = ctx;
        this.rng = rng;
        for (int i = 0; i < monitors.length; i++) {
            monitors[i] = new Object();
        }
    }

    @Override
    public void run() {
        try {
            long id = 0;
            while (ctx.running()) {
                slots.acquire();
                long owner = -2 - id++;
                Lane lane = ctx.lanes.get(rng.nextInt(ctx.lanes.size()));
                SplittableRandom r = rng.split();
                Object monitor = rng.nextBoolean() ? monitors[rng.nextInt(monitors.length)] : null;
                Thread.ofVirtual().name("stress-vthread").start(() -> task(lane, owner, r, monitor));
                started.increment();
            }
            slots.acquire(IN_FLIGHT); // every task finished
            slots.release(IN_FLIGHT);
        } catch (Throwable t) {
            ctx.violation(Violation.thrown("vthreads", "-", t));
        }
    }

    private void task(Lane lane, long owner, SplittableRandom r, Object monitor) {
        try {
            if (monitor != null) {
                synchronized (monitor) {
                    work(lane, owner, r);
                }
            } else {
                work(lane, owner, r);
            }
        } catch (Throwable t) {
            ctx.violation(Violation.thrown(lane.label(), "virtual", t));
        } finally {
            slots.release();
        }
    }

    private void work(Lane lane, long owner, SplittableRandom r) {
        PerCpuAllocator alloc = lane.allocator;
        int k = 1 + r.nextInt(4);
        long[] a = new long[k];
        long[] s = new long[k];
        for (int i = 0; i < k; i++) {
            s[i] = SizeMix.small(r);
            a[i] = alloc.allocate(s[i]);
            if (!ctx.live.add(a[i])) {
                ctx.violation(Violation.block(
                        Violation.Kind.DUPLICATE,
                        lane.label(),
                        "virtual",
                        a[i],
                        s[i],
                        "allocator returned an address that is still live"));
                return;
            }
            BlockPattern.fill(a[i], s[i], owner);
        }
        Thread.yield();
        for (int i = 0; i < k; i++) {
            long bad = BlockPattern.firstMismatch(a[i], s[i], owner);
            if (bad >= 0) {
                ctx.violation(Violation.corrupted(lane.label(), "virtual", a[i], s[i], owner, bad));
                return;
            }
            ctx.live.remove(a[i]);
            if (r.nextBoolean()) {
                alloc.free(a[i]);
            } else {
                alloc.free(a[i], s[i]);
            }
        }
        ctx.ops.add(2L * k);
    }
}
