package dev.rseq.alloc.frontend;

import dev.rseq.alloc.sizeclass.SizeClasses;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Thread caches in an open-addressed table keyed by the owner's thread id.
 *
 * <p>Why not a {@code ThreadLocal}: its lookup measured ~4.5 ns here, as much as a whole
 * hit. The hit path reads {@link #hot}, a parallel array holding each cache's {@linkplain
 * ThreadCache#data stack array}: {@code hot[id & mask]}, then that array's first word
 * compared with the caller's thread id. Going to the array directly, not through the cache
 * object, keeps the chain of dependent loads on every operation one shorter. For the lookup
 * to hit for every thread, each cache sits in its home slot: when a new thread's home is
 * taken by a live cache the table doubles and rehashes (thread ids are mostly sequential,
 * so a table four times the live count rarely collides) up to {@link #MAX_SLOTS}; only
 * beyond that does a thread probe a few slots on its slow path.
 *
 * <p>Structural changes (install, adoption, reclaim, growth) hold the table's monitor and
 * write {@link #slots} and {@link #hot} together. Lookups do not lock. The hit path reads
 * {@link #hot} plainly: a volatile read there measured 4 ns per allocate/free pair, since
 * the compiler may then neither reorder nor reuse the loads around it. That is safe because
 * the hit path trusts an array only when its first word is the caller's id, and an array
 * stops being trusted before anyone else may use its blocks: the owner marks an array it
 * replaces {@link ThreadCache#RETIRED}, a cache that leaves the table is retired by its own
 * thread or belongs to a dead one, and thread ids are never reused. The worst a stale or
 * half-seen array can do is make the hit path miss; the miss path puts the cache's current
 * array back in its slot ({@link #publishHot}), without the monitor, which a virtual thread
 * on the owner's carrier must not wait for while the cache is half changed. New arrays are
 * published with release semantics after every slot is filled, {@link #hot} before {@link
 * #slots}.
 */
public final class ThreadCacheTable {
    private static final int MAX_SLOTS = 1 << 20;
    private static final int PROBES = 8;

    private static final java.lang.invoke.VarHandle SLOTS;
    private static final java.lang.invoke.VarHandle HOT;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            SLOTS = lookup.findVarHandle(ThreadCacheTable.class, "slots", ThreadCache[].class);
            HOT = lookup.findVarHandle(ThreadCacheTable.class, "hot", long[][].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The caches, for slow paths (read with acquire); published with release under the monitor. */
    ThreadCache[] slots;

    /** {@code hot[i] == slots[i].data} once settled; read plainly on every hit (see the class comment). */
    long[][] hot;

    private final ThreadCache none;
    private int live;

    ThreadCacheTable(int classes) {
        none = ThreadCache.none(classes);
        ThreadCache[] s = new ThreadCache[64];
        java.util.Arrays.fill(s, none);
        long[][] h = new long[64][];
        java.util.Arrays.fill(h, none.data);
        HOT.setRelease(this, h);
        SLOTS.setRelease(this, s);
    }

    /**
     * A table that never holds a cache, so that every {@link #pop} and {@link #push} misses:
     * the allocator's hit path in the modes that must see every call (checked, direct) starts
     * with the same lookup as the default, and the mode is tested on the miss path only.
     */
    public static ThreadCacheTable alwaysMissing() {
        return new ThreadCacheTable(SizeClasses.COUNT);
    }

    /** The {@code C} of {@link ThreadCache}'s layout: a constant, so the hit path's offsets fold. */
    private static final int CLASSES = SizeClasses.COUNT;

    /**
     * The hit path's allocation: a block of class {@code c} from the cache of the OS thread
     * running the caller, or 0 when it has none here or the class is empty (the caller then
     * takes {@link ThreadCacheTier#allocateSlow}). Small enough to inline into any caller:
     * the thread's id, its hot slot, the owner word and the class's two words, the block.
     */
    public long pop(int c) {
        return pop(hot, c);
    }

    /**
     * The hit path's free of a validated block of class {@code c}: false when the caller's OS
     * thread has no cache here or the class is full (the caller then takes {@link
     * ThreadCacheTier#freeSlow}).
     */
    public boolean push(int c, long block) {
        return push(hot, c, block);
    }

    /**
     * The hot array, for a caller that keeps its own copy to save the load of this table on
     * every hit (the allocator does): any copy, however old, is safe to look up, because an
     * array is used only when its owner word is the caller's thread id (class comment); an
     * old copy can only miss more, and the caller takes a fresh one on a miss.
     */
    public long[][] hot() {
        return hot;
    }

    /** {@link #pop(int)} on {@code hot}, this table's hot array or a copy of it (see {@link #hot()}). */
    public static long pop(long[][] hot, int c) {
        long id = CarrierThreads.current().threadId();
        long[] d = hot[(int) id & (hot.length - 1)];
        return d[0] == id ? ThreadCache.pop(d, CLASSES, c) : 0; // no block is at address 0
    }

    /** {@link #push(int, long)} on {@code hot}, this table's hot array or a copy of it (see {@link #hot()}). */
    public static boolean push(long[][] hot, int c, long block) {
        long id = CarrierThreads.current().threadId();
        long[] d = hot[(int) id & (hot.length - 1)];
        return d[0] == id && ThreadCache.push(d, CLASSES, c, block);
    }

    /** Puts {@code c} in slot {@code i} of the current arrays (under the monitor). */
    private void set(int i, ThreadCache c) {
        current()[i] = c;
        currentHot()[i] = c.data;
    }

    private long[][] currentHot() {
        return (long[][]) HOT.getAcquire(this);
    }

    /**
     * Called by {@code cache}'s owner after its array changed (or the hit path missed): puts
     * the cache's current array in its home slot's hot entry. Skipped while the table grows
     * (the arrays read are of two sizes) or when the cache sits outside its home slot: its
     * owner then misses, as it did before.
     */
    void publishHot(ThreadCache cache) {
        ThreadCache[] s = current();
        long[][] h = currentHot();
        int home = (int) cache.owner.threadId() & (s.length - 1);
        if (h.length == s.length && s[home] == cache && h[home] != cache.data) {
            h[home] = cache.data;
        }
    }

    /** Caches in the table (racy read). */
    int liveCount() {
        return live;
    }

    /** The sentinel in every empty slot (its owner is null). */
    ThreadCache none() {
        return none;
    }

    /** The slot array, read with acquire semantics (slow paths). */
    ThreadCache[] current() {
        return (ThreadCache[]) SLOTS.getAcquire(this);
    }

    /** {@code thread}'s cache wherever it sits (home or probe window), or null. */
    ThreadCache find(Thread thread) {
        ThreadCache[] s = current();
        int home = (int) thread.threadId() & (s.length - 1);
        for (int i = 0; i < PROBES; i++) {
            ThreadCache c = s[(home + i) & (s.length - 1)];
            if (c.owner == thread) {
                return c;
            }
        }
        return null;
    }

    /**
     * {@code thread}'s cache, installing one: it adopts a dead thread's cache when there is
     * one (blocks, capacities and allowance carry over, so a pool that replaces threads
     * keeps warm caches), else {@code create} makes a fresh one. Null when the table is full.
     *
     * @param adopt  makes the new owner's cache out of a dead one
     * @param create makes a fresh cache for the new owner
     * @return the cache, and (through {@code adopted}) whether it was adopted
     */
    synchronized ThreadCache install(
            Thread thread,
            Function<ThreadCache, ThreadCache> adopt,
            Function<Thread, ThreadCache> create,
            boolean[] adopted) {
        ThreadCache existing = find(thread);
        if (existing != null) {
            return existing;
        }
        int deadAt = findDead(thread);
        ThreadCache mine;
        if (deadAt >= 0) {
            ThreadCache dead = current()[deadAt];
            set(deadAt, none);
            live--;
            mine = adopt.apply(dead);
            adopted[0] = true;
        } else {
            mine = create.apply(thread);
        }
        if (!place(mine)) {
            return null;
        }
        live++;
        return mine;
    }

    /**
     * Index of a cache whose owner died, preferring {@code thread}'s home slot; -1 if none.
     * Beyond the home slot it looks at a window of {@link #DEAD_SCAN} slots that moves on
     * each call: a scan of the whole table made starting 10,000 threads quadratic (22 s in
     * {@code footprint}, against 4.5 s for every other allocator).
     */
    private int findDead(Thread thread) {
        ThreadCache[] s = current();
        int home = (int) thread.threadId() & (s.length - 1);
        if (s[home].ownerDead()) {
            return home;
        }
        int n = Math.min(s.length, DEAD_SCAN);
        for (int i = 0; i < n; i++) {
            int at = (deadCursor + i) & (s.length - 1);
            if (s[at].ownerDead()) {
                deadCursor = at + 1;
                return at;
            }
        }
        deadCursor += n;
        return -1;
    }

    /** Puts a cache in its home slot, growing the table while the home is taken; false when full. */
    private boolean place(ThreadCache cache) {
        while (true) {
            ThreadCache[] s = current();
            if ((live + 1) * 4 <= s.length || s.length >= MAX_SLOTS) {
                int home = (int) cache.owner.threadId() & (s.length - 1);
                if (s[home] == none) {
                    set(home, cache);
                    return true;
                }
                if (s.length >= MAX_SLOTS) {
                    for (int i = 1; i < PROBES; i++) {
                        int at = (home + i) & (s.length - 1);
                        if (s[at] == none) {
                            set(at, cache);
                            return true;
                        }
                    }
                    return false;
                }
            }
            grow();
        }
    }

    /** Doubles the table until every cache sits in its home slot (or the table is at its maximum). */
    private void grow() {
        ThreadCache[] old = current();
        for (int size = old.length * 2; ; size *= 2) {
            ThreadCache[] s = new ThreadCache[size];
            java.util.Arrays.fill(s, none);
            boolean clean = true;
            for (ThreadCache c : old) {
                if (c != none) {
                    int home = (int) c.owner.threadId() & (size - 1);
                    if (s[home] == none) {
                        s[home] = c;
                    } else if (size < MAX_SLOTS) {
                        clean = false;
                        break;
                    } else if (!probePlace(s, c, home)) {
                        throw new IllegalStateException("thread cache table full");
                    }
                }
            }
            if (clean || size >= MAX_SLOTS) {
                long[][] h = new long[size][];
                for (int i = 0; i < size; i++) {
                    h[i] = s[i].data;
                }
                HOT.setRelease(this, h);
                SLOTS.setRelease(this, s);
                return;
            }
        }
    }

    private boolean probePlace(ThreadCache[] s, ThreadCache c, int home) {
        for (int i = 1; i < PROBES; i++) {
            int at = (home + i) & (s.length - 1);
            if (s[at] == none) {
                s[at] = c;
                return true;
            }
        }
        return false;
    }

    /** Slots looked at by one {@link #takeDead} call in a large table. */
    private static final int DEAD_SCAN = 256;

    private int deadCursor;

    /**
     * Removes and returns one cache whose owner died, or null: the whole table when it is
     * small, else a window that moves on each call, so a miss never pays for a big scan.
     */
    synchronized ThreadCache takeDead() {
        ThreadCache[] s = current();
        int n = Math.min(s.length, DEAD_SCAN);
        for (int i = 0; i < n; i++) {
            int at = (deadCursor + i) & (s.length - 1);
            if (s[at].ownerDead()) {
                ThreadCache dead = s[at];
                set(at, none);
                live--;
                deadCursor = at + 1;
                return dead;
            }
        }
        deadCursor += n;
        return null;
    }

    /** Removes every cache whose owner died and returns them (the caller flushes them). */
    synchronized List<ThreadCache> removeDead() {
        List<ThreadCache> dead = new ArrayList<>();
        ThreadCache[] s = current();
        for (int i = 0; i < s.length; i++) {
            if (s[i].ownerDead()) {
                dead.add(s[i]);
                set(i, none);
                live--;
            }
        }
        return dead;
    }

    /** Removes {@code cache} (the caller flushes it); false if it was not in the table. */
    synchronized boolean remove(ThreadCache cache) {
        ThreadCache[] s = current();
        for (int i = 0; i < s.length; i++) {
            if (s[i] == cache) {
                set(i, none);
                live--;
                return true;
            }
        }
        return false;
    }

    /** Every cache now in the table (racy snapshot). */
    ThreadCache[] snapshot() {
        List<ThreadCache> out = new ArrayList<>();
        forEach(out::add);
        return out.toArray(new ThreadCache[0]);
    }

    void forEach(Consumer<ThreadCache> action) {
        for (ThreadCache c : current()) {
            if (c != none) {
                action.accept(c);
            }
        }
    }

    int slotCount() {
        return current().length;
    }
}
