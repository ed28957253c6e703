package dev.rseq.alloc.bench.netty;

import dev.rseq.alloc.bench.ChildJvm;
import dev.rseq.alloc.bench.cli.Converters.DurationValue;
import dev.rseq.alloc.bench.cli.Converters.PositiveInt;
import dev.rseq.alloc.bench.cli.ManifestVersion;
import dev.rseq.alloc.bench.report.TextTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code echo}: the loopback echo benchmark. Each allocator runs in a child JVM of its own
 * (unless {@code --in-process}), so no allocator inherits another's JIT profile: with three
 * ByteBuf classes through the same transport code, the later runs would otherwise find
 * call sites the earlier ones made polymorphic.
 */
@Command(
        name = "echo",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        sortOptions = false,
        description = {
            "A loopback echo over Netty NIO: a server and N client connections, each allocator set with"
                    + " ChannelOption.ALLOCATOR on both sides; every connection sends a request of the given size, waits"
                    + " for all of it to come back, and sends the next (closed loop). Reports requests/s and round-trip"
                    + " latency percentiles (HdrHistogram). Each allocator runs in its own JVM unless --in-process.",
            ""
        },
        footer = {"", "Exit status: 0 when every allocator ran, 1 when one failed, 2 on bad usage."})
public final class EchoCommand implements Callable<Integer> {
    @Option(
            names = "--allocators",
            paramLabel = "LIST",
            split = ",",
            converter = NettyId.class,
            description = "Netty allocators to run, in this order (default: all of percpu, pooled, adaptive)")
    List<String> allocators;

    @Option(
            names = "--sizes",
            paramLabel = "LIST",
            split = ",",
            defaultValue = "256,8192",
            converter = PositiveInt.class,
            description = "request sizes in bytes (default ${DEFAULT-VALUE})")
    List<Integer> sizes;

    @Option(
            names = "--connections",
            paramLabel = "N",
            defaultValue = "8",
            converter = PositiveInt.class,
            description = "concurrent connections, one request in flight each (default ${DEFAULT-VALUE})")
    int connections;

    @Option(
            names = "--server-threads",
            paramLabel = "N",
            defaultValue = "1",
            converter = PositiveInt.class,
            description = "server event-loop threads (default ${DEFAULT-VALUE})")
    int serverThreads;

    @Option(
            names = "--client-threads",
            paramLabel = "N",
            defaultValue = "1",
            converter = PositiveInt.class,
            description = "client event-loop threads (default ${DEFAULT-VALUE})")
    int clientThreads;

    @Option(
            names = "--warmup",
            paramLabel = "TIME",
            defaultValue = "5s",
            converter = DurationValue.class,
            description = "per run, not measured (default ${DEFAULT-VALUE}: FFM downcalls need C2)")
    Duration warmup;

    @Option(
            names = "--duration",
            paramLabel = "TIME",
            defaultValue = "10s",
            converter = DurationValue.class,
            description = "per run, measured (default ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--in-process", description = "run every allocator in this JVM")
    boolean inProcess;

    @Option(names = "--child-out", hidden = true)
    Path childOut;

    /** The options as given (defaults filled in). */
    EchoOptions options() {
        return new EchoOptions(
                allocators == null ? NettyAllocators.IDS : List.copyOf(allocators),
                List.copyOf(sizes),
                connections,
                serverThreads,
                clientThreads,
                warmup,
                duration,
                inProcess,
                childOut);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        EchoOptions options = options();
        return options.childOut() != null ? runChild(options) : runParent(options);
    }

    /** Accepts only the ids the echo knows. */
    public static final class NettyId implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!NettyAllocators.IDS.contains(value)) {
                throw new TypeConversionException(
                        "unknown allocator '" + value + "' (known: " + String.join(",", NettyAllocators.IDS) + ")");
            }
            return value;
        }
    }

    private static int runChild(EchoOptions options) throws IOException, InterruptedException {
        for (EchoResult r : runAllocator(options.allocators().getFirst(), options)) {
            Files.writeString(
                    options.childOut(), r.toLine() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return 0;
    }

    private static int runParent(EchoOptions options) throws IOException, InterruptedException {
        System.out.printf(
                "echo: Netty NIO over loopback, %d connections (one request in flight each), "
                        + "%d server + %d client event-loop threads, %d ms warm-up + %d ms measured per run%n",
                options.connections(),
                options.serverThreads(),
                options.clientThreads(),
                options.warmup().toMillis(),
                options.duration().toMillis());
        List<EchoResult> results = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (String id : options.allocators()) {
            System.err.println("echo: " + id);
            if (options.inProcess()) {
                results.addAll(runAllocator(id, options));
                continue;
            }
            Path out = Files.createTempFile("echo-" + id, ".tsv");
            try {
                int status = ChildJvm.run(options.childArgs(id, out));
                List<String> lines = Files.readAllLines(out);
                lines.stream().map(EchoResult::parse).forEach(results::add);
                if (status != 0 || lines.size() != options.sizes().size()) {
                    failures.add(id + " failed in its child JVM (exit status " + status + "), see its output above");
                }
            } finally {
                Files.deleteIfExists(out);
            }
        }
        TextTable table =
                new TextTable("allocator", "size (B)", "requests/s", "p50 (µs)", "p99 (µs)", "p99.9 (µs)", "max (µs)");
        results.forEach(r -> table.addRow(r.row()));
        System.out.print(table.render());
        failures.forEach(System.err::println);
        return failures.isEmpty() && !results.isEmpty() ? 0 : 1;
    }

    private static List<EchoResult> runAllocator(String id, EchoOptions options) throws InterruptedException {
        List<EchoResult> results = new ArrayList<>();
        for (int size : options.sizes()) {
            results.add(EchoRun.run(id, size, options));
        }
        return results;
    }
}
