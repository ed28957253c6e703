package dev.rseq.alloc.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.timer.Calibration;
import dev.rseq.alloc.bench.workload.Lane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultFilesTest {

    @Test
    void cellsRoundTripLosslessly(@TempDir Path dir) throws Exception {
        Histogram alloc = Lane.newHistogram();
        Histogram free = Lane.newHistogram();
        Histogram batched = Lane.newHistogram();
        for (int i = 1; i < 5000; i++) {
            alloc.recordValue(i);
            free.recordValue(3L * i);
        }
        batched.recordValueWithCount(7, 16);
        Calibration timer = new Calibration("rdtscp", 0.4761, 9.5, 0.5);
        CellResult written = new CellResult(
                "larson", "malloc", "jemalloc(LD_PRELOAD)", 2, 3, alloc, free, batched, 1.5e7, 41, 2, timer);
        Path base = dir.resolve("cell-7");
        ResultFiles.writeRaw(base, written);
        CellResult read = ResultFiles.readRaw(base).orElseThrow();
        assertEquals(written.workload(), read.workload());
        assertEquals("jemalloc(LD_PRELOAD)", read.name());
        assertEquals(2, read.threads());
        assertEquals(3, read.round());
        assertEquals(1.5e7, read.opsPerSecond());
        assertEquals(41, read.threadsStarted());
        assertEquals(timer, read.timer());
        assertEquals(alloc, read.alloc());
        assertEquals(free, read.free());
        assertEquals(batched, read.batched());
        assertTrue(ResultFiles.readRaw(dir.resolve("cell-8")).isEmpty(), "no files, no cell");
    }

    @Test
    void hgrmPerRowAndEveryCellInTheCsv(@TempDir Path dir) throws Exception {
        List<CellResult> cells =
                List.of(TestCells.cell("pair", "rseq", 1, 1, 100, 1e6), TestCells.cell("pair", "rseq", 1, 2, 100, 2e6));
        Summary.Row row = Summary.rows(cells, List.of("rseq")).getFirst();
        List<Path> files = ResultFiles.writeHgrm(dir, row);
        assertEquals(
                List.of(
                        dir.resolve("pair-rseq-1t.hgrm"),
                        dir.resolve("pair-rseq-1t-alloc.hgrm"),
                        dir.resolve("pair-rseq-1t-free.hgrm")),
                files);
        assertTrue(Files.readString(files.getFirst()).contains("Percentile"));
        ResultFiles.writeRounds(dir.resolve("rounds.csv"), cells);
        List<String> csv = Files.readAllLines(dir.resolve("rounds.csv"));
        assertEquals(3, csv.size());
        assertTrue(csv.get(2).startsWith("pair,rseq,1,2,2000000,"), csv.get(2));
    }
}
