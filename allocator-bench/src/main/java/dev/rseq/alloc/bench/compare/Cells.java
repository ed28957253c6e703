package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.BenchAllocator;
import dev.rseq.alloc.bench.peer.Peer;
import dev.rseq.alloc.bench.timer.Calibration;
import dev.rseq.alloc.bench.timer.Clock;
import dev.rseq.alloc.bench.workload.CellOutcome;
import dev.rseq.alloc.bench.workload.CellRun;
import dev.rseq.alloc.bench.workload.Workload;
import dev.rseq.alloc.bench.workload.WorkloadParams;

/** Runs one cell in this JVM: opens the allocator with room for the workload, runs it, closes it. */
final class Cells {
    private Cells() {}

    static CellResult runHere(
            Workload workload, Peer peer, int threads, CompareOptions options, Clock clock, Calibration timer)
            throws InterruptedException {
        WorkloadParams params = options.params(threads, clock, timer.nsPerTick());
        try (BenchAllocator allocator = peer.open(workload.slots(params))) {
            CellOutcome out = CellRun.run(workload, allocator, params, options.phases());
            return new CellResult(
                    workload.id(),
                    peer.id(),
                    allocator.name(),
                    threads,
                    0,
                    out.alloc(),
                    out.free(),
                    out.batched(),
                    out.opsPerSecond(),
                    out.threadsStarted(),
                    carriers(),
                    timer);
        }
    }

    /** The virtual-thread scheduler's parallelism in this JVM (the JDK's default is the core count). */
    static int carriers() {
        return Integer.getInteger(
                "jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
    }
}
