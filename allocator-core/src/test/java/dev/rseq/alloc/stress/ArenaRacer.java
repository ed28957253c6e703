package dev.rseq.alloc.stress;

import dev.rseq.alloc.PerCpuArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Arena close racing with use, in rounds. The owner thread opens an arena, allocates and
 * fills segments and publishes them; the accessor thread reads them back (and rewrites the
 * same values) in a loop and sometimes tries to close the arena itself. Then the arena is
 * closed while the accessor is still at it.
 *
 * <p>What must hold: every access either succeeds with intact contents or throws; an
 * access that starts after a close returned always throws; exactly one close succeeds
 * (a second one throws, so no block is freed twice); a confined arena is never usable
 * from the accessor. The freed blocks go straight back to the workers, so an access that
 * got through after the free would read another block's pattern and be reported.
 */
final class ArenaRacer {
    private static final long[] ALIGNMENTS = {1, 8, 16, 64, 256, 4096};
    private static final long WAIT_NANOS = 30_000_000_000L;

    private final RunContext ctx;
    private final SplittableRandom ownerRng;
    private final SplittableRandom accessorRng;
    private volatile Round current;
    final LongAdder rounds = new LongAdder();
    final LongAdder rejectedAfterClose = new LongAdder();
    final LongAdder wrongThread = new LongAdder();

    ArenaRacer(RunContext ctx, SplittableRandom rng) {
        this.ctx = ctx;
        this.ownerRng = rng.split();
        this.accessorRng = rng.split();
    }

    void start() {
        ctx.start("stress-arena-owner", this::ownerLoop);
        ctx.start("stress-arena-accessor", this::accessorLoop);
    }

    /** One arena's life. */
    private static final class Round {
        final Lane lane;
        final PerCpuArena arena;
        final boolean shared;
        final MemorySegment[] segments;
        final long owner;
        final AtomicInteger closes = new AtomicInteger();
        volatile boolean closable;
        volatile boolean closeReturned;
        volatile boolean accessorDone;

        Round(Lane lane, PerCpuArena arena, boolean shared, MemorySegment[] segments, long owner) {
            this.lane = lane;
            this.arena = arena;
            this.shared = shared;
            this.segments = segments;
            this.owner = owner;
        }
    }

    private void ownerLoop() {
        long round = 0;
        try {
            while (ctx.running()) {
                Lane lane = ctx.lanes.get((int) (round % ctx.lanes.size()));
                oneRound(lane, -1_000_000_000L - round++);
            }
        } catch (Throwable t) {
            ctx.violation(Violation.thrown("arena-owner", "-", t));
        }
    }

    private void oneRound(Lane lane, long owner) {
        boolean shared = ownerRng.nextInt(4) != 0;
        PerCpuArena arena = shared ? lane.allocator.newSharedArena() : lane.allocator.newConfinedArena();
        MemorySegment[] segs = new MemorySegment[1 + ownerRng.nextInt(24)];
        for (int i = 0; i < segs.length; i++) {
            long size = 8 + ownerRng.nextInt(8192);
            long alignment = ALIGNMENTS[ownerRng.nextInt(ALIGNMENTS.length)];
            segs[i] = arena.allocate(size, alignment);
            long a = segs[i].address();
            if ((a & (alignment - 1)) != 0 || segs[i].byteSize() != size) {
                ctx.violation(Violation.block(
                        Violation.Kind.ALLOCATOR_ERROR,
                        lane.label(),
                        "-",
                        a,
                        size,
                        "arena segment misaligned for " + alignment + " or of wrong size " + segs[i].byteSize()));
            }
            if (!ctx.live.add(a)) {
                ctx.violation(Violation.block(
                        Violation.Kind.DUPLICATE,
                        lane.label(),
                        "-",
                        a,
                        size,
                        "arena got an address that is still live"));
                return;
            }
            BlockPattern.fill(segs[i], 0, a, size, owner);
        }
        Round rd = new Round(lane, arena, shared, segs, owner);
        current = rd;
        LockSupport.parkNanos(20_000 + ownerRng.nextInt(300_000));
        for (MemorySegment s : segs) {
            long bad = BlockPattern.firstMismatch(s, 0, s.address(), s.byteSize(), owner);
            if (bad >= 0) {
                ctx.violation(Violation.corrupted(lane.label(), "-", s.address(), s.byteSize(), owner, bad));
                return;
            }
        }
        // Out of the live set before the blocks can be freed (see LiveSet).
        for (MemorySegment s : segs) {
            ctx.live.remove(s.address());
        }
        rd.closable = true;
        // A refused close means the accessor's close won and is still freeing the blocks;
        // wait for it even if the run is stopping, since that close always finishes.
        if (!tryClose(rd) && !await(() -> rd.closes.get() > 0, true)) {
            ctx.violation(Violation.of(Violation.Kind.ARENA, lane.label(), "arena close refused and nobody closed it"));
            return;
        }
        if (tryClose(rd)) {
            ctx.violation(Violation.of(Violation.Kind.ARENA, lane.label(), "a second arena close was accepted"));
        }
        try {
            segs[0].get(ValueLayout.JAVA_BYTE, 0);
            ctx.violation(Violation.of(
                    Violation.Kind.ARENA, lane.label(), "segment readable by its owner after the arena closed"));
        } catch (IllegalStateException expected) {
            rejectedAfterClose.increment();
        }
        if (!await(() -> rd.accessorDone, false)) {
            if (ctx.running()) {
                ctx.violation(Violation.of(Violation.Kind.HANG, lane.label(), "arena accessor never finished a round"));
            }
            return;
        }
        if (rd.closes.get() != 1) {
            ctx.violation(Violation.of(Violation.Kind.ARENA, lane.label(), rd.closes.get() + " closes succeeded"));
        }
        rounds.increment();
    }

    private boolean tryClose(Round rd) {
        try {
            rd.arena.close();
        } catch (IllegalStateException | WrongThreadException e) {
            return false;
        }
        rd.closes.incrementAndGet();
        rd.closeReturned = true;
        return true;
    }

    private boolean await(java.util.function.BooleanSupplier condition, boolean evenWhenStopping) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline || (!evenWhenStopping && !ctx.running())) {
                return condition.getAsBoolean();
            }
            LockSupport.parkNanos(20_000);
        }
        return true;
    }

    private void accessorLoop() {
        try {
            while (ctx.running()) {
                Round rd = current;
                if (rd == null || rd.accessorDone) {
                    LockSupport.parkNanos(10_000);
                    continue;
                }
                access(rd);
            }
        } catch (Throwable t) {
            ctx.violation(Violation.thrown("arena-accessor", "-", t));
        }
    }

    private void access(Round rd) {
        boolean closedBefore = rd.closeReturned;
        try {
            for (MemorySegment s : rd.segments) {
                long bad = BlockPattern.firstMismatch(s, 0, s.address(), s.byteSize(), rd.owner);
                if (bad >= 0) {
                    ctx.violation(Violation.corrupted(rd.lane.label(), "-", s.address(), s.byteSize(), rd.owner, bad));
                    return;
                }
                s.set(ValueLayout.JAVA_BYTE, 0, s.get(ValueLayout.JAVA_BYTE, 0));
            }
            String what = !rd.shared
                    ? "confined arena segment accessible from another thread"
                    : closedBefore ? "segment accessible after its arena's close returned" : null;
            if (what != null) {
                ctx.violation(Violation.of(Violation.Kind.ARENA, rd.lane.label(), what));
            }
        } catch (WrongThreadException e) {
            wrongThread.increment();
            if (closedBefore) {
                rd.accessorDone = true;
            }
        } catch (IllegalStateException e) {
            if (closedBefore) {
                rejectedAfterClose.increment();
                rd.accessorDone = true;
            }
        }
        if (rd.closable && !rd.closeReturned && accessorRng.nextInt(8) == 0) {
            tryClose(rd); // races the owner's close: exactly one of them may succeed
        }
    }
}
