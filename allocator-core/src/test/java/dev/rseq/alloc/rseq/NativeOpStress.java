package dev.rseq.alloc.rseq;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Child main of {@link NativeOpStressTest}: the slab critical sections through the real FFM
 * downcalls, under the delay-injecting build ({@code -Drseqalloc.native.variant=inject}) so
 * that preemption and migration land inside sections. Unique tokens move between
 * thread-held stacks and a slab this class maps and lays out itself (rseqalloc.h: word 0
 * control, word 1 + c header {@code current | end << 16 | begin << 32}, slots after); a
 * re-pinning thread keeps moving the workers between cpus, and a drainer stops, fences and
 * empties regions from outside as RseqSlab.drainRegion does. At the end every region is
 * drained by reading its headers and every token must be found exactly once, and the abort
 * counter must have grown. Prints {@code STRESS {...}} then {@code OK}, or {@code ERROR ...} and exits 1.
 *
 * <p>Options: {@code --seconds S} (5), {@code --threads-per-cpu N} (8), {@code --delay LOOPS} (200);
 * {@code --unfenced-drain} skips the drainer's fence, a negative control that shows the check
 * has teeth (tokens get lost or duplicated; run by hand, it is not deterministic);
 * {@code --drainer-cpu N} pins the drainer to cpu N, so its fence must reach cpus outside its
 * own affinity mask.
 */
public final class NativeOpStress {
    /** Slot capacity per class: different sizes so that full, empty and partial batches all happen. */
    private static final int[] CAPACITY = {48, 7, 160};

    private static final int CLASSES = CAPACITY.length;
    private static final int TOKENS_PER_THREAD = 96;
    private static final long TOKEN_BASE = 0x10_0000L;
    private static final int MAX_BATCH = 16;
    /** Volatile access to a region's control word: (segment, byte offset). */
    private static final VarHandle CONTROL = ValueLayout.JAVA_LONG.varHandle();

    private final int regions = RseqNative.regionCount();
    private final int[] begin = new int[CLASSES];
    private final long regionSize;
    private final MemorySegment slab;
    private final long base;
    private final int totalTokens;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder operations = new LongAdder();
    private final LongAdder moved = new LongAdder();
    private final LongAdder stopped = new LongAdder();
    private volatile long drains;
    /** What RseqNative.fence returned last: 0 membarrier, 1 migration fallback, -1 never called. */
    private volatile int fenceKind = -1;
    /** False only for the negative control {@code --unfenced-drain}: drains then race with sections. */
    private final boolean fenced;
    /** {@code --drainer-cpu N}: pin the drainer to one cpu (the fence must still reach the others). */
    private final int drainerCpu;

    private NativeOpStress(Arena arena, int threads, boolean fenced, int drainerCpu) {
        this.fenced = fenced;
        this.drainerCpu = drainerCpu;
        int slot = 1 + CLASSES;
        for (int c = 0; c < CLASSES; c++) {
            begin[c] = slot;
            slot += CAPACITY[c];
        }
        regionSize = ((long) slot * Long.BYTES + 4095) & -4096L;
        slab = arena.allocate(regionSize * regions, 4096);
        base = slab.address();
        for (int r = 0; r < regions; r++) {
            for (int c = 0; c < CLASSES; c++) {
                slab.set(ValueLayout.JAVA_LONG, headerOffset(r, c), header(begin[c], begin[c], begin[c] + CAPACITY[c]));
            }
        }
        totalTokens = threads * TOKENS_PER_THREAD;
    }

    public static void main(String[] args) throws Exception {
        int seconds = intOption(args, "--seconds", 5);
        int perCpu = intOption(args, "--threads-per-cpu", 8);
        long delay = intOption(args, "--delay", 200);
        if (!NativeLibrary.isInjectVariant()) {
            System.out.println("ERROR run with -Drseqalloc.native.variant=inject");
            System.exit(1);
        }
        RseqNative.setInjectDelay(delay);
        int cpus = Runtime.getRuntime().availableProcessors();
        int threads = perCpu * cpus;
        try (Arena arena = Arena.ofShared()) {
            NativeOpStress stress = new NativeOpStress(
                    arena, threads, !List.of(args).contains("--unfenced-drain"), intOption(args, "--drainer-cpu", -1));
            boolean ok = stress.run(threads, seconds * 1_000_000_000L);
            System.exit(ok ? 0 : 1);
        }
    }

    private boolean run(int threads, long nanos) throws InterruptedException {
        long abortsBefore = RseqNative.aborts();
        AtomicIntegerArray tids = new AtomicIntegerArray(threads);
        long[][] held = new long[threads][];
        int[] heldCount = new int[threads];
        long deadline = System.nanoTime() + nanos;
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = Thread.ofPlatform().name("stress-" + t).start(() -> {
                tids.set(id, Affinity.currentTid());
                long[] stack = new long[totalTokens];
                int n = 0;
                for (int i = 0; i < TOKENS_PER_THREAD; i++) {
                    stack[n++] = TOKEN_BASE + (long) id * TOKENS_PER_THREAD + i;
                }
                try {
                    n = work(id, stack, n, deadline);
                } catch (Throwable e) {
                    errors.add("stress-" + id + ": " + e);
                }
                held[id] = stack;
                heldCount[id] = n;
            });
        }
        long[] drained = new long[totalTokens];
        int[] drainedCount = new int[1];
        Thread drainer = Thread.ofPlatform().name("drainer").start(() -> {
            if (drainerCpu >= 0 && !Affinity.set(0, drainerCpu)) {
                errors.add("cannot pin the drainer to cpu " + drainerCpu);
            }
            try {
                drainedCount[0] = drain(deadline, drained);
            } catch (Throwable e) {
                errors.add("drainer: " + e);
            }
        });
        long migrations = repin(workers, tids, Affinity.allowedCpus(), deadline);
        for (Thread w : workers) {
            w.join();
        }
        drainer.join();
        long aborts = RseqNative.aborts() - abortsBefore;
        int found = verifyTokens(held, heldCount, drained, drainedCount[0]);
        System.out.println("STRESS {\"threads\":" + threads + ",\"regions\":" + regions + ",\"indexedBy\":\""
                + (RseqNative.USE_MM_CID ? "mm_cid" : "cpu_id") + "\",\"mmCidAvailable\":"
                + RseqReport.ofCurrentThread().mmCidAvailable() + ",\"operations\":" + operations.sum()
                + ",\"tokensMoved\":" + moved.sum() + ",\"repins\":" + migrations + ",\"drains\":" + drains
                + ",\"stoppedResults\":" + stopped.sum() + ",\"fence\":" + fenceKind + ",\"aborts\":" + aborts
                + ",\"tokens\":" + totalTokens + ",\"found\":" + found + "}");
        if (aborts <= 0) {
            errors.add("no critical section was aborted: the stress did not reach the abort path");
        }
        if (errors.isEmpty()) {
            System.out.println("OK");
            return true;
        }
        errors.stream().limit(20).forEach(e -> System.out.println("ERROR " + e));
        return false;
    }

    /** One worker: random single and batch operations until the deadline; returns its stack depth. */
    private int work(int id, long[] stack, int n, long deadline) {
        RseqMode mode = RseqNative.attachCurrentThread();
        if (!mode.usesRseq()) {
            errors.add("stress-" + id + " has no rseq (" + mode + "): this stress needs it");
            return n;
        }
        Random rnd = new Random(id);
        long[] buf = new long[MAX_BATCH + 4];
        long ops = 0;
        while ((ops & 63) != 0 || System.nanoTime() < deadline) {
            int c = rnd.nextInt(CLASSES);
            switch (rnd.nextInt(4)) {
                case 0 -> {
                    long r = counted(RseqNative.pop(base, regionSize, c));
                    check(r >= 0 || r == RseqNative.STOPPED, "pop", r);
                    if (r > 0) {
                        checkToken(r);
                        stack[n++] = r;
                        moved.increment();
                    }
                }
                case 1 -> {
                    if (n > 0) {
                        long r = counted(RseqNative.push(base, regionSize, c, stack[n - 1]));
                        check(r == 0 || r == 1 || r == RseqNative.STOPPED, "push", r);
                        if (r == 1) {
                            n--;
                            moved.increment();
                        }
                    }
                }
                case 2 -> {
                    int off = rnd.nextInt(4);
                    int want = 1 + rnd.nextInt(MAX_BATCH);
                    long r = counted(RseqNative.popBatch(base, regionSize, c, buf, off, want));
                    check(r >= 0 && r <= want || r == RseqNative.STOPPED, "popBatch", r);
                    for (int i = 0; i < r; i++) {
                        checkToken(buf[off + i]);
                        stack[n++] = buf[off + i];
                    }
                    moved.add(Math.max(0, r));
                }
                default -> {
                    int k = Math.min(n, 1 + rnd.nextInt(MAX_BATCH));
                    if (k > 0) {
                        int off = rnd.nextInt(4);
                        System.arraycopy(stack, n - k, buf, off, k);
                        long r = counted(RseqNative.pushBatch(base, regionSize, c, buf, off, k));
                        check(r >= 0 && r <= k || r == RseqNative.STOPPED, "pushBatch", r);
                        // The batch push takes from the end of the range: buf[off .. off + k - r) stay ours.
                        long pushed = Math.max(0, r);
                        n -= k;
                        for (int i = 0; i < k - pushed; i++) {
                            stack[n++] = buf[off + i];
                        }
                        moved.add(pushed);
                    }
                }
            }
            ops++;
            if ((ops & 1023) == 0) {
                Thread.yield();
            }
        }
        operations.add(ops);
        return n;
    }

    /** Moves workers between cpus until the deadline, one at a time; every 8th move unpins. */
    private static long repin(Thread[] workers, AtomicIntegerArray tids, int[] cpus, long deadline) {
        Random rnd = new Random(42);
        long attempts = 0;
        long moves = 0;
        while (System.nanoTime() < deadline) {
            int w = rnd.nextInt(workers.length);
            int tid = tids.get(w);
            if (tid != 0 && workers[w].isAlive()) {
                boolean ok =
                        attempts++ % 8 == 7 ? Affinity.unpin(tid) : Affinity.set(tid, cpus[rnd.nextInt(cpus.length)]);
                if (ok) {
                    moves++;
                }
            }
            LockSupport.parkNanos(200_000);
        }
        for (int w = 0; w < workers.length; w++) {
            if (tids.get(w) != 0 && workers[w].isAlive()) {
                Affinity.unpin(tids.get(w));
            }
        }
        return moves;
    }

    /**
     * The remote editor of RseqSlab.drainRegion, concurrently with the workers: stop a
     * region (control word), fence (membarrier aborts the sections in flight; those that
     * restart see the word and return STOPPED), take its tokens, put up to half a class's
     * capacity back so tokens keep circulating, restart it. Returns how many tokens it holds.
     */
    private int drain(long deadline, long[] stack) {
        Random rnd = new Random(7);
        int n = 0;
        long count = 0;
        while (System.nanoTime() < deadline) {
            int r = rnd.nextInt(regions);
            long control = r * regionSize;
            CONTROL.setVolatile(slab, control, 1L);
            if (fenced) {
                fenceKind = RseqNative.fence(r);
            }
            for (int c = 0; c < CLASSES; c++) {
                long h = slab.get(ValueLayout.JAVA_LONG, headerOffset(r, c));
                for (int s = begin[c]; s < (int) (h & 0xFFFF); s++) {
                    stack[n++] = slab.get(ValueLayout.JAVA_LONG, slotOffset(r, s));
                }
                int back = Math.min(n, CAPACITY[c] / 2);
                for (int i = 0; i < back; i++) {
                    slab.set(ValueLayout.JAVA_LONG, slotOffset(r, begin[c] + i), stack[--n]);
                }
                slab.set(
                        ValueLayout.JAVA_LONG,
                        headerOffset(r, c),
                        header(begin[c], begin[c] + back, begin[c] + CAPACITY[c]));
            }
            // Release: the edits above happen-before any section that reads the cleared word.
            CONTROL.setVolatile(slab, control, 0L);
            drains = ++count;
            LockSupport.parkNanos(1_000_000);
        }
        return n;
    }

    /** Every token must be in exactly one place: a region's [begin, current), a worker's or the drainer's stack. */
    private int verifyTokens(long[][] held, int[] heldCount, long[] drained, int drainedCount) {
        BitSet seen = new BitSet(totalTokens);
        int found = 0;
        for (int r = 0; r < regions; r++) {
            if (slab.get(ValueLayout.JAVA_LONG, r * regionSize) != 0) {
                errors.add("region " + r + " control word changed");
            }
            for (int c = 0; c < CLASSES; c++) {
                long h = slab.get(ValueLayout.JAVA_LONG, headerOffset(r, c));
                int cur = (int) (h & 0xFFFF);
                int end = (int) (h >>> 16 & 0xFFFF);
                int beg = (int) (h >>> 32 & 0xFFFF);
                if (beg != begin[c] || end != begin[c] + CAPACITY[c] || cur < beg || cur > end || h >>> 48 != 0) {
                    errors.add("region " + r + " class " + c + " header corrupt: 0x" + Long.toHexString(h));
                    continue;
                }
                for (int s = beg; s < cur; s++) {
                    found += mark(
                            seen,
                            slab.get(ValueLayout.JAVA_LONG, slotOffset(r, s)),
                            "region " + r + " class " + c + " slot " + s);
                }
            }
        }
        for (int t = 0; t < held.length; t++) {
            for (int i = 0; i < heldCount[t]; i++) {
                found += mark(seen, held[t][i], "stress-" + t);
            }
        }
        for (int i = 0; i < drainedCount; i++) {
            found += mark(seen, drained[i], "drainer");
        }
        if (found != totalTokens) {
            errors.add(found + " tokens found of " + totalTokens + "; first missing id " + seen.nextClearBit(0));
        }
        return found;
    }

    private int mark(BitSet seen, long token, String where) {
        long id = token - TOKEN_BASE;
        if (id < 0 || id >= totalTokens) {
            errors.add(where + " holds a value that is no token: 0x" + Long.toHexString(token));
            return 0;
        }
        if (seen.get((int) id)) {
            errors.add("token " + id + " found twice (again in " + where + ")");
            return 0;
        }
        seen.set((int) id);
        return 1;
    }

    private long counted(long result) {
        if (result == RseqNative.STOPPED) {
            stopped.increment();
        }
        return result;
    }

    private void check(boolean ok, String op, long result) {
        if (!ok) {
            errors.add(op + " returned " + result
                    + (result == RseqNative.NOT_REGISTERED
                            ? " (NOT_REGISTERED)"
                            : result == RseqNative.STOPPED ? " (STOPPED)" : ""));
            throw new IllegalStateException(op + " returned " + result);
        }
    }

    private void checkToken(long token) {
        if (token < TOKEN_BASE || token >= TOKEN_BASE + totalTokens) {
            errors.add("popped a value that is no token: 0x" + Long.toHexString(token));
            throw new IllegalStateException("bad token");
        }
    }

    private long headerOffset(int region, int c) {
        return region * regionSize + (1L + c) * Long.BYTES;
    }

    private long slotOffset(int region, int slot) {
        return region * regionSize + (long) slot * Long.BYTES;
    }

    private static long header(long begin, long current, long end) {
        return current | end << 16 | begin << 32;
    }

    private static int intOption(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }
}
