package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.cli.Converters.PositiveInt;
import dev.rseq.alloc.bench.cli.ManifestVersion;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code stats}: the command line of {@link StatsWorkload}, which runs the workload and reads the statistics. */
@Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        sortOptions = false,
        description = {
            "The allocator's statistics after a short workload.",
            "",
            "Runs --threads platform threads (and as many virtual threads with --virtual), each allocating and"
                    + " freeing --ops blocks of 16 B to 64 KiB (and one large block in 64), keeping --live blocks"
                    + " per thread live at the end, then prints PerCpuAllocator.global().stats(): per tier and"
                    + " per size class (hits, misses, refills, spills, steals). docs/observability.md explains"
                    + " every figure.",
            ""
        },
        footer = {"", "Example:", "  stats --json --threads 4 --virtual", "", "Exit status: 0 ok, 2 bad usage."})
public final class StatsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "print exactly one JSON object (AllocatorStats.toJson()) and nothing else")
    boolean json;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--threads",
            converter = PositiveInt.class,
            defaultValue = "2",
            description = "platform threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--virtual", description = "also run as many virtual threads")
    boolean virtual;

    @Option(
            names = "--ops",
            converter = PositiveInt.class,
            defaultValue = "200000",
            description = "allocations per thread (default: ${DEFAULT-VALUE})")
    int ops;

    @Option(
            names = "--live",
            defaultValue = "100",
            description = "blocks each thread leaves allocated (default: ${DEFAULT-VALUE})")
    int live;

    @Option(names = "--release", description = "call releaseMemory() before reading the statistics")
    boolean release;

    @Override
    public Integer call() throws InterruptedException {
        if (live < 0 || live > ops) {
            throw new ParameterException(spec.commandLine(), "--live must be between 0 and --ops (" + ops + ")");
        }
        // The allocator is touched only from here on: --help must load none of it.
        System.out.println(StatsWorkload.run(threads, virtual, ops, live, release, json));
        return 0;
    }
}
