package dev.rseq.alloc.bench;

import dev.rseq.alloc.bench.cli.Cli;
import dev.rseq.alloc.bench.cli.ManifestVersion;
import dev.rseq.alloc.bench.compare.CompareCommand;
import dev.rseq.alloc.bench.footprint.FootprintCommand;
import dev.rseq.alloc.bench.jmh.JmhCommand;
import dev.rseq.alloc.bench.netty.EchoCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Entry point of allocator-bench.jar: the root command; {@link Cli} parses and dispatches. */
@Command(
        name = "allocator-bench",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Benchmarks and checks of the rseq per-CPU allocator against other allocators.",
        subcommands = {
            CompareCommand.class,
            FootprintCommand.class,
            JmhCommand.class,
            DoctorCommand.class,
            StressCommand.class,
            HugePagesCommand.class,
            EchoCommand.class,
            StatsCommand.class,
            HelpCommand.class
        },
        footer = {
            "",
            "Needs JDK 25: $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -jar allocator-bench.jar COMMAND",
            "Each command takes --help; jmh passes everything else to JMH (jmh -h is JMH's own help)."
        })
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command and returns its exit status (separate from main so tests can call it). */
    public static int run(String... args) {
        return Cli.run(args);
    }

    /** No command given. */
    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(),
                "a command is required: one of "
                        + String.join(
                                ", ",
                                spec.subcommands().keySet().stream()
                                        .filter(c -> !c.equals("help"))
                                        .toList()));
    }
}
