package dev.rseq.alloc.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.Main;
import dev.rseq.alloc.bench.jmh.JmhCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One parser for every command: generated help, --version, and one error shape with exit status 2. */
class CliTest {

    /** Exit status, stdout and stderr of one command line. */
    record Outcome(int status, String out, String err) {}

    static Outcome run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            int status = Main.run(args);
            return new Outcome(status, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"compare", "footprint", "doctor", "stress", "hugepages", "stats"})
    void everyCommandHasGeneratedHelp(String command) {
        Outcome help = run(command, "--help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().startsWith("Usage: allocator-bench " + command), help.out());
        assertTrue(help.out().contains("--version"), help.out());
        assertEquals(help.out(), run("help", command).out(), "'help CMD' is the same text");
        assertEquals(0, run(command, "-h").status());
    }

    @Test
    void rootHelpListsTheCommands() {
        Outcome help = run("--help");
        assertEquals(0, help.status());
        for (String c : List.of("compare", "footprint", "jmh", "doctor", "stress", "hugepages", "stats")) {
            assertTrue(help.out().contains("  " + c + " "), c + " in\n" + help.out());
        }
    }

    @Test
    void jmhHelpIsJmhsOwn() {
        Outcome help = run("jmh", "--help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().contains("-wi") && help.out().contains("allocator ids"), help.out());
    }

    @Test
    void versionComesFromTheManifest() {
        Outcome v = run("--version");
        assertEquals(0, v.status());
        String expected = ManifestVersion.projectVersion() != null
                ? ManifestVersion.projectVersion()
                : "not run from allocator-bench.jar";
        assertTrue(v.out().startsWith("allocator-bench ") && v.out().contains(expected), v.out());
        assertEquals(v.out(), run("compare", "--version").out());
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(
            delimiter = '|',
            value = {
                "'' | allocator-bench",
                "frobnicate | allocator-bench",
                "--bogus | allocator-bench",
                "compare --bogus | allocator-bench compare",
                "compare --threads 0 | allocator-bench compare",
                "compare --threads two | allocator-bench compare",
                "compare --allocators nope | allocator-bench compare",
                "compare --workload nope | allocator-bench compare",
                "compare --duration forever | allocator-bench compare",
                "compare --workload pair --sizes tiny | allocator-bench compare",
                "compare stray | allocator-bench compare",
                "footprint --platform x | allocator-bench footprint",
                "footprint --nope | allocator-bench footprint",
                "doctor --nope | allocator-bench doctor",
                "doctor --json=yes | allocator-bench doctor",
                "stress --seconds 0 | allocator-bench stress",
                "stress --mode sideways | allocator-bench stress",
                "hugepages now | allocator-bench hugepages",
                "stats --threads 0 | allocator-bench stats",
                "stats --ops 10 --live 11 | allocator-bench stats",
                "jmh -nonsense | allocator-bench jmh",
            })
    void badCommandLinesAllEndTheSameWay(String line, String command) {
        Outcome o = run(line.isEmpty() ? new String[0] : line.split(" "));
        assertEquals(Cli.USAGE, o.status(), o.err());
        List<String> lines = o.err().lines().toList();
        assertTrue(lines.getFirst().startsWith(command + ": "), o.err());
        assertEquals("Try '" + command + " --help' for more information.", lines.getLast(), o.err());
        assertTrue(lines.size() <= 4, "message, suggestions, hint; not the whole usage:\n" + o.err());
        assertEquals("", o.out(), "nothing on stdout");
    }

    @Test
    void unknownCommandsAreCalledThatAndGetSuggestions() {
        Outcome o = run("compar");
        assertTrue(o.err().contains("unknown command 'compar'") && o.err().contains("compare"), o.err());
    }

    @Test
    void statsJsonIsOneObjectWithPerClassFigures() {
        Outcome o = run("stats", "--json", "--threads", "2", "--virtual", "--ops", "20000", "--live", "10");
        assertEquals(0, o.status(), o.err());
        List<String> lines = o.out().lines().toList();
        assertEquals(1, lines.size(), "exactly one line: " + o.out());
        String json = lines.getFirst();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertTrue(json.contains("\"classes\":["), "per-class figures: " + json);
        // 4 threads leave 10 blocks each; other tests in this JVM may hold blocks of global() too.
        long inUse = Long.parseLong(json.replaceAll("^.*?\"objectsInUse\":(\\d+).*", "$1"))
                + Long.parseLong(json.replaceAll("^.*?\"largeBlocksInUse\":(\\d+).*", "$1"));
        assertTrue(inUse >= 40, json);
    }

    @Test
    void jmhArgumentsReachJmhUntouched() {
        List<String> args = List.of(
                "-p",
                "allocator=malloc,rseq",
                "-f",
                "1",
                "-wi",
                "3",
                "BaselineBenchmark|Fast",
                "-jvmArgsAppend",
                "-Xmx1g",
                "-h",
                "--help",
                "--version",
                "-V");
        var parsed = Cli.commandLine()
                .parseArgs(java.util.stream.Stream.concat(java.util.stream.Stream.of("jmh"), args.stream())
                        .toArray(String[]::new));
        JmhCommand jmh = (JmhCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(args, jmh.jmhArgs());
    }
}
