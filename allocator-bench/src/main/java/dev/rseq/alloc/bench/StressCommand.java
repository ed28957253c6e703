package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.stress.StressCli;

/** {@code stress}: the concurrency stress test (see {@link dev.rseq.alloc.stress.StressRun}). */
public final class StressCommand {
    private StressCommand() {
    }

    /** Runs the command; returns its exit status (0 pass, 1 violation, 2 usage). */
    public static int run(String[] args) {
        return StressCli.run(args);
    }
}
