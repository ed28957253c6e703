package dev.rseq.alloc;

import dev.rseq.alloc.central.CentralTier;
import dev.rseq.alloc.frontend.ThreadCacheTier;
import dev.rseq.alloc.pageheap.PageHeap;
import dev.rseq.alloc.percpu.PerCpuTiers;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where idle memory goes back: dead threads' caches are flushed, per-CPU regions that did
 * not change since the previous pass are drained, empty spans go back to the page heap and
 * by its policy to the OS. Runs periodically on one shared daemon thread, on {@link
 * PerCpuAllocator#releaseMemory()}, and once more at close.
 *
 * <p>Every pass, release and close holds {@link #lock}: a pass flushes a cache or a transfer
 * cache in several steps, and neither an explicit release (whose callers then read exact
 * statistics) nor the unmapping at close may run in the middle of one. No allocate or free
 * path takes it. A pass that throws (a bad block found on its way down, which its free
 * could not see) is reported once per kind and the next pass runs as usual.
 */
final class Maintenance {
    private static final System.Logger LOG = System.getLogger("dev.rseq.alloc");
    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rseqalloc-maintenance");
        t.setDaemon(true);
        return t;
    });

    private final ThreadCacheTier front;
    private final PerCpuTiers perCpu;
    private final CentralTier central;
    private final PageHeap heap;
    final Object lock = new Object();
    private final java.util.Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile ScheduledFuture<?> future;
    private final AtomicLong failures = new AtomicLong();

    Maintenance(ThreadCacheTier front, PerCpuTiers perCpu, CentralTier central, PageHeap heap) {
        this.front = front;
        this.perCpu = perCpu;
        this.central = central;
        this.heap = heap;
    }

    /** Schedules passes every {@code interval}; the task holds the allocator weakly and ends with it. */
    void schedule(PerCpuAllocator allocator, Duration interval) {
        WeakReference<PerCpuAllocator> ref = new WeakReference<>(allocator);
        long nanos = Math.max(1_000_000L, interval.toNanos());
        future = SCHEDULER.scheduleWithFixedDelay(
                () -> {
                    PerCpuAllocator a = ref.get();
                    if (a == null || a.isClosed()) {
                        stop();
                        return;
                    }
                    pass();
                },
                nanos,
                nanos,
                TimeUnit.NANOSECONDS);
    }

    void stop() {
        ScheduledFuture<?> f = future;
        if (f != null) {
            f.cancel(false);
        }
    }

    /** One periodic pass: dead caches, idle cpus, empty spans. Never throws. */
    void pass() {
        synchronized (lock) {
            try {
                if (front != null) {
                    front.reclaimDead();
                }
                long drained = perCpu.drain(false);
                if (drained > 0) {
                    central.flushTransferCaches();
                } else {
                    central.releaseEmptySpans();
                }
            } catch (Throwable t) { // NOPMD: a pass must never kill the maintenance thread
                report(t);
            }
        }
    }

    /**
     * Everything the calling thread may move: dead caches, its own cache, every per-CPU
     * region and transfer cache, then every free page back to the OS. Live threads keep
     * their caches (only their owners may touch them).
     *
     * @return bytes given back to the OS
     */
    long releaseAll() {
        synchronized (lock) {
            drainAll();
            return heap.release(Long.MAX_VALUE);
        }
    }

    /** Moves every block the caller may move down to the spans; reports problems after finishing. */
    void drainAll() {
        RuntimeException problem = null;
        try {
            if (front != null) {
                front.reclaimDead();
                front.flushCurrentThread();
            }
        } catch (RuntimeException e) {
            problem = e;
        }
        try {
            perCpu.drain(true);
        } catch (RuntimeException e) {
            problem = problem == null ? e : problem;
        }
        try {
            central.flushTransferCaches();
        } catch (RuntimeException e) {
            problem = problem == null ? e : problem;
        }
        if (problem != null) {
            throw problem;
        }
    }

    private void report(Throwable t) {
        failures.incrementAndGet();
        String kind =
                t.getClass().getName() + ": " + String.valueOf(t.getMessage()).replaceAll("0x[0-9a-f]+", "0x…");
        if (reported.size() < 64 && reported.add(kind)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "rseqalloc maintenance pass failed (reported once per kind; "
                            + "the allocator stays consistent and later passes continue)",
                    t);
        }
    }

    /** Passes that threw since the allocator was built. */
    long failures() {
        return failures.get();
    }
}
