package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.compare.CompareCommand;
import dev.rseq.alloc.bench.footprint.FootprintCommand;
import dev.rseq.alloc.bench.jmh.JmhCommand;

import java.util.Arrays;

/** Entry point of allocator-bench.jar: dispatches to the commands. */
public final class Main {
    static final String USAGE = """
            usage: java --enable-native-access=ALL-UNNAMED -jar allocator-bench.jar COMMAND [options]

            commands:
              compare    allocate/free latency percentiles (HdrHistogram) and ops/s under churn,
                         our allocator against malloc, tcmalloc, jemalloc, mimalloc, JDK arenas,
                         Unsafe, direct ByteBuffers and Netty; table, .hgrm files, SVG plot
              footprint  memory each allocator holds after many platform and virtual threads
                         each allocated and freed a working set (defaults 1, 100, 1,000
                         platform and 100,000 virtual; flags scale to 10,000 and 1,000,000)
              jmh        the JMH suite; all further arguments go to JMH (try: jmh -h, jmh -l)
              doctor     checks this machine's rseq support and the allocator's modes
              stress     concurrency stress test of the allocator
              hugepages  first-touch and scattered-read cost of each transparent-huge-page setting

            Each command takes --help.
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command and returns its exit status (separate from main so tests can call it). */
    public static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "compare" -> CompareCommand.run(rest);
            case "footprint" -> FootprintCommand.run(rest);
            case "jmh" -> JmhCommand.run(rest);
            case "doctor" -> Doctor.run(rest);
            case "stress" -> StressCommand.run(rest);
            case "hugepages" -> HugePagesCommand.run(rest);
            default -> {
                System.err.println("unknown command '" + args[0] + "'");
                System.err.print(USAGE);
                yield 2;
            }
        };
    }
}
