package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.cli.Converters.PositiveInt;
import dev.rseq.alloc.bench.cli.Converters.PositiveLong;
import dev.rseq.alloc.bench.cli.ManifestVersion;
import dev.rseq.alloc.bench.stress.StressCli;
import dev.rseq.alloc.bench.stress.StressOptions;
import dev.rseq.alloc.stress.StressConfig;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stress}: the concurrency stress test (see {@link dev.rseq.alloc.stress.StressRun}). */
@Command(
        name = "stress",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        sortOptions = false,
        description = {
            "Concurrency stress test of the allocator: every block is checked for loss, duplication and"
                    + " corruption.",
            ""
        },
        footer = {"", "Exit status: 0 when every run passed, 1 on the first violation, 2 on bad usage."})
public final class StressCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--seconds",
            paramLabel = "N",
            defaultValue = "10",
            converter = PositiveLong.class,
            description = "length of each run (default ${DEFAULT-VALUE})")
    long seconds;

    @Option(
            names = "--threads",
            paramLabel = "T",
            converter = PositiveInt.class,
            description = "worker threads per run (default 4 x cpus: more threads than cores)")
    Integer threads;

    @Option(
            names = "--mode",
            paramLabel = "M",
            defaultValue = "all",
            description =
                    "thread-cache, direct, cas, checked, mixed or all: the allocator configuration; mixed runs all"
                            + " four instances at once; all runs each of thread-cache, direct, cas, checked, then mixed"
                            + " (default ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--migrate", description = "re-pin workers to random cpus continuously")
    boolean migrate;

    @Option(
            names = "--inject-delay",
            paramLabel = "LOOPS",
            converter = PositiveLong.class,
            description = "spin LOOPS iterations inside every rseq critical section (re-runs the JVM with"
                    + " -Drseqalloc.native.variant=inject when needed)")
    long injectDelay;

    @Option(names = "--vthreads", description = "thousands of short-lived virtual threads alongside the workers")
    boolean vthreads;

    @Option(names = "--churn", description = "workers exit mid-work and are replaced")
    boolean churn;

    @Option(names = "--pressure", description = "a thread calls releaseMemory() continuously")
    boolean pressure;

    @Option(names = "--arenas", description = "arena close racing with use from another thread")
    boolean arenas;

    @Option(
            names = "--bad-frees",
            description = "workers also make bad frees (interior, foreign, wild, wrong size,"
                    + " double); each must be refused with an exception")
    boolean badFrees;

    @Option(names = "--hostile", description = "all of --migrate --vthreads --churn --pressure --arenas --bad-frees")
    boolean hostile;

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: time)")
    Long seed;

    @Option(
            names = "--progress",
            paramLabel = "S",
            converter = PositiveLong.class,
            description = "print progress every S seconds")
    long progress;

    StressOptions options() {
        return new StressOptions(
                seconds,
                threads != null ? threads : 4 * Runtime.getRuntime().availableProcessors(),
                mode,
                migrate || hostile,
                injectDelay,
                vthreads || hostile,
                churn || hostile,
                pressure || hostile,
                arenas || hostile,
                badFrees || hostile,
                seed != null ? seed : System.nanoTime(),
                progress);
    }

    @Override
    public Integer call() {
        StressOptions options = options();
        List<StressConfig> runs;
        try {
            runs = options.runs();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--mode': " + e.getMessage());
        }
        return StressCli.run(options, runs);
    }
}
