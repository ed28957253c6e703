package dev.rseq.alloc.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Event counts per size class for one tier's slow paths (refills, drains, misses, steals):
 * striped adders, so threads on different cpus that miss at once do not share a cache
 * line. Never touched on a hit path.
 */
public final class ClassCounters {
    private final LongAdder[] counts;

    public ClassCounters(int classes) {
        counts = new LongAdder[classes];
        for (int c = 0; c < classes; c++) {
            counts[c] = new LongAdder();
        }
    }

    public void add(int sizeClass, long n) {
        counts[sizeClass].add(n);
    }

    public void increment(int sizeClass) {
        counts[sizeClass].increment();
    }

    public long get(int sizeClass) {
        return counts[sizeClass].sum();
    }

    public long total() {
        long n = 0;
        for (LongAdder a : counts) {
            n += a.sum();
        }
        return n;
    }
}
