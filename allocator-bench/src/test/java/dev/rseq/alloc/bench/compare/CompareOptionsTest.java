package dev.rseq.alloc.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.cli.Cli;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.bench.timer.TimerChoice;
import dev.rseq.alloc.bench.workload.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class CompareOptionsTest {

    /** Parses a compare command line the way the jar does, and checks it. */
    static CompareOptions parse(String... args) {
        List<String> all = new ArrayList<>(List.of("compare"));
        all.addAll(List.of(args));
        CommandLine.ParseResult parsed = Cli.commandLine().parseArgs(all.toArray(String[]::new));
        CompareCommand command =
                (CompareCommand) parsed.subcommand().commandSpec().userObject();
        return command.options();
    }

    @Test
    void defaultsAreTodaysChurnWithEveryPeerAndThreeRounds() {
        CompareOptions o = parse();
        assertEquals(List.of(Workload.CHURN), o.workloads());
        assertEquals(Peers.COMPARE_DEFAULT, o.allocators());
        assertEquals("rseq", o.allocators().getFirst());
        assertTrue(o.allocators().contains("floor"), "the harness floor is a default row");
        assertEquals(List.of(1, 2), o.threads());
        assertEquals(3, o.rounds());
        assertEquals("mixed", o.sizes().name());
        assertEquals(1024, o.workingSet());
        assertEquals(100_000, o.handoffOps());
        assertEquals(TimerChoice.AUTO, o.timer());
        assertEquals(1, o.timedBatch());
        assertEquals(Path.of("bench-results"), o.out());
        assertEquals(0, o.rate());
        assertFalse(o.inProcess());
        // The README's main job: cells x phases must leave room for JVM start-up within ~3 minutes.
        Duration perCell =
                o.phases().warmup().plus(o.phases().latency()).plus(o.phases().throughput());
        long cells = (long) o.allocators().size() * o.threads().size() * o.rounds();
        assertTrue(perCell.multipliedBy(cells).toSeconds() <= 120, perCell + " x " + cells);
    }

    @Test
    void everyOption() {
        CompareOptions o = parse(
                "--workload",
                "larson,pair",
                "--allocators",
                "malloc,rseq",
                "--threads",
                "1,2,16",
                "--rounds",
                "5",
                "--duration=5s",
                "--warmup",
                "2s",
                "--throughput",
                "500ms",
                "--handoff-ops",
                "1_000",
                "--timer",
                "nanotime",
                "--timed-batch",
                "8",
                "--out",
                "x/y",
                "--seed",
                "9",
                "--in-process");
        assertEquals(List.of(Workload.LARSON, Workload.PAIR), o.workloads());
        assertEquals(List.of("malloc", "rseq"), o.allocators());
        assertEquals(List.of(1, 2, 16), o.threads());
        assertEquals(5, o.rounds());
        assertEquals(Duration.ofSeconds(5), o.phases().latency());
        assertEquals(Duration.ofSeconds(2), o.phases().warmup());
        assertEquals(Duration.ofMillis(500), o.phases().throughput());
        assertEquals(1000, o.handoffOps());
        assertEquals(TimerChoice.NANOTIME, o.timer());
        assertEquals(8, o.timedBatch());
        assertEquals(Path.of("x/y"), o.out());
        assertEquals(9, o.seed());
        assertTrue(o.inProcess());
        assertEquals(List.of(Workload.values()), parse("--workload", "all").workloads());
        assertEquals(
                "16,64",
                parse("--sizes", "16,64", "--working-set", "64").sizes().name());
        assertEquals(1000, parse("--workload", "loguniform", "--rate", "1000").rate());
    }

    @Test
    void childArgumentsReproduceOneCell() {
        CompareOptions o = parse(
                "--workload",
                "churn,larson",
                "--sizes",
                "large",
                "--threads",
                "1,2",
                "--duration",
                "1.5s",
                "--rate",
                "5000",
                "--seed",
                "3",
                "--handoff-ops",
                "777",
                "--timer",
                "nanotime",
                "--working-set",
                "100");
        for (Workload w : List.of(Workload.CHURN, Workload.LARSON)) {
            List<String> child = o.childArgs(w, "tcmalloc", 2, Path.of("/tmp/raw/cell-1"));
            assertEquals("compare", child.getFirst());
            CompareOptions back = parse(child.subList(1, child.size()).toArray(String[]::new));
            assertEquals(List.of(w), back.workloads());
            assertEquals(List.of("tcmalloc"), back.allocators());
            assertEquals(List.of(2), back.threads());
            assertEquals(o.phases(), back.phases());
            assertEquals(o.seed(), back.seed());
            assertEquals(o.timer(), back.timer());
            if (w == Workload.CHURN) {
                assertEquals(o.rate(), back.rate());
                assertEquals("large", back.sizes().name());
                assertEquals(100, back.workingSet());
            } else {
                assertEquals(0, back.rate(), "larson is never paced");
                assertEquals(777, back.handoffOps());
            }
        }
        assertEquals(
                List.of("-Djdk.virtualThreadScheduler.parallelism=16"),
                CompareOptions.childJvmOptions(Workload.VTHREADS, 16));
        assertEquals(List.of(), CompareOptions.childJvmOptions(Workload.CHURN, 16));
    }

    @Test
    void badInput() {
        assertThrows(ParameterException.class, () -> parse("--allocators", "nope"));
        assertThrows(ParameterException.class, () -> parse("--workload", "nope"));
        assertThrows(ParameterException.class, () -> parse("--duration", "forever"));
        assertThrows(ParameterException.class, () -> parse("--threads", "0"));
        assertThrows(ParameterException.class, () -> parse("--rounds", "-1"));
        assertThrows(ParameterException.class, () -> parse("--sizes", "gigantic"));
        assertThrows(ParameterException.class, () -> parse("--what"));
        assertThrows(ParameterException.class, () -> parse("--workload", "larson", "--sizes", "tiny"));
        assertThrows(ParameterException.class, () -> parse("--workload", "pair", "--rate", "1000"));
        assertThrows(ParameterException.class, () -> parse("--handoff-ops", "500"));
        assertThrows(ParameterException.class, () -> parse("--workload", "larson", "--handoff-ops", "1"));
        assertThrows(ParameterException.class, () -> parse("--rate", "1000", "--timed-batch", "4"));
        assertThrows(ParameterException.class, () -> parse("--timer", "sundial"));
    }
}
