package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.stress.StressOptions;
import picocli.CommandLine.ParseResult;

/** Test access to what {@link StressCommand} parsed. */
public final class StressCommandAccess {
    private StressCommandAccess() {}

    public static StressOptions options(ParseResult parsed) {
        return ((StressCommand) parsed.subcommand().commandSpec().userObject()).options();
    }
}
