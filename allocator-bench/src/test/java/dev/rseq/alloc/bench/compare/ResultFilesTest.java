package dev.rseq.alloc.bench.compare;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultFilesTest {

    @Test
    void rawRowsRoundTripLosslessly(@TempDir Path dir) throws Exception {
        Histogram alloc = new Histogram(60_000_000_000L, 3);
        Histogram free = new Histogram(60_000_000_000L, 3);
        for (int i = 1; i < 5000; i++) {
            alloc.recordValue(i);
            free.recordValue(3L * i);
        }
        alloc.setStartTimeStamp(1000);
        alloc.setEndTimeStamp(2000);
        free.setStartTimeStamp(1000);
        free.setEndTimeStamp(2000);
        RunResult written = new RunResult("malloc", "jemalloc(LD_PRELOAD)", 2, alloc, free, 1.5e7);
        ResultFiles.writeRaw(dir, written);

        List<RunResult> read = ResultFiles.readRaw(dir, "malloc", List.of(1, 2));
        assertEquals(1, read.size(), "only the thread count that was written");
        RunResult r = read.getFirst();
        assertEquals("jemalloc(LD_PRELOAD)", r.name());
        assertEquals(2, r.threads());
        assertEquals(1.5e7, r.opsPerSecond());
        assertEquals(alloc, r.alloc());
        assertEquals(free, r.free());
    }

    @Test
    void hgrmFilesPerRow(@TempDir Path dir) throws Exception {
        Histogram h = new Histogram(3);
        h.recordValue(100);
        List<Path> files = ResultFiles.writeHgrm(dir, new RunResult("rseq", "rseq", 1, h, h.copy(), 1));
        assertEquals(List.of(dir.resolve("rseq-1t.hgrm"), dir.resolve("rseq-1t-alloc.hgrm"),
                dir.resolve("rseq-1t-free.hgrm")), files);
        assertTrue(Files.readString(files.getFirst()).contains("Percentile"));
    }
}
