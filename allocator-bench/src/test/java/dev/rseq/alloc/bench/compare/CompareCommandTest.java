package dev.rseq.alloc.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiny end-to-end runs: they must produce the tables and the files, whatever the numbers. */
class CompareCommandTest {

    private static String run(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        try {
            assertEquals(0, Main.run(args), captured.toString());
        } finally {
            System.setOut(stdout);
        }
        return captured.toString();
    }

    @Test
    void inProcessRunOfSeveralWorkloadsWritesTablesHgrmAndSvg(@TempDir Path out) throws Exception {
        String text = run(
                "compare",
                "--workload",
                "churn,larson,producer-consumer",
                "--allocators",
                "malloc,arena-confined,floor",
                "--threads",
                "1,2",
                "--rounds",
                "2",
                "--warmup",
                "50ms",
                "--duration",
                "50ms",
                "--throughput",
                "50ms",
                "--working-set",
                "64",
                "--handoff-ops",
                "2000",
                "--in-process",
                "--out",
                out.toString());
        assertTrue(
                text.contains("== churn") && text.contains("== larson") && text.contains("== producer-consumer"), text);
        assertTrue(text.contains("p99.99") && text.contains("min-max") && text.contains("vs malloc"), text);
        assertTrue(text.contains("arena-confined skipped in larson"), text);
        for (String f : List.of(
                "latency-churn.svg",
                "latency-larson.svg",
                "summary.txt",
                "rounds.csv",
                "churn-malloc-1t.hgrm",
                "larson-floor-2t-free.hgrm")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        // 2 rounds x 2 thread counts x (3 + 2 + 2 runnable allocators) cells, and a header line.
        assertEquals(
                1 + 2 * 2 * (3 + 2 + 2),
                Files.readAllLines(out.resolve("rounds.csv")).size());
    }

    @Test
    void cellsRunInChildJvms(@TempDir Path out) throws Exception {
        String text = run(
                "compare",
                "--workload",
                "pair",
                "--allocators",
                "floor,malloc",
                "--threads",
                "1",
                "--rounds",
                "2",
                "--warmup",
                "50ms",
                "--duration",
                "50ms",
                "--throughput",
                "50ms",
                "--out",
                out.toString());
        assertTrue(text.contains("in a fresh JVM") && text.contains("measured again in each of the 4 cell JVMs"), text);
        assertEquals(1 + 4, Files.readAllLines(out.resolve("rounds.csv")).size());
    }
}
