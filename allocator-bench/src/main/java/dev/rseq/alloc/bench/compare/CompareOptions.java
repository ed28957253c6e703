package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.SizeDistribution;
import dev.rseq.alloc.bench.cli.Args;
import dev.rseq.alloc.bench.cli.Durations;
import dev.rseq.alloc.bench.peer.Peers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Options of {@code compare}.
 *
 * @param rate        target ops/s per thread, 0 for as fast as possible
 * @param childOut    set only in a child JVM: run the one allocator and write raw results here
 */
public record CompareOptions(List<String> allocators, SizeDistribution sizes, List<Integer> threads,
                             Duration duration, Duration warmup, Duration throughput, int workingSet,
                             long rate, Path out, long seed, boolean inProcess, Path childOut) {

    static final Set<String> VALUED = Set.of("allocators", "sizes", "threads", "duration", "warmup",
            "throughput", "working-set", "rate", "out", "seed", "child-out");
    static final Set<String> FLAGS = Set.of("help", "in-process");

    public static final Duration DEFAULT_DURATION = Duration.ofMillis(1500);
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(1);
    public static final Duration DEFAULT_THROUGHPUT = Duration.ofMillis(500);

    /** True when --help was given (then nothing else is parsed). */
    public static boolean wantsHelp(String[] argv) {
        return List.of(argv).contains("--help") || List.of(argv).contains("-h");
    }

    public static CompareOptions parse(String[] argv) {
        Args a = Args.parse(argv, VALUED, FLAGS);
        List<String> allocators = a.list("allocators", Peers.COMPARE_DEFAULT);
        for (String id : allocators) {
            Peers.byId(id); // fails fast on a typo, with the list of known ids
        }
        List<Integer> threads = a.ints("threads", List.of(1, 2));
        return new CompareOptions(
                List.copyOf(allocators),
                SizeDistribution.parse(a.string("sizes", "mixed")),
                List.copyOf(threads),
                a.duration("duration", DEFAULT_DURATION),
                a.duration("warmup", DEFAULT_WARMUP),
                a.duration("throughput", DEFAULT_THROUGHPUT),
                a.integer("working-set", 1024),
                a.longValue("rate", 0),
                Path.of(a.string("out", "bench-results")),
                a.longValue("seed", 42),
                a.flag("in-process"),
                a.has("child-out") ? Path.of(a.string("child-out", "")) : null);
    }

    /** The arguments that make a child JVM run {@code allocator} with these options. */
    List<String> childArgs(String allocator, Path rawDir) {
        List<String> args = new ArrayList<>(List.of("compare",
                "--allocators", allocator,
                "--sizes", sizes.name(),
                "--threads", String.join(",", threads.stream().map(String::valueOf).toList()),
                "--duration", Durations.format(duration),
                "--warmup", Durations.format(warmup),
                "--throughput", Durations.format(throughput),
                "--working-set", Integer.toString(workingSet),
                "--seed", Long.toString(seed),
                "--child-out", rawDir.toString()));
        if (rate > 0) {
            args.add("--rate");
            args.add(Long.toString(rate));
        }
        return args;
    }

    public static String usage() {
        return """
                usage: allocator-bench compare [options]

                Allocate/free latency under churn, one row per allocator and thread count.
                Each thread keeps a working set of live blocks; each step frees a random live
                block and allocates a new one (size from --sizes) in its place.

                Measurement:
                  latency  every alloc and every free is timed on its own with System.nanoTime
                           and recorded in a per-thread HdrHistogram. The timer costs ~20 ns, so
                           the percentiles include it: compare rows against the baseline row
                           (one empty downcall per op) to see the floor.
                  ops/s    a separate phase runs the same churn with no timer reads for
                           --throughput and counts operations (1 op = one alloc or one free),
                           summed over threads.
                  --rate   paces each thread at N ops/s and measures each op from when it was
                           due (coordinated-omission corrected) instead of from when it began.
                Each allocator runs in its own child JVM (fresh JIT profile and heap) unless
                --in-process is given.

                Options:
                  --allocators a,b,c  ids to run (default %s)
                  --sizes SPEC        size distribution (default mixed):
                %s
                  --threads 1,2       thread counts (default 1,2)
                  --duration T        latency phase per row (default %s)
                  --warmup T          warmup per row before measuring (default %s)
                  --throughput T      untimed ops/s phase per row (default %s)
                  --working-set N     live blocks per thread (default 1024)
                  --rate N            target ops/s per thread (default: unpaced)
                  --seed N            seeds sizes and victim choice, same for every allocator
                  --out DIR           output folder (default bench-results)
                  --in-process        run every allocator in this JVM
                  --help              this text

                Durations: 500ms, 2s, 1.5s, 1m. Output: a table on stdout (also summary.txt),
                <id>-<n>t.hgrm (all ops), -alloc.hgrm, -free.hgrm (values in ns) and
                latency.svg (percentile plot) in --out.

                Allocators:
                """.formatted(String.join(",", Peers.COMPARE_DEFAULT), SizeDistribution.NAMES_HELP,
                Durations.format(DEFAULT_DURATION), Durations.format(DEFAULT_WARMUP),
                Durations.format(DEFAULT_THROUGHPUT)) + Peers.describe();
    }
}
