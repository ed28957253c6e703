package dev.rseq.alloc.reliability;

import dev.rseq.alloc.FastPath;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.stress.BlockPattern;
import dev.rseq.alloc.stress.FinalAccounting;
import dev.rseq.alloc.stress.Violation;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Bad frees interleaved with valid traffic on several threads at once, in default mode: every
 * bad free must throw at the call, and no block may ever be handed out twice or overlap a
 * live one (a global interval map of every live block, checked on each allocation); the
 * contents of every block survive until its free, and the accounting is exact at the end.
 *
 * <p>The double frees generated are of a block the same thread freed in the step just
 * before: nothing can have handed it out again in between (it sits in that thread's own
 * cache). A double free after another thread may have reallocated the block would be a
 * free of that thread's live block, which no allocator can tell from a correct one.
 */
class ConcurrentMisuseTest {
    enum Config {
        THREAD_CACHE,
        SMALL_BUDGET,
        DIRECT,
        CAS;

        PerCpuAllocator open() {
            PerCpuAllocator.Builder b = PerCpuAllocator.builder().maintenanceInterval(java.time.Duration.ofMillis(5));
            return switch (this) {
                case THREAD_CACHE -> b.build();
                case SMALL_BUDGET ->
                    b.threadCacheBytes(32 * 1024)
                            .threadCacheBytesPerThread(16 * 1024)
                            .build();
                case DIRECT -> b.fastPath(FastPath.PER_CPU_DIRECT).build();
                case CAS -> b.fastPath(FastPath.PER_CPU_DIRECT).forceCas(true).build();
            };
        }

        boolean ownCacheHoldsAFreedBlock() {
            return this == THREAD_CACHE;
        }
    }

    enum Bad {
        INTERIOR,
        FOREIGN,
        WRONG_SIZE,
        WILD,
        DOUBLE,
        LARGE_INTERIOR
    }

    sealed interface Step {
        record Alloc(long size) implements Step {}

        record Free(int pick, boolean sized) implements Step {}

        record Misuse(Bad kind, int pick) implements Step {}
    }

    @Provide
    Arbitrary<List<List<Step>>> programs() {
        Arbitrary<Step> alloc = Arbitraries.oneOf(
                        Arbitraries.longs().between(1, 2048),
                        Arbitraries.longs().between(2049, 300_000))
                .map(Step.Alloc::new);
        Arbitrary<Step> free = Combinators.combine(Arbitraries.integers().between(0, 1000), Arbitraries.of(true, false))
                .as(Step.Free::new);
        Arbitrary<Step> misuse = Combinators.combine(
                        Arbitraries.of(Bad.class), Arbitraries.integers().between(0, 1000))
                .as(Step.Misuse::new);
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, alloc), net.jqwik.api.Tuple.of(4, free), net.jqwik.api.Tuple.of(2, misuse));
        return step.list().ofMinSize(50).ofMaxSize(400).list().ofMinSize(2).ofMaxSize(4);
    }

    @Property(tries = 40)
    void badFreesOnSeveralThreadsNeverCorruptTheHeap(
            @ForAll Config config, @ForAll("programs") List<List<Step>> programs) throws Exception {
        TreeMap<Long, Long> live = new TreeMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (PerCpuAllocator a = config.open();
                Arena foreignArena = Arena.ofShared()) {
            long foreign = foreignArena.allocate(4096).address();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < programs.size(); t++) {
                List<Step> program = programs.get(t);
                long owner = t + 1;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        run(a, config, program, owner, live, foreign);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread th : threads) {
                th.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            Violation v = FinalAccounting.check(a, config.name());
            if (v != null) {
                throw new AssertionError(v.report());
            }
        }
    }

    /** One thread's program. Its own blocks are tracked locally; every live block of every thread in {@code live}. */
    private static void run(
            PerCpuAllocator a, Config config, List<Step> program, long owner, TreeMap<Long, Long> live, long foreign) {
        List<long[]> mine = new ArrayList<>(); // {address, size}
        long lastFreed = 0;
        long lastFreedSize = 0;
        for (Step step : program) {
            switch (step) {
                case Step.Alloc(long size) -> {
                    long p = a.allocate(size);
                    long usable = a.usableSize(p);
                    register(live, p, usable);
                    BlockPattern.fill(p, size, owner);
                    mine.add(new long[] {p, size});
                    lastFreed = 0;
                }
                case Step.Free(int pick, boolean sized) -> {
                    if (mine.isEmpty()) {
                        continue;
                    }
                    long[] b = mine.remove(pick % mine.size());
                    if (BlockPattern.firstMismatch(b[0], b[1], owner) >= 0) {
                        throw new AssertionError("block 0x" + Long.toHexString(b[0]) + " changed while live");
                    }
                    unregister(live, b[0]);
                    if (sized) {
                        a.free(b[0], b[1]);
                    } else {
                        a.free(b[0]);
                    }
                    lastFreed = b[0];
                    lastFreedSize = b[1];
                }
                case Step.Misuse(Bad kind, int pick) -> {
                    long[] target = mine.isEmpty() ? null : mine.get(pick % mine.size());
                    long freed = lastFreed;
                    long freedSize = lastFreedSize;
                    switch (kind) {
                        case INTERIOR -> {
                            if (target != null && target[1] > 16) {
                                mustThrow(() -> a.free(target[0] + 16, target[1]), "interior, sized");
                                mustThrow(() -> a.free(target[0] + 16), "interior, unsized");
                            }
                        }
                        case FOREIGN -> {
                            mustThrow(() -> a.free(foreign, 64), "foreign, sized");
                            mustThrow(() -> a.free(foreign + 64), "foreign, unsized");
                        }
                        case WRONG_SIZE -> {
                            if (target != null) {
                                long wrong = target[1] <= 512 ? target[1] + 4096 : 8;
                                mustThrow(() -> a.free(target[0], wrong), "wrong size class");
                            }
                        }
                        case WILD -> mustThrow(() -> a.free(0x1000L * (1 + pick), 64), "wild address");
                        case DOUBLE -> {
                            if (freed != 0 && config.ownCacheHoldsAFreedBlock() && freedSize <= 2048) {
                                mustThrow(() -> a.free(freed, freedSize), "double free");
                            }
                        }
                        case LARGE_INTERIOR -> {
                            if (target != null && target[1] > 262_144) {
                                mustThrow(() -> a.free(target[0] + 8192), "inside a large block");
                            }
                        }
                    }
                    // a misuse never changes what this thread owns
                }
            }
        }
        for (long[] b : mine) {
            if (BlockPattern.firstMismatch(b[0], b[1], owner) >= 0) {
                throw new AssertionError("block 0x" + Long.toHexString(b[0]) + " changed while live");
            }
            unregister(live, b[0]);
            a.free(b[0], b[1]);
        }
    }

    private static void mustThrow(Runnable call, String what) {
        try {
            call.run();
        } catch (IllegalArgumentException | IllegalStateException expected) {
            return;
        }
        throw new AssertionError(what + " was accepted");
    }

    private static void register(TreeMap<Long, Long> live, long p, long usable) {
        synchronized (live) {
            Map.Entry<Long, Long> below = live.floorEntry(p + usable - 1);
            if (below != null && below.getKey() + below.getValue() > p) {
                throw new AssertionError("0x" + Long.toHexString(p) + "+" + usable + " overlaps live 0x"
                        + Long.toHexString(below.getKey()) + "+" + below.getValue());
            }
            live.put(p, usable);
        }
    }

    private static void unregister(TreeMap<Long, Long> live, long p) {
        synchronized (live) {
            if (live.remove(p) == null) {
                throw new AssertionError("0x" + Long.toHexString(p) + " was not live");
            }
        }
    }
}
