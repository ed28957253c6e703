package dev.rseq.alloc;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Periodic maintenance of allocators on one shared daemon thread. The task holds its
 * allocator weakly, so an allocator that is dropped without close() is not kept alive by
 * it; the task cancels itself then, and on close().
 */
final class Maintenance {
    private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rseqalloc-maintenance");
        t.setDaemon(true);
        return t;
    });

    private volatile ScheduledFuture<?> future;

    private Maintenance() {
    }

    static Maintenance start(PerCpuAllocator allocator, Duration interval) {
        Maintenance m = new Maintenance();
        WeakReference<PerCpuAllocator> ref = new WeakReference<>(allocator);
        long[] fingerprints = new long[Math.max(1, allocator.regions())];
        long nanos = Math.max(1_000_000L, interval.toNanos());
        m.future = SCHEDULER.scheduleWithFixedDelay(() -> {
            PerCpuAllocator a = ref.get();
            if (a == null || a.isClosed()) {
                m.stop();
                return;
            }
            try {
                a.maintain(fingerprints);
            } catch (RuntimeException e) {
                // A bad block found while draining belongs to the caller that freed it; the
                // pass stops here and the next one continues. Reported, not swallowed silently.
                System.err.println("rseqalloc maintenance: " + e);
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
        return m;
    }

    void stop() {
        ScheduledFuture<?> f = future;
        if (f != null) {
            f.cancel(false);
        }
    }
}
