package dev.rseq.alloc.bench.compare;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareReportTest {

    private static RunResult row(String id, int threads, long latency, double opsPerSecond) {
        Histogram alloc = new Histogram(3);
        Histogram free = new Histogram(3);
        for (int i = 0; i < 1000; i++) {
            alloc.recordValue(latency);
            free.recordValue(latency);
        }
        return new RunResult(id, id + "-name", threads, alloc, free, opsPerSecond);
    }

    @Test
    void tablesGroupByThreadsAndRatiosUseTheSameThreadCount() {
        List<RunResult> rows = List.of(
                row("rseq", 1, 10, 100e6), row("rseq", 2, 20, 150e6),
                row("malloc", 1, 30, 50e6), row("malloc", 2, 20, 300e6));
        String absolute = CompareReport.absolute(rows);
        String[] lines = absolute.split("\n");
        assertTrue(lines[0].startsWith("allocator"));
        assertTrue(lines[2].startsWith("rseq-name") && lines[2].contains("100.00M"), lines[2]);
        assertTrue(lines[3].startsWith("malloc-name") && lines[3].contains(" 1 "), lines[3]);
        assertTrue(lines[4].startsWith("rseq-name") && lines[4].contains(" 2 "), lines[4]);
        assertTrue(lines[3].contains("30"));

        String ratios = CompareReport.ratios(rows, "rseq");
        String[] r = ratios.split("\n");
        assertEquals(7, r[2].split("1\\.00x", -1).length - 1, "reference row is all 1.00x: " + r[2]);
        assertTrue(r[3].contains("3.00x") && r[3].contains("0.50x"), r[3]);
        assertTrue(r[5].contains("1.00x") && r[5].contains("2.00x"), r[5]);
    }

    @Test
    void rowsWithoutReferenceShowDashes() {
        String ratios = CompareReport.ratios(List.of(row("malloc", 1, 5, 1e6)), "rseq");
        assertTrue(ratios.split("\n")[2].contains("-"));
    }

    @Test
    void metricsArePercentilesMaxAndRate() {
        double[] m = CompareReport.metrics(row("x", 1, 42, 7));
        assertEquals(CompareReport.PERCENTILES.length + 2, m.length);
        assertEquals(42, m[0], 1);
        assertEquals(42, m[m.length - 2], 1);
        assertEquals(7, m[m.length - 1]);
    }
}
