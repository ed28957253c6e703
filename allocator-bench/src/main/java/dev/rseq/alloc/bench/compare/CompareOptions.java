package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.SizeDistribution;
import dev.rseq.alloc.bench.cli.Durations;
import dev.rseq.alloc.bench.timer.Clock;
import dev.rseq.alloc.bench.timer.TimerChoice;
import dev.rseq.alloc.bench.workload.Phases;
import dev.rseq.alloc.bench.workload.Workload;
import dev.rseq.alloc.bench.workload.WorkloadParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code compare} was asked to run, checked. Built by {@link CompareCommand}.
 *
 * @param sizes      sizes of the churn workload
 * @param workingSet live blocks per thread of the churn workload
 * @param handoffOps larson: operations per thread before it is replaced
 * @param rate       0, or ops/s per thread at which churn and loguniform pace their latency phase
 * @param timedBatch steps per timer reading in the latency phase; 1 times every op on its own
 */
public record CompareOptions(
        List<Workload> workloads,
        List<String> allocators,
        List<Integer> threads,
        int rounds,
        Phases phases,
        SizeDistribution sizes,
        int workingSet,
        long handoffOps,
        long rate,
        TimerChoice timer,
        int timedBatch,
        long seed,
        Path out,
        boolean inProcess) {

    /** The lanes' parameters for one cell. */
    WorkloadParams params(int cellThreads, Clock clock, double nsPerTick) {
        return new WorkloadParams(cellThreads, seed, sizes, workingSet, handoffOps, rate, clock, nsPerTick, timedBatch);
    }

    /** The arguments that make a child JVM run one cell and write its result to {@code resultBase}.*. */
    List<String> childArgs(Workload workload, String allocator, int cellThreads, Path resultBase) {
        List<String> args = new ArrayList<>(List.of(
                "compare",
                "--workload",
                workload.id(),
                "--allocators",
                allocator,
                "--threads",
                Integer.toString(cellThreads),
                "--warmup",
                Durations.format(phases.warmup()),
                "--duration",
                Durations.format(phases.latency()),
                "--throughput",
                Durations.format(phases.throughput()),
                "--timer",
                timer.option(),
                "--timed-batch",
                Integer.toString(timedBatch),
                "--seed",
                Long.toString(seed),
                "--child-out",
                resultBase.toString()));
        if (workload == Workload.CHURN) {
            args.addAll(List.of("--sizes", sizes.name(), "--working-set", Integer.toString(workingSet)));
        }
        if (workload == Workload.LARSON) {
            args.addAll(List.of("--handoff-ops", Long.toString(handoffOps)));
        }
        if (rate > 0 && (workload == Workload.CHURN || workload == Workload.LOGUNIFORM)) {
            args.addAll(List.of("--rate", Long.toString(rate)));
        }
        return args;
    }

    /** JVM options of that child: virtual threads get the cell's thread count as their carrier count. */
    static List<String> childJvmOptions(Workload workload, int cellThreads) {
        return workload.virtualThreads()
                ? List.of("-Djdk.virtualThreadScheduler.parallelism=" + cellThreads)
                : List.of();
    }
}
