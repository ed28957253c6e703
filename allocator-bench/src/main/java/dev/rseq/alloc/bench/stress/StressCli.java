package dev.rseq.alloc.bench.stress;

import dev.rseq.alloc.stress.StressConfig;
import dev.rseq.alloc.stress.StressResult;
import dev.rseq.alloc.stress.StressRun;
import java.io.IOException;
import java.util.List;

/** Re-launches for delay injection if needed, runs, prints; returns the exit status. */
public final class StressCli {
    private StressCli() {}

    /**
     * Runs every stress configuration and prints each report.
     *
     * @param options the parsed command line
     * @param runs {@code options.runs()}, already checked by the caller
     * @return the process exit status: 0 when every run passed
     */
    public static int run(StressOptions options, List<StressConfig> runs) {
        if (InjectRelaunch.needed(options.injectDelay())) {
            try {
                return InjectRelaunch.run(options.args());
            } catch (IOException e) {
                System.err.println("stress: cannot re-run the JVM (" + e.getMessage() + "); " + InjectRelaunch.howTo());
                return 2;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 2;
            }
        }
        long ops = 0;
        long aborts = 0;
        long cas = 0;
        double seconds = 0;
        for (StressConfig config : runs) {
            StressResult r = StressRun.run(config);
            System.out.print(r.summary());
            System.out.println(r.line());
            System.out.flush();
            ops += r.operations();
            aborts += r.aborts();
            cas += r.casOperations();
            seconds += r.seconds();
            if (!r.passed()) {
                System.err.print(r.violation().report());
                return 1;
            }
        }
        if (runs.size() > 1) {
            System.out.printf(
                    "TOTAL %d runs: %,d operations in %.1f s (%,.0f ops/s), %,d rseq aborts, "
                            + "%,d cas operations: 0 lost, 0 duplicated, 0 corrupted%n",
                    runs.size(), ops, seconds, ops / Math.max(1e-9, seconds), aborts, cas);
        }
        return 0;
    }
}
