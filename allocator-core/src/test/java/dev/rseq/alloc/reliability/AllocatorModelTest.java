package dev.rseq.alloc.reliability;

import dev.rseq.alloc.FastPath;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.PerCpuArena;
import dev.rseq.alloc.stress.FinalAccounting;
import dev.rseq.alloc.stress.Violation;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random operation sequences (allocate, aligned, bulk, sized and unsized free, bulk free,
 * usableSize, arena open/allocate/close, releaseMemory) against a reference model of the
 * live blocks, on every allocator configuration. After every step: no two live blocks
 * overlap, every live block's contents are as written, usableSize is stable, and the
 * allocator's counters equal the model's. At the end everything is freed and the
 * accounting must be exact.
 */
class AllocatorModelTest {

    /** The allocator configurations, maintenance off so counters are exact between steps. */
    enum Config {
        THREAD_CACHE,
        SMALL_BUDGET,
        DIRECT,
        CAS,
        CHECKED,
        CHECKED_DIRECT;

        PerCpuAllocator open() {
            PerCpuAllocator.Builder b =
                    PerCpuAllocator.builder().maintenanceInterval(null).releaseThresholdBytes(1 << 20);
            return switch (this) {
                case THREAD_CACHE -> b.fastPath(FastPath.THREAD_CACHE).build();
                case SMALL_BUDGET ->
                    b.threadCacheBytes(16 * 1024)
                            .threadCacheBytesPerThread(8 * 1024)
                            .build();
                case DIRECT -> b.fastPath(FastPath.PER_CPU_DIRECT).build();
                case CAS -> b.fastPath(FastPath.PER_CPU_DIRECT).forceCas(true).build();
                case CHECKED -> b.fastPath(FastPath.THREAD_CACHE).checked(true).build();
                case CHECKED_DIRECT ->
                    b.fastPath(FastPath.PER_CPU_DIRECT).checked(true).build();
            };
        }
    }

    @Property(tries = 200)
    void randomSequencesAgreeWithTheModel(@ForAll Config config, @ForAll("sequences") List<Op> ops) {
        try (PerCpuAllocator a = config.open()) {
            ReferenceModel model = new ReferenceModel();
            List<PerCpuArena> arenas = new ArrayList<>();
            List<List<MemorySegment>> arenaSegments = new ArrayList<>();
            for (Op op : ops) {
                apply(a, model, arenas, arenaSegments, op);
                model.check(a);
            }
            for (int i = 0; i < arenas.size(); i++) {
                closeArena(model, arenas, arenaSegments, i);
            }
            for (long address : model.userBlocks()) {
                model.remove(address);
                a.free(address);
            }
            Violation v = FinalAccounting.check(a, config.name());
            if (v != null) {
                throw new AssertionError(v.report());
            }
        }
    }

    private static void apply(
            PerCpuAllocator a,
            ReferenceModel model,
            List<PerCpuArena> arenas,
            List<List<MemorySegment>> arenaSegments,
            Op op) {
        switch (op) {
            case Op.Alloc(long size) -> {
                long p = a.allocate(size);
                model.add(p, size, a.usableSize(p), false, -1);
            }
            case Op.AllocAligned(long size, int shift) -> {
                long alignment = 1L << shift;
                long p = a.allocateAligned(size, alignment);
                if ((p & (alignment - 1)) != 0) {
                    throw new AssertionError(
                            "allocateAligned(" + size + ", " + alignment + ") = 0x" + Long.toHexString(p));
                }
                model.add(p, size, a.usableSize(p), true, -1);
            }
            case Op.AllocBulk(long size, int n) -> {
                long[] out = new long[n + 2];
                a.allocateBulk(size, out, 1, n);
                if (out[0] != 0 || out[n + 1] != 0) {
                    throw new AssertionError("allocateBulk wrote outside its range");
                }
                for (int i = 1; i <= n; i++) {
                    model.add(out[i], size, a.usableSize(out[i]), false, -1);
                }
            }
            case Op.Free(int pick, boolean sized) -> {
                List<Long> blocks = model.userBlocks();
                if (!blocks.isEmpty()) {
                    long p = blocks.get(pick % blocks.size());
                    ReferenceModel.Entry e = model.remove(p);
                    if (!sized) {
                        a.free(p);
                    } else {
                        a.free(p, e.aligned() ? e.usable() : e.size());
                    }
                }
            }
            case Op.FreeBulk(int pick) -> {
                List<Long> blocks = model.userBlocks();
                if (!blocks.isEmpty()) {
                    ReferenceModel.Entry first = model.live.get(blocks.get(pick % blocks.size()));
                    List<Long> same = new ArrayList<>();
                    for (long p : blocks) {
                        ReferenceModel.Entry e = model.live.get(p);
                        if (!e.aligned() && e.size() == first.size() && same.size() < 40) {
                            same.add(p);
                        }
                    }
                    long[] in = new long[same.size()];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = same.get(i);
                        model.remove(in[i]);
                    }
                    a.freeBulk(in, 0, in.length, first.size());
                }
            }
            case Op.Usable(int pick) -> {
                List<Long> blocks = model.userBlocks();
                if (!blocks.isEmpty()) {
                    long p = blocks.get(pick % blocks.size());
                    if (a.usableSize(p) < model.live.get(p).size()) {
                        throw new AssertionError("usableSize below the requested size");
                    }
                }
            }
            case Op.ArenaOpen(boolean shared) -> {
                arenas.add(shared ? a.newSharedArena() : a.newConfinedArena());
                arenaSegments.add(new ArrayList<>());
            }
            case Op.ArenaAlloc(int pick, long size, int shift) -> {
                int i = openArena(arenas, pick);
                if (i >= 0) {
                    long alignment = 1L << shift;
                    MemorySegment s = arenas.get(i).allocate(size, alignment);
                    if ((s.address() & (alignment - 1)) != 0 || s.byteSize() != size) {
                        throw new AssertionError("arena.allocate(" + size + ", " + alignment + ") gave " + s);
                    }
                    model.add(s.address(), size, a.usableSize(s.address()), true, i);
                    arenaSegments.get(i).add(s);
                }
            }
            case Op.ArenaClose(int pick) -> {
                int i = openArena(arenas, pick);
                if (i >= 0) {
                    closeArena(model, arenas, arenaSegments, i);
                }
            }
            case Op.Release() -> a.releaseMemory();
        }
    }

    private static int openArena(List<PerCpuArena> arenas, int pick) {
        for (int k = 0; k < arenas.size(); k++) {
            int i = (pick + k) % arenas.size();
            if (arenas.get(i).scope().isAlive()) {
                return i;
            }
        }
        return -1;
    }

    private static void closeArena(
            ReferenceModel model, List<PerCpuArena> arenas, List<List<MemorySegment>> arenaSegments, int i) {
        PerCpuArena arena = arenas.get(i);
        if (!arena.scope().isAlive()) {
            return;
        }
        for (MemorySegment s : arenaSegments.get(i)) {
            model.remove(s.address());
        }
        arena.close();
        for (MemorySegment s : arenaSegments.get(i)) {
            if (s.scope().isAlive()) {
                throw new AssertionError("segment scope alive after its arena closed");
            }
            if (s.byteSize() == 0) {
                continue; // nothing to read: a zero-length access fails its bounds check first
            }
            try {
                s.get(ValueLayout.JAVA_BYTE, 0);
                throw new AssertionError("segment readable after its arena closed");
            } catch (IllegalStateException expected) {
                // FFM rejects it, as it must
            }
        }
    }

    @Provide
    Arbitrary<List<Op>> sequences() {
        Arbitrary<Long> sizes = Arbitraries.frequencyOf(
                Tuple.of(70, Arbitraries.longs().between(1, 256)),
                Tuple.of(20, Arbitraries.longs().between(257, 16_384)),
                Tuple.of(8, Arbitraries.longs().between(16_385, 262_144)),
                Tuple.of(2, Arbitraries.longs().between(262_145, 300_000)));
        Arbitrary<Integer> shifts = Arbitraries.integers().between(0, 16);
        Arbitrary<Integer> picks = Arbitraries.integers().between(0, 1 << 20);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(30, sizes.map(Op.Alloc::new)),
                Tuple.of(6, Combinators.combine(sizes, shifts).as(Op.AllocAligned::new)),
                Tuple.of(
                        4,
                        Combinators.combine(
                                        Arbitraries.longs().between(1, 4096),
                                        Arbitraries.integers().between(1, 40))
                                .as(Op.AllocBulk::new)),
                Tuple.of(
                        25,
                        Combinators.combine(picks, Arbitraries.of(true, false)).as(Op.Free::new)),
                Tuple.of(4, picks.map(Op.FreeBulk::new)),
                Tuple.of(4, picks.map(Op.Usable::new)),
                Tuple.of(3, Arbitraries.of(true, false).map(Op.ArenaOpen::new)),
                Tuple.of(
                        8,
                        Combinators.combine(picks, Arbitraries.longs().between(0, 20_000), shifts)
                                .as(Op.ArenaAlloc::new)),
                Tuple.of(3, picks.map(Op.ArenaClose::new)),
                Tuple.of(2, Arbitraries.just(new Op.Release())));
        return op.list().ofMinSize(1).ofMaxSize(150);
    }
}
