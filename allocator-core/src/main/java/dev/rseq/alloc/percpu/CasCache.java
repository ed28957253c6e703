package dev.rseq.alloc.percpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The per-CPU tier for threads without usable rseq: striped stacks, each stripe guarded by
 * a lock taken with one CAS and released with a plain release store. Separate memory from
 * the rseq slab: an rseq commit is atomic only against rseq code on the same cpu, so the
 * two must never share a stack.
 *
 * <p>A thread picks its stripe from a hash of its id and moves on to the next stripe when
 * the lock is taken, so contention spreads instead of queueing. Stripes: the next power
 * of two at or above the cpu count.
 */
final class CasCache {
    private final Stripe[] stripes;
    private final int mask;
    private final SlabLayout layout;

    CasCache(SlabLayout layout, int cpus) {
        this.layout = layout;
        int n = Integer.highestOneBit(Math.max(1, cpus) * 2 - 1);
        stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new Stripe(layout);
        }
        mask = n - 1;
    }

    private Stripe lock() {
        int start = (int) ((Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L) >>> 40) & mask;
        for (int spins = 0; ; spins++) {
            Stripe s = stripes[(start + spins) & mask];
            if (s.tryLock()) {
                return s;
            }
            if (spins > mask) {
                Thread.onSpinWait();
            }
        }
    }

    /** Pops up to {@code n} objects of class {@code c} into {@code out[off ..]}; returns how many. */
    int popBatch(int c, long[] out, int off, int n) {
        Stripe s = lock();
        try {
            int k = Math.min(n, s.counts[c]);
            int top = s.counts[c];
            long[] stack = s.stacks[c];
            for (int i = 0; i < k; i++) {
                out[off + i] = stack[top - 1 - i];
            }
            s.counts[c] = top - k;
            return k;
        } finally {
            s.unlock();
        }
    }

    /** Pushes {@code in[off + n - 1]}, {@code in[off + n - 2]}, ... while there is room; returns how many (from the end). */
    int pushBatch(int c, long[] in, int off, int n) {
        Stripe s = lock();
        try {
            long[] stack = s.stacks[c];
            int top = s.counts[c];
            int k = Math.min(n, stack.length - top);
            for (int i = 0; i < k; i++) {
                stack[top + i] = in[off + n - 1 - i];
            }
            s.counts[c] = top + k;
            return k;
        } finally {
            s.unlock();
        }
    }

    /** One object, or 0 when this stripe has none of class {@code c}. */
    long pop(int c) {
        Stripe s = lock();
        try {
            int top = s.counts[c];
            if (top == 0) {
                return 0;
            }
            s.counts[c] = top - 1;
            return s.stacks[c][top - 1];
        } finally {
            s.unlock();
        }
    }

    /** True when pushed, false when the stripe's class {@code c} is full. */
    boolean push(int c, long pointer) {
        Stripe s = lock();
        try {
            int top = s.counts[c];
            if (top == s.stacks[c].length) {
                return false;
            }
            s.stacks[c][top] = pointer;
            s.counts[c] = top + 1;
            return true;
        } finally {
            s.unlock();
        }
    }

    /** Empties every stripe into {@code sink} (release, close). */
    long drain(RseqSlab.Sink sink) {
        long moved = 0;
        RuntimeException problem = null;
        for (Stripe s : stripes) {
            while (!s.tryLock()) {
                Thread.onSpinWait();
            }
            try {
                for (int c = 1; c < layout.classes(); c++) {
                    int n = s.counts[c];
                    if (n > 0) {
                        // Settle the stripe before the sink runs: a sink that throws on one
                        // bad block has still taken every valid one.
                        long[] out = java.util.Arrays.copyOf(s.stacks[c], n);
                        s.counts[c] = 0;
                        moved += n;
                        try {
                            sink.accept(c, out, n);
                        } catch (RuntimeException e) {
                            problem = problem == null ? e : problem;
                        }
                    }
                }
            } finally {
                s.unlock();
            }
        }
        if (problem != null) {
            throw problem;
        }
        return moved;
    }

    /** Objects cached per class, summed over stripes (racy snapshot). */
    long cached(int c) {
        long n = 0;
        for (Stripe s : stripes) {
            n += s.counts[c];
        }
        return n;
    }

    int stripes() {
        return stripes.length;
    }

    private static final class Stripe {
        private static final VarHandle LOCK;

        static {
            try {
                LOCK = MethodHandles.lookup().findVarHandle(Stripe.class, "lock", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // accessed through LOCK
        private volatile int lock;

        final long[][] stacks;
        final int[] counts;

        Stripe(SlabLayout layout) {
            stacks = new long[layout.classes()][];
            counts = new int[layout.classes()];
            for (int c = 0; c < layout.classes(); c++) {
                stacks[c] = new long[layout.casCapacity(c)];
            }
        }

        boolean tryLock() {
            return LOCK.compareAndSet(this, 0, 1);
        }

        void unlock() {
            LOCK.setRelease(this, 0);
        }
    }
}
