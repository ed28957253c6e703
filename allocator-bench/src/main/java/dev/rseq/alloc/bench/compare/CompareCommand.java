package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.SizeDistribution;
import dev.rseq.alloc.bench.cli.Converters.AllocatorId;
import dev.rseq.alloc.bench.cli.Converters.DurationValue;
import dev.rseq.alloc.bench.cli.Converters.PositiveInt;
import dev.rseq.alloc.bench.cli.Converters.PositiveLong;
import dev.rseq.alloc.bench.cli.Converters.Sizes;
import dev.rseq.alloc.bench.cli.Converters.WorkloadName;
import dev.rseq.alloc.bench.cli.HelpSections;
import dev.rseq.alloc.bench.cli.ManifestVersion;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.bench.timer.Calibration;
import dev.rseq.alloc.bench.timer.Clock;
import dev.rseq.alloc.bench.timer.TimerChoice;
import dev.rseq.alloc.bench.workload.Phases;
import dev.rseq.alloc.bench.workload.Workload;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code compare}: the options, checked, then either the whole comparison ({@link CompareSession})
 * or, in a child JVM, one cell.
 */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        sortOptions = false,
        modelTransformer = CompareCommand.HelpTables.class,
        description = {
            "Allocate/free throughput and latency under server-like churn: one table per workload, one row per"
                    + " allocator and thread count.",
            "",
            "Each cell (workload, allocator, thread count) runs in a fresh child JVM, --rounds times, the rounds in"
                    + " rotated order; ops/s is the median of the rounds (with their min-max), latency percentiles come"
                    + " from every round's histograms merged.",
            "Every allocated block is written (8 bytes). Phases per cell: --warmup (half timed, half untimed code),"
                    + " --duration (every allocate and every free timed on its own, HdrHistogram), --throughput (no"
                    + " timer reads; ops counted, 1 op = one allocate or one free, all threads summed).",
            "Timer: rdtscp through librseqalloc's ra_rdtscp (a critical downcall), calibrated against"
                    + " System.nanoTime; System.nanoTime where that is missing. Its floor, measured after warm-up, is"
                    + " printed with the results: no percentile can go below it. The floor row (no allocator: same"
                    + " slots, same writes) shows the harness; the baseline row adds one empty FFM downcall per op.",
            ""
        },
        footer = {"", "Durations: 500ms, 2s, 1.5s, 1m."})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--workload",
            split = ",",
            paramLabel = "NAME",
            defaultValue = "churn",
            converter = WorkloadName.class,
            description = "workloads to run, in this order, or all (default ${DEFAULT-VALUE}; see Workloads below)")
    List<String> workloads;

    @Option(
            names = "--allocators",
            split = ",",
            paramLabel = "ID",
            defaultValue = Peers.COMPARE_DEFAULT_SPEC,
            converter = AllocatorId.class,
            description = "allocators to run, in this order (default ${DEFAULT-VALUE}; see Allocators below;"
                    + " unavailable ones are skipped and named)")
    List<String> allocators;

    @Option(
            names = "--threads",
            split = ",",
            paramLabel = "T",
            defaultValue = "1,2",
            converter = PositiveInt.class,
            description = "thread counts (default ${DEFAULT-VALUE}); more than the cores is allowed and meant,"
                    + " as in 1,2,16")
    List<Integer> threads;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "3",
            converter = PositiveInt.class,
            description = "times each cell runs, each time in a fresh JVM, in rotated order (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(
            names = "--warmup",
            paramLabel = "TIME",
            defaultValue = "500ms",
            converter = DurationValue.class,
            description = "warm-up per cell (default ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(
            names = "--duration",
            paramLabel = "TIME",
            defaultValue = "500ms",
            converter = DurationValue.class,
            description = "latency phase per cell (default ${DEFAULT-VALUE})")
    Duration duration;

    @Option(
            names = "--throughput",
            paramLabel = "TIME",
            defaultValue = "500ms",
            converter = DurationValue.class,
            description = "untimed ops/s phase per cell (default ${DEFAULT-VALUE})")
    Duration throughput;

    @Option(
            names = "--sizes",
            paramLabel = "SPEC",
            defaultValue = "mixed",
            converter = Sizes.class,
            description = "churn only: size distribution (default ${DEFAULT-VALUE}; see Sizes below)")
    SizeDistribution sizes;

    @Option(
            names = "--working-set",
            paramLabel = "N",
            defaultValue = "1024",
            converter = PositiveInt.class,
            description = "churn only: live blocks per thread (default ${DEFAULT-VALUE})")
    int workingSet;

    @Option(
            names = "--handoff-ops",
            paramLabel = "N",
            defaultValue = "100000",
            converter = PositiveLong.class,
            description = "larson only: operations after which a thread ends and a new one inherits its blocks"
                    + " (default ${DEFAULT-VALUE})")
    long handoffOps;

    @Option(
            names = "--rate",
            paramLabel = "OPS",
            converter = PositiveLong.class,
            description = "churn and loguniform only: pace each thread's latency phase at OPS ops/s and measure"
                    + " each op from when it was due (coordinated-omission corrected; default unpaced)")
    long rate;

    @Option(
            names = "--timer",
            paramLabel = "CLOCK",
            defaultValue = "auto",
            description = "auto, rdtscp or nanotime: what times each op (default ${DEFAULT-VALUE}: rdtscp where"
                    + " librseqalloc has ra_rdtscp and the TSC is invariant)")
    TimerChoice timer;

    @Option(
            names = "--timed-batch",
            paramLabel = "K",
            defaultValue = "1",
            converter = PositiveInt.class,
            description = "steps per timer reading in the latency phase (default ${DEFAULT-VALUE}: every allocate and"
                    + " free timed on its own). Above 1, each reading covers K steps and records their mean per op:"
                    + " the timer's floor shrinks K-fold, but a slow op shows diluted, alloc and free are not told"
                    + " apart, and the harness's own per-step work (see the floor row) is inside the reading")
    int timedBatch;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "42",
            description = "seeds sizes and victims, the same for every allocator (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = "bench-results",
            description = "output folder: summary.txt, rounds.csv, latency-<workload>.svg, .hgrm files"
                    + " (default ${DEFAULT-VALUE})")
    Path out;

    @Option(
            names = "--in-process",
            description = "run every cell in this JVM (faster, less isolated; vthreads then"
                    + " keeps this JVM's carrier count)")
    boolean inProcess;

    @Option(
            names = "--list",
            description = "list the allocators and whether each can run here (loads each one), then" + " exit")
    boolean list;

    /** Set only in a child JVM: run the one cell and write its result to this path (+ .hlog, .properties). */
    @Option(names = "--child-out", hidden = true)
    Path childOut;

    /** Workloads, sizes and allocators below the options: built from the catalogs, probing nothing. */
    static final class HelpTables implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            Map<String, String> workloads = new LinkedHashMap<>();
            for (Workload w : Workload.values()) {
                workloads.put(w.id(), w.description());
            }
            HelpSections.add(spec, "workloads", "Workloads (--workload):", workloads);
            HelpSections.add(spec, "sizes", "Sizes of churn (--sizes):", SizeDistribution.NAMED);
            HelpSections.add(
                    spec,
                    "allocators",
                    "Allocators (--allocators; compare --list says which can run here):",
                    Peers.descriptions());
            return spec;
        }
    }

    /** The options, checked; picocli has already converted each value. */
    CompareOptions options() {
        List<Workload> chosen = workloads.contains("all")
                ? List.of(Workload.values())
                : workloads.stream().distinct().map(Workload::byId).toList();
        var parsed = spec.commandLine().getParseResult();
        onlyWith(
                parsed.hasMatchedOption("--sizes") || parsed.hasMatchedOption("--working-set"),
                chosen,
                "--sizes and --working-set",
                Workload.CHURN);
        onlyWith(parsed.hasMatchedOption("--handoff-ops"), chosen, "--handoff-ops", Workload.LARSON);
        onlyWith(rate > 0, chosen, "--rate", Workload.CHURN, Workload.LOGUNIFORM);
        if (rate > 0 && timedBatch > 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--rate and --timed-batch do not mix: a paced run times" + " every op from its due time");
        }
        if (handoffOps < 2) {
            throw new ParameterException(
                    spec.commandLine(), "--handoff-ops must be at least 2 (one free, one allocate)");
        }
        return new CompareOptions(
                chosen,
                List.copyOf(allocators),
                List.copyOf(threads.stream().distinct().toList()),
                rounds,
                new Phases(warmup, duration, throughput),
                sizes,
                workingSet,
                handoffOps,
                rate,
                timer,
                timedBatch,
                seed,
                out,
                inProcess);
    }

    private void onlyWith(boolean given, List<Workload> chosen, String what, Workload... those) {
        if (given && chosen.stream().noneMatch(List.of(those)::contains)) {
            throw new ParameterException(
                    spec.commandLine(),
                    what + " applies to "
                            + String.join(
                                    " and ",
                                    Arrays.stream(those).map(Workload::id).toList()) + " only, and --workload is "
                            + String.join(",", chosen.stream().map(Workload::id).toList()));
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (list) {
            System.out.print(Peers.describe());
            return 0;
        }
        CompareOptions options = options();
        Clock clock;
        try {
            clock = options.timer().clock();
        } catch (IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (childOut != null) {
            return runChild(options, clock);
        }
        return new CompareSession(options, clock, options.timer().fallbackNote(clock)).run();
    }

    /** In a child JVM: one workload, one allocator, one thread count. */
    private int runChild(CompareOptions options, Clock clock) throws IOException, InterruptedException {
        if (options.workloads().size() != 1
                || options.allocators().size() != 1
                || options.threads().size() != 1) {
            throw new ParameterException(spec.commandLine(), "--child-out runs exactly one cell");
        }
        Calibration timer = Calibration.measure(clock);
        CellResult r = Cells.runHere(
                options.workloads().getFirst(),
                Peers.byId(options.allocators().getFirst()),
                options.threads().getFirst(),
                options,
                clock,
                timer);
        ResultFiles.writeRaw(childOut, r);
        return 0;
    }
}
