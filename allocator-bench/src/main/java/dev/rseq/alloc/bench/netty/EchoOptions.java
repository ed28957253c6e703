package dev.rseq.alloc.bench.netty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of the {@code echo} command.
 *
 * @param allocators    Netty allocator ids ({@link NettyAllocators#IDS}), run in this order
 * @param sizes         request sizes in bytes; each is one run per allocator
 * @param connections   concurrent connections, each with one request in flight
 * @param serverThreads server event-loop threads
 * @param clientThreads client event-loop threads
 * @param warmup        time per run before measuring
 * @param duration      time per run measured
 * @param inProcess     run every allocator in this JVM instead of one child JVM each
 * @param childOut      set only in a child JVM: run the one allocator and write result lines here
 */
public record EchoOptions(
        List<String> allocators,
        List<Integer> sizes,
        int connections,
        int serverThreads,
        int clientThreads,
        Duration warmup,
        Duration duration,
        boolean inProcess,
        Path childOut) {

    /** The command line of the child JVM that runs {@code allocator} and writes its results to {@code out}. */
    List<String> childArgs(String allocator, Path out) {
        List<String> args = new ArrayList<>(List.of(
                "echo",
                "--allocators",
                allocator,
                "--sizes",
                String.join(",", sizes.stream().map(String::valueOf).toList()),
                "--connections",
                String.valueOf(connections),
                "--server-threads",
                String.valueOf(serverThreads),
                "--client-threads",
                String.valueOf(clientThreads),
                "--warmup",
                warmup.toMillis() + "ms",
                "--duration",
                duration.toMillis() + "ms",
                "--child-out",
                out.toString()));
        return args;
    }
}
