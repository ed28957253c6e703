package dev.rseq.alloc.bench.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny end-to-end run in this JVM: it must produce the table and the files, whatever the numbers. */
class CompareCommandTest {

    @Test
    void tinyInProcessRunWritesTableHgrmAndSvg(@TempDir Path out) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true));
        int status;
        try {
            status = CompareCommand.run(new String[]{"--allocators", "malloc,baseline", "--threads", "1,2",
                "--warmup", "50ms", "--duration", "100ms", "--throughput", "50ms", "--working-set", "64",
                "--in-process", "--out", out.toString()});
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, status);
        String text = captured.toString();
        assertTrue(text.contains("p99.99") && text.contains("ops/s") && text.contains("Ratio to"), text);
        assertTrue(Files.exists(out.resolve("latency.svg")));
        assertTrue(Files.exists(out.resolve("summary.txt")));
        assertTrue(Files.exists(out.resolve("malloc-1t.hgrm")));
        assertTrue(Files.exists(out.resolve("baseline-2t-free.hgrm")));
    }
}
