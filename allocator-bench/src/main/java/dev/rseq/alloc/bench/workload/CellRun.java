package dev.rseq.alloc.bench.workload;

import dev.rseq.alloc.bench.BenchAllocator;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one cell in this JVM: every lane on a fresh thread of the workload's kind fills its
 * working set; when all have, the timeline is fixed and each lane runs its phases; a lane
 * that asks for a handoff continues on a newly started platform thread; at the end each
 * lane frees what it holds on the thread it ended on.
 */
public final class CellRun {
    private final Workload workload;
    private final BenchAllocator allocator;
    private final List<Lane> lanes;
    private final CyclicBarrier start;
    private final CountDownLatch done;
    private final AtomicReference<Timeline> timeline = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong threadsStarted = new AtomicLong();

    private CellRun(Workload workload, BenchAllocator allocator, WorkloadParams params, Phases phases) {
        this.workload = workload;
        this.allocator = allocator;
        this.lanes = workload.lanes(allocator, params);
        for (Lane lane : lanes) {
            lane.timedBatch = params.timedBatch();
        }
        this.start =
                new CyclicBarrier(lanes.size(), () -> timeline.set(Timeline.startingAt(System.nanoTime(), phases)));
        this.done = new CountDownLatch(lanes.size());
    }

    /**
     * Runs the cell's lanes to the end and collects their results.
     *
     * @throws IllegalStateException when a lane failed (after every lane has freed what it could)
     */
    public static CellOutcome run(Workload workload, BenchAllocator allocator, WorkloadParams params, Phases phases)
            throws InterruptedException {
        if (workload.crossThreadFree() && !allocator.crossThreadFree()) {
            throw new IllegalArgumentException(allocator.name() + " frees only on the allocating thread; "
                    + workload.id() + " frees on another thread");
        }
        return new CellRun(workload, allocator, params, phases).run();
    }

    private CellOutcome run() throws InterruptedException {
        for (int i = 0; i < lanes.size(); i++) {
            Lane lane = lanes.get(i);
            startThread(workload.virtualThreads(), workload.id() + "-" + i, () -> first(lane));
        }
        done.await();
        if (failure.get() != null) {
            throw new IllegalStateException(
                    allocator.name() + " failed in " + workload.id() + ": " + failure.get(), failure.get());
        }
        var alloc = Lane.newHistogram();
        var free = Lane.newHistogram();
        var batched = Lane.newHistogram();
        for (Lane lane : lanes) {
            alloc.add(lane.allocLatency);
            free.add(lane.freeLatency);
            batched.add(lane.batchLatency);
        }
        return new CellOutcome(alloc, free, batched, Lane.opsPerSecond(lanes), threadsStarted.get());
    }

    private void startThread(boolean virtual, String name, Runnable body) {
        Thread.Builder builder = virtual ? Thread.ofVirtual() : Thread.ofPlatform();
        builder.name(name).start(body);
        threadsStarted.incrementAndGet();
    }

    /** A lane that fails to fill still arrives at the barrier, so no other lane waits forever; none then runs. */
    private void first(Lane lane) {
        try {
            lane.fill();
        } catch (Throwable t) {
            fail(t);
        }
        try {
            start.await();
        } catch (BrokenBarrierException | InterruptedException e) {
            fail(e);
        }
        resume(lane);
    }

    /** Runs the lane's phases on this thread; hands it to a new thread when it asks, else ends it here. */
    private void resume(Lane lane) {
        boolean handedOff = false;
        try {
            Timeline t = timeline.get();
            if (t != null && failure.get() == null && lane.runPhases(t) == Lane.Exit.HANDOFF) {
                lane.handedOff();
                // Thread.start orders everything this thread did before everything the successor does.
                startThread(false, Thread.currentThread().getName() + "+", () -> resume(lane));
                handedOff = true;
            }
        } catch (Throwable e) {
            fail(e);
            // It may have failed between a free and the allocation that refills the slot: draining
            // could free that block twice. Its blocks are left to the process.
            lane.broken = true;
        } finally {
            if (!handedOff) {
                end(lane);
            }
        }
    }

    private void end(Lane lane) {
        try {
            lane.stop();
            if (!lane.broken) {
                lane.finishPhases();
                lane.drain();
            }
        } catch (Throwable e) {
            fail(e);
        } finally {
            done.countDown();
        }
    }

    private void fail(Throwable t) {
        failure.compareAndSet(null, t);
    }
}
