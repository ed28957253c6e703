package dev.rseq.alloc.stress;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.rseq.NativeLibrary;
import dev.rseq.alloc.rseq.RseqNative;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Runs one stress configuration: builds the lanes' allocators, starts workers and fault
 * injectors, stops them at the deadline or at the first violation, joins every thread,
 * verifies and frees what is still in transit, checks the final accounting of every lane
 * and closes the allocators.
 */
public final class StressRun {
    private static final long JOIN_MILLIS = 120_000;

    private final StressConfig config;
    private final RunContext ctx;
    private final SplittableRandom rng;

    private StressRun(StressConfig config) {
        this.config = config;
        List<Lane> lanes = new ArrayList<>();
        int perLane = Math.max(1, config.threads() / config.modes().size());
        for (StressMode m : config.modes()) {
            lanes.add(new Lane(m, perLane, config.pressure()));
        }
        this.ctx = new RunContext(config, lanes);
        this.rng = new SplittableRandom(config.seed());
    }

    /**
     * Runs and returns the result; never throws for a violation (it is in the result).
     *
     * @throws IllegalStateException when an inject delay is asked for without the inject library
     */
    public static StressResult run(StressConfig config) {
        if (config.injectDelay() > 0 && !NativeLibrary.isInjectVariant()) {
            throw new IllegalStateException("--inject-delay needs the delay-injecting library: run the JVM with "
                    + "-Drseqalloc.native.variant=inject");
        }
        StressRun run = new StressRun(config);
        try {
            return run.execute();
        } finally {
            for (Lane lane : run.ctx.lanes) {
                lane.allocator.close();
            }
        }
    }

    private StressResult execute() {
        long aborts0 = RseqNative.aborts();
        if (config.injectDelay() > 0) {
            RseqNative.setInjectDelay(config.injectDelay());
        }
        Migrator migrator = null;
        Pressure pressure = null;
        VirtualThreadStorm storm = null;
        ArenaRacer arenas = null;
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < config.threads(); i++) {
                Worker.start(ctx, ctx.lanes.get(i % ctx.lanes.size()), i, rng.split());
            }
            if (config.migrate()) {
                migrator = new Migrator(ctx, rng.split());
                ctx.start("stress-migrator", migrator);
            }
            if (config.pressure()) {
                pressure = new Pressure(ctx, rng.split());
                ctx.start("stress-pressure", pressure);
            }
            if (config.virtualThreads()) {
                storm = new VirtualThreadStorm(ctx, rng.split());
                ctx.start("stress-vthread-spawner", storm);
            }
            if (config.arenas()) {
                arenas = new ArenaRacer(ctx, rng.split());
                arenas.start();
            }
            waitForDeadline(t0);
        } finally {
            ctx.stop();
            joinAll();
            if (config.injectDelay() > 0) {
                RseqNative.setInjectDelay(0);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long aborts = RseqNative.aborts() - aborts0;
        drainHandoffs();
        if (ctx.firstViolation() == null && ctx.live.size() != 0) {
            ctx.violation(Violation.of(
                    Violation.Kind.LOST,
                    "all",
                    ctx.live.size() + " blocks still registered live after every thread stopped"));
        }
        List<StressResult.LaneSummary> lanes = new ArrayList<>();
        long cas = 0;
        for (Lane lane : ctx.lanes) {
            if (ctx.firstViolation() == null) {
                Violation v = FinalAccounting.check(lane.allocator, lane.label());
                if (v != null) {
                    ctx.violation(v);
                }
            }
            AllocatorStats s = lane.allocator.stats();
            cas += s.casOperations() - lane.casOperationsAtStart;
            lanes.add(new StressResult.LaneSummary(
                    lane.label(),
                    s.casOperations() - lane.casOperationsAtStart,
                    s.rseqAborts(),
                    s.releasedTotalBytes(),
                    s.heapMappedBytes(),
                    s.perCpuMisses(),
                    s.threadCacheMisses()));
        }
        return new StressResult(
                config,
                ctx.ops.sum(),
                seconds,
                aborts,
                cas,
                ctx.firstViolation(),
                lanes,
                ctx.churned.sum(),
                storm == null ? 0 : storm.started.sum(),
                migrator == null ? 0 : migrator.repins.sum(),
                pressure == null ? 0 : pressure.releases.sum(),
                arenas == null ? 0 : arenas.rounds.sum(),
                arenas == null ? 0 : arenas.rejectedAfterClose.sum(),
                ctx.badFreesRejected.sum(),
                List.copyOf(new TreeSet<>(ctx.threadModes)));
    }

    private void waitForDeadline(long t0) {
        long end = t0 + config.duration().toNanos();
        boolean progress = config.progressEvery() != null;
        long every = progress ? config.progressEvery().toNanos() : 0;
        long nextProgress = t0 + every;
        while (ctx.running()) {
            long now = System.nanoTime();
            if (now >= end) {
                return;
            }
            if (progress && now - nextProgress >= 0) {
                config.log()
                        .printf(
                                "  ... %.0f s: %,d operations, %,d live blocks, %,d rseq aborts%n",
                                (now - t0) / 1e9, ctx.ops.sum(), ctx.live.size(), RseqNative.aborts());
                nextProgress += every;
            }
            try {
                Thread.sleep(Math.min(50, Math.max(1, (end - now) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Joins every thread of the run, including churn replacements that start while joining. */
    private void joinAll() {
        long deadline = System.currentTimeMillis() + JOIN_MILLIS;
        boolean again = true;
        while (again) {
            again = false;
            int seen = ctx.threadCount();
            for (Thread t : ctx.threads()) {
                long left = deadline - System.currentTimeMillis();
                try {
                    t.join(Math.max(1, left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive()) {
                    ctx.violation(Violation.of(
                            Violation.Kind.HANG,
                            "all",
                            "thread " + t.getName() + " did not stop within " + JOIN_MILLIS / 1000 + " s"));
                    return;
                }
            }
            again = ctx.threadCount() != seen;
        }
    }

    /**
     * Blocks still in the handoff queues are verified and freed by one short-lived thread,
     * so that the final releaseMemory() finds its thread cache dead and reclaims it like the
     * workers'.
     */
    private void drainHandoffs() {
        Thread drainer = new Thread(
                () -> {
                    try {
                        drainQueues();
                    } catch (Throwable t) {
                        ctx.violation(Violation.thrown("drainer", "-", t));
                    }
                },
                "stress-drainer");
        drainer.start();
        try {
            drainer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainQueues() {
        for (Lane lane : ctx.lanes) {
            Block b;
            while ((b = lane.handoff.poll()) != null) {
                long bad = BlockPattern.firstMismatch(b.address(), b.size(), b.owner());
                if (bad >= 0) {
                    ctx.violation(Violation.corrupted(lane.label(), "-", b.address(), b.size(), b.owner(), bad));
                    continue;
                }
                ctx.live.remove(b.address());
                lane.allocator.free(b.address());
                ctx.ops.increment();
            }
        }
    }
}
