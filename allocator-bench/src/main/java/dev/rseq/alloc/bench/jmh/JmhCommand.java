package dev.rseq.alloc.bench.jmh;

import dev.rseq.alloc.bench.ChildJvm;
import dev.rseq.alloc.bench.cli.Cli;
import dev.rseq.alloc.bench.peer.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code jmh [JMH options]}: JMH's own command line, with two conveniences: the allocator
 * parameters default to the allocators available on this machine (not every id, which
 * would fail the unavailable ones), and the forks always get the JVM options the
 * allocators need, on top of any {@code -jvmArgsAppend} given.
 *
 * <p>picocli only routes: it stops at the first argument it does not know, and every
 * argument from there on reaches JMH as given. The one it knows is a leading
 * {@code --help}, which shows JMH's help (JMH itself spells it {@code -h}).
 */
@Command(
        name = "jmh",
        description = "The JMH suite; every argument goes to JMH (jmh -h: JMH's help, jmh -l: the list).")
public final class JmhCommand implements Callable<Integer> {
    static final String ALLOCATOR = "allocator";
    static final String CROSS_THREAD_ALLOCATOR = "crossThreadAllocator";

    @Option(names = "--help", description = "JMH's help, then the allocator ids")
    boolean help;

    /** Everything for JMH, untouched. */
    @Unmatched
    List<String> jmhArgs = new ArrayList<>();

    /** What goes to JMH. */
    public List<String> jmhArgs() {
        return List.copyOf(jmhArgs);
    }

    @Override
    public Integer call() {
        return run(help ? new String[] {"-h"} : jmhArgs.toArray(String[]::new));
    }

    static int run(String[] args) {
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            // The same shape as every other command's usage error.
            System.err.println("allocator-bench jmh: " + e.getMessage());
            System.err.println("Try 'allocator-bench jmh --help' for more information.");
            return Cli.USAGE;
        }
        try {
            if (cmd.shouldHelp()) {
                cmd.showHelp();
                System.out.println("\nallocator ids (-p allocator=a,b; -p crossThreadAllocator=... for"
                        + " ProducerConsumerBenchmark):");
                System.out.print(Peers.catalog());
                return 0;
            }
            if (cmd.shouldListProfilers()) {
                cmd.listProfilers();
                return 0;
            }
            if (cmd.shouldListResultFormats()) {
                cmd.listResultFormats();
                return 0;
            }
            Runner runner = new Runner(options(cmd).build());
            if (cmd.shouldList()) {
                runner.list();
                return 0;
            }
            if (cmd.shouldListWithParams()) {
                runner.listWithParams(cmd);
                return 0;
            }
            runner.run();
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RunnerException e) {
            System.err.println("jmh: " + e.getMessage());
            return 1;
        }
    }

    static ChainedOptionsBuilder options(CommandLineOptions cmd) {
        ChainedOptionsBuilder builder = new OptionsBuilder().parent(cmd);
        if (!cmd.getParameter(ALLOCATOR).hasValue()) {
            builder.param(ALLOCATOR, Peers.availableIds(false).toArray(String[]::new));
        }
        if (!cmd.getParameter(CROSS_THREAD_ALLOCATOR).hasValue()) {
            builder.param(CROSS_THREAD_ALLOCATOR, Peers.availableIds(true).toArray(String[]::new));
        }
        Collection<String> append = cmd.getJvmArgsAppend().orElse(List.of());
        LinkedHashSet<String> merged = new LinkedHashSet<>(append);
        merged.addAll(ChildJvm.requiredJvmOptions());
        builder.jvmArgsAppend(new ArrayList<>(merged).toArray(String[]::new));
        return builder;
    }
}
