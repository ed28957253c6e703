package dev.rseq.alloc.frontend;

import dev.rseq.alloc.percpu.Batch;
import dev.rseq.alloc.percpu.PerCpuTier;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One OS thread's cache of free blocks: per size class, a stack, all in one {@code long[]}.
 *
 * <p>Layout of {@link #data} (for {@code C} classes):
 * <ul>
 *   <li>{@code data[0]}: the owner's thread id ({@link #RETIRED} once the array is replaced
 *       or given up). The hit path reaches the array straight from the table's hot slots and
 *       checks this word against the caller's id instead of loading the cache object: one
 *       dependent load fewer on every operation;
 *   <li>{@code data[1 + c]}: class {@code c}'s header, {@code count | hits << 16}: the
 *       header update that moves the count also counts the hit (no second store);
 *   <li>{@code data[1 + C + c]}: {@code base | capacity << 32}: the class's blocks sit in
 *       {@code data[base + 1 .. base + count]}, newest last.
 * </ul>
 * One array instead of an array per class: a hit loads the array, the class's two words
 * (independently) and the block, where per-class arrays added one more dependent load (the
 * class's array). Capacity changes copy the whole array: they are rare (growth backs off,
 * trims halve), and the copy is a few KiB.
 *
 * <p>Ownership: only the owner (the thread, or a virtual thread running on it when it is a
 * carrier) reads or writes the data, without synchronisation. Other threads read it racily
 * for statistics, or fully after the owner died (thread termination happens-before {@code
 * isAlive()} returning false). {@link #allowance} is the one field others write (budget
 * steals), through {@link #ALLOWANCE}.
 */
final class ThreadCache {
    /** {@code data[0]} of an array no thread may use on the hit path (thread ids are positive). */
    static final long RETIRED = -1;

    static final int COUNT_MASK = 0xFFFF;
    /** Most blocks one class may hold: counts are 16 bits. */
    static final int MAX_CAPACITY = COUNT_MASK - 1;

    private static final long HIT = 1L << 16;
    static final long HIT_POP = HIT - 1;
    static final long HIT_PUSH = HIT + 1;
    private static final VarHandle ALLOWANCE;
    private static final VarHandle OWED;

    static {
        try {
            ALLOWANCE = MethodHandles.lookup().findVarHandle(ThreadCache.class, "allowance", long.class);
            OWED = MethodHandles.lookup().findVarHandle(ThreadCache.class, "owed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Thread owner;
    /** Number of size classes, {@code C} in the layout. */
    final int classes;
    /** The stacks (layout above); replaced by {@link #resize}, only by the owner. */
    long[] data;
    /** The per-CPU tier of the owner's rseq mode. */
    final PerCpuTier tier;
    /** The owner's rseq mode label, for statistics. */
    final String mode;
    /** Misses per class: refills on allocate, spills on free (owner-written, racy reads). */
    final long[] refills;

    final long[] spills;
    /**
     * Bytes of capacity, {@code sum(capacity(c) * size(c))}; written by the owner only,
     * volatile because budget thieves read it to know what allowance is unused (see {@link
     * #resize} and {@link #takeUnused} for the protocol between the two).
     */
    volatile long capacityBytes;
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
    /**
     * Allowance a fair-share steal took from this cache while it was in use: it goes back to
     * the budget's pool once the owner has trimmed its capacity to its allowance (see {@link
     * CacheBudget}), so no one grows into it before these bytes have left the cache.
     */
    @SuppressWarnings("unused") // accessed through OWED
    private volatile long owed;

    ThreadCache(Thread owner, int classes, PerCpuTier tier, String mode) {
        this.owner = owner;
        this.classes = classes;
        this.data = new long[1 + 2 * classes];
        this.data[0] = owner == null ? RETIRED : owner.threadId();
        for (int c = 0; c < classes; c++) {
            data[1 + classes + c] = 2L * classes; // capacity 0: every call misses
        }
        this.tier = tier;
        this.mode = mode;
        this.refills = new long[classes];
        this.spills = new long[classes];
    }

    /** A cache for {@code owner} that takes over a dead thread's blocks, capacities and allowance. */
    ThreadCache(Thread owner, ThreadCache dead, PerCpuTier tier, String mode) {
        this.owner = owner;
        this.classes = dead.classes;
        this.data = dead.data;
        this.data[0] = owner.threadId();
        this.tier = tier;
        this.mode = mode;
        this.refills = dead.refills;
        this.spills = dead.spills;
        this.capacityBytes = dead.capacityBytes;
        this.scratch = dead.scratch;
        this.allowance = dead.allowance();
        this.owed = dead.takeOwed();
    }

    /** The sentinel that fills empty table slots: no owner, so no thread ever matches it. */
    static ThreadCache none(int classes) {
        return new ThreadCache(null, classes, null, "none");
    }

    /** The hit path's class-{@code c} pop on an array whose owner check passed; 0 when empty. */
    static long pop(long[] d, int classes, int c) {
        long h = d[1 + c];
        int n = (int) h & COUNT_MASK;
        if (n == 0) {
            return 0;
        }
        d[1 + c] = h + HIT_POP;
        return d[(int) d[1 + classes + c] + n];
    }

    /** The hit path's class-{@code c} push on an array whose owner check passed; false when full. */
    static boolean push(long[] d, int classes, int c, long block) {
        long h = d[1 + c];
        long where = d[1 + classes + c];
        int n = ((int) h & COUNT_MASK) + 1;
        if (n > (int) (where >>> 32)) {
            return false;
        }
        d[(int) where + n] = block;
        d[1 + c] = h + HIT_PUSH;
        return true;
    }

    /** Pops a block of class {@code c}, or 0 when the stack is empty. */
    long pop(int c) {
        return pop(data, classes, c);
    }

    /** Pushes a block of class {@code c}; false when the stack is full. */
    boolean push(int c, long block) {
        return push(data, classes, c, block);
    }

    int count(int c) {
        return (int) data[1 + c] & COUNT_MASK;
    }

    int capacity(int c) {
        return (int) (data[1 + classes + c] >>> 32);
    }

    private int base(int c) {
        return (int) data[1 + classes + c];
    }

    /** Hits counted by class {@code c}'s header (racy when read by another thread). */
    long hits(int c) {
        return data[1 + c] >>> 16;
    }

    /**
     * Gives class {@code c} a capacity of {@code capacity} blocks, keeping its blocks and
     * hit count, in a new array; the old one is marked {@link #RETIRED} so that a table slot
     * still holding it makes the owner miss and publish the new one. The caller has moved
     * out any blocks beyond the new capacity.
     *
     * <p>A growth first counts the new capacity in {@link #capacityBytes}, then checks that
     * the allowance still covers it (both volatile), and backs out if not: a thief taking
     * unused allowance at the same moment does the mirror image ({@link #takeUnused}), so at
     * least one of the two sees the other and the capacity never exceeds the allowance.
     *
     * @return false when a growth was refused because a thief took the allowance it needed
     */
    boolean resize(int c, int capacity, int objectSize) {
        long[] old = data;
        int n = count(c);
        if (n > capacity) {
            throw new IllegalStateException("resize below the count: " + n + " > " + capacity);
        }
        int oldCapacity = capacity(c);
        long delta = (long) (capacity - oldCapacity) * objectSize;
        long before = capacityBytes; // only the owner writes it: read, then write, is safe
        if (delta > 0) {
            capacityBytes = before + delta;
            if (allowance() < before + delta) {
                capacityBytes = before;
                return false;
            }
        }
        long total = 0;
        for (int k = 0; k < classes; k++) {
            total += k == c ? capacity : capacity(k);
        }
        long[] d = new long[Math.toIntExact(1 + 2 * classes + total)];
        d[0] = old[0];
        int base = 2 * classes; // blocks of the first class start at d[base + 1]
        for (int k = 0; k < classes; k++) {
            int cap = k == c ? capacity : capacity(k);
            d[1 + k] = old[1 + k];
            d[1 + classes + k] = base | (long) cap << 32;
            System.arraycopy(old, base(k) + 1, d, base + 1, count(k));
            base += cap;
        }
        data = d;
        old[0] = RETIRED;
        if (delta < 0) {
            capacityBytes = before + delta; // after the smaller array is in place: never below the truth
        }
        return true;
    }

    /** Moves the {@code k} oldest blocks of class {@code c} to {@code out[0 .. k)}. */
    void takeOldest(int c, long[] out, int k) {
        int n = count(c);
        int b = base(c);
        System.arraycopy(data, b + 1, out, 0, k);
        System.arraycopy(data, b + 1 + k, data, b + 1, n - k);
        data[1 + c] -= k;
    }

    /** Moves the {@code k} newest blocks of class {@code c} to {@code out[0 .. k)}. */
    void takeNewest(int c, long[] out, int k) {
        int n = count(c);
        System.arraycopy(data, base(c) + n - k + 1, out, 0, k);
        data[1 + c] -= k;
    }

    /** Pushes {@code in[from .. from + n)} while there is room; returns how many. */
    int pushAll(int c, long[] in, int from, int n) {
        int count = count(c);
        int k = Math.min(n, capacity(c) - count);
        System.arraycopy(in, from, data, base(c) + count + 1, k);
        data[1 + c] += k;
        return k;
    }

    /** Stops every use of the current array by the hit path (the cache is leaving the table). */
    void retire() {
        data[0] = RETIRED;
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

    /**
     * Takes up to {@code bytes} of the allowance this cache does not use as capacity. The
     * capacity is read again after the allowance was lowered, and what the owner grew into
     * meanwhile is given back (the mirror image of {@link #resize}'s check).
     *
     * @return the bytes taken
     */
    long takeUnused(long bytes) {
        long take = takeAllowance(bytes, capacityBytes);
        if (take > 0) {
            long over = capacityBytes - allowance();
            if (over > 0) {
                long back = Math.min(over, take);
                addAllowance(back);
                take -= back;
            }
        }
        return take;
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

    void addOwed(long bytes) {
        OWED.getAndAdd(this, bytes);
    }

    /** Takes all owed bytes (to return them to the pool, or to carry them to an adopter). */
    long takeOwed() {
        return (long) OWED.getAndSet(this, 0L);
    }

    /** True when the owner has terminated (after which its stacks may be read fully). */
    boolean ownerDead() {
        return owner != null && !owner.isAlive();
    }
}
