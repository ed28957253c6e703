package dev.rseq.alloc.frontend;

import dev.rseq.alloc.percpu.Batch;
import dev.rseq.alloc.percpu.PerCpuTier;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One OS thread's cache of free blocks: per size class, a stack in its own {@code long[]}.
 *
 * <p>Stack layout: {@code stack[0]} is the header, {@code count | hits << 16}; blocks sit in
 * {@code stack[1 .. count]}, newest last; the capacity is {@code stack.length - 1}. One
 * array holds both so a hit touches one object, and the header update that moves the count
 * also counts the hit (no second store). A class never used shares {@link #EMPTY} (capacity
 * 0: every call misses, and nothing ever writes it).
 *
 * <p>Ownership: only the owner (the thread, or a virtual thread running on it when it is a
 * carrier) reads or writes the stacks, without synchronisation. Other threads read them
 * racily for statistics, or fully after the owner died (thread termination happens-before
 * {@code isAlive()} returning false). {@link #allowance} is the one field others write
 * (budget steals), through {@link #ALLOWANCE}.
 */
final class ThreadCache {
    static final long[] EMPTY = {0L};
    static final int COUNT_MASK = 0xFFFF;
    /** Most blocks one class may hold: counts are 16 bits. */
    static final int MAX_CAPACITY = COUNT_MASK - 1;

    private static final long HIT = 1L << 16;
    static final long HIT_POP = HIT - 1;
    static final long HIT_PUSH = HIT + 1;
    private static final VarHandle ALLOWANCE;

    static {
        try {
            ALLOWANCE = MethodHandles.lookup().findVarHandle(ThreadCache.class, "allowance", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Thread owner;
    final long[][] stacks;
    /** The per-CPU tier of the owner's rseq mode. */
    final PerCpuTier tier;
    /** The owner's rseq mode label, for statistics. */
    final String mode;
    /** Misses per class: refills on allocate, spills on free (owner-written, racy reads). */
    final long[] refills;

    final long[] spills;
    /** Bytes of capacity, {@code sum(capacity(c) * size(c))} (owner only). */
    long capacityBytes;
    /**
     * Misses left on which this cache, installed fresh, still looks for a dead thread's cache
     * to take over (owner only). A thread started by a thread that is about to end finds no
     * dead cache at install; its predecessor's turns up moments later.
     */
    int adoptTries;
    /** Growth attempts left to skip before the next claim on the budget (owner only). */
    int claimBackoff;
    /** Claims that failed in a row, capped (owner only): sets the next backoff. */
    int claimFailures;
    /** A buffer for batch moves, taken by a slow path while it may block (see {@link #borrow}). */
    private Batch scratch;
    /** Bytes of capacity this cache may hold: claimed from the budget, lowered by thieves. */
    @SuppressWarnings("unused") // accessed through ALLOWANCE
    private volatile long allowance;

    ThreadCache(Thread owner, int classes, PerCpuTier tier, String mode) {
        this.owner = owner;
        this.stacks = new long[classes][];
        java.util.Arrays.fill(stacks, EMPTY);
        this.tier = tier;
        this.mode = mode;
        this.refills = new long[classes];
        this.spills = new long[classes];
    }

    /** A cache for {@code owner} that takes over a dead thread's blocks, capacities and allowance. */
    ThreadCache(Thread owner, ThreadCache dead, PerCpuTier tier, String mode) {
        this.owner = owner;
        this.stacks = dead.stacks;
        this.tier = tier;
        this.mode = mode;
        this.refills = dead.refills;
        this.spills = dead.spills;
        this.capacityBytes = dead.capacityBytes;
        this.scratch = dead.scratch;
        this.allowance = dead.allowance();
    }

    /** The sentinel that fills empty table slots: no owner, so no thread ever matches it. */
    static ThreadCache none(int classes) {
        return new ThreadCache(null, classes, null, "none");
    }

    /** Pops a block of class {@code c}, or 0 when the stack is empty. */
    long pop(int c) {
        long[] s = stacks[c];
        long h = s[0];
        int n = (int) h & COUNT_MASK;
        if (n == 0) {
            return 0;
        }
        s[0] = h + HIT_POP;
        return s[n];
    }

    /** Pushes a block of class {@code c}; false when the stack is full. */
    boolean push(int c, long block) {
        long[] s = stacks[c];
        long h = s[0];
        int n = ((int) h & COUNT_MASK) + 1;
        if (n >= s.length) {
            return false;
        }
        s[n] = block;
        s[0] = h + HIT_PUSH;
        return true;
    }

    int count(int c) {
        return (int) stacks[c][0] & COUNT_MASK;
    }

    int capacity(int c) {
        return stacks[c].length - 1;
    }

    /** Hits counted by class {@code c}'s header (racy when read by another thread). */
    long hits(int c) {
        return stacks[c][0] >>> 16;
    }

    /**
     * Gives class {@code c} a capacity of {@code capacity} blocks, keeping its blocks and
     * hit count. The caller has moved out any blocks beyond the new capacity.
     */
    void resize(int c, int capacity, int objectSize) {
        long[] old = stacks[c];
        int n = (int) old[0] & COUNT_MASK;
        if (n > capacity) {
            throw new IllegalStateException("resize below the count: " + n + " > " + capacity);
        }
        long[] s = new long[capacity + 1];
        System.arraycopy(old, 0, s, 0, n + 1);
        capacityBytes += (long) (capacity - (old.length - 1)) * objectSize;
        stacks[c] = s;
    }

    /** Moves the {@code k} oldest blocks of class {@code c} to {@code out[0 .. k)}. */
    void takeOldest(int c, long[] out, int k) {
        long[] s = stacks[c];
        int n = (int) s[0] & COUNT_MASK;
        System.arraycopy(s, 1, out, 0, k);
        System.arraycopy(s, 1 + k, s, 1, n - k);
        s[0] -= k;
    }

    /** Moves the {@code k} newest blocks of class {@code c} to {@code out[0 .. k)}. */
    void takeNewest(int c, long[] out, int k) {
        long[] s = stacks[c];
        int n = (int) s[0] & COUNT_MASK;
        System.arraycopy(s, n - k + 1, out, 0, k);
        s[0] -= k;
    }

    /** Pushes {@code in[from .. from + n)} while there is room; returns how many. */
    int pushAll(int c, long[] in, int from, int n) {
        long[] s = stacks[c];
        int count = (int) s[0] & COUNT_MASK;
        int k = Math.min(n, s.length - 1 - count);
        System.arraycopy(in, from, s, count + 1, k);
        s[0] += k;
        return k;
    }

    /**
     * Takes the scratch buffer for a slow path that may block. While it is out the field is
     * null, so a virtual thread that runs on this carrier meanwhile makes its own instead
     * of sharing one in use; plain accesses suffice because only code running on the owner
     * touches the field, and never across a blocking point.
     */
    Batch borrow(int capacity) {
        Batch b = scratch;
        if (b == null || b.capacity() < capacity) {
            return new Batch(Math.max(capacity, 64));
        }
        scratch = null;
        return b;
    }

    /** Returns a scratch buffer (to whichever cache the caller runs on now). */
    void giveBack(Batch b) {
        if (scratch == null || scratch.capacity() < b.capacity()) {
            scratch = b;
        }
    }

    long allowance() {
        return (long) ALLOWANCE.getVolatile(this);
    }

    void addAllowance(long bytes) {
        ALLOWANCE.getAndAdd(this, bytes);
    }

    /** Takes up to {@code bytes} of allowance away if the cache keeps at least {@code floor}; returns what was taken. */
    long takeAllowance(long bytes, long floor) {
        while (true) {
            long a = allowance();
            long take = Math.min(bytes, a - floor);
            if (take <= 0) {
                return 0;
            }
            if (ALLOWANCE.compareAndSet(this, a, a - take)) {
                return take;
            }
        }
    }

    /** True when the owner has terminated (after which its stacks may be read fully). */
    boolean ownerDead() {
        return owner != null && !owner.isAlive();
    }
}
