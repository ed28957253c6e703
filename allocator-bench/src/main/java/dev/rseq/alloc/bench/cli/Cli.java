package dev.rseq.alloc.bench.cli;

import dev.rseq.alloc.bench.Main;
import picocli.CommandLine;

/**
 * The one command-line parser of the bench jar: picocli over {@link Main} and its
 * subcommands. Every bad command line, whichever command it is for, ends the same way: the
 * message, picocli's suggestions if it has any, a hint to --help, exit status 2.
 */
public final class Cli {
    /** Exit status of a bad command line (picocli's {@code ExitCode.USAGE}). */
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    private Cli() {}

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // "@file" arguments would be expanded before jmh sees them; nothing here uses them.
        cl.setExpandAtFiles(false);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpAutoWidth(true);
        cl.setUsageHelpWidth(100);
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        // jmh hands everything to JMH's own parser: picocli stops at the first argument it does not know.
        cl.getSubcommands().get("jmh").setStopAtUnmatched(true);
        return cl;
    }

    /** Parses and runs; returns the exit status. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }
}
