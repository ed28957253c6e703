package dev.rseq.alloc.bench.compare;

import static dev.rseq.alloc.bench.compare.TestCells.cell;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompareReportTest {

    private static List<Summary.Row> rows() {
        return Summary.rows(
                List.of(
                        cell("churn", "rseq", 1, 1, 10, 100e6),
                        cell("churn", "rseq", 1, 2, 12, 80e6),
                        cell("churn", "malloc", 1, 1, 30, 50e6),
                        cell("churn", "malloc", 1, 2, 30, 50e6),
                        cell("churn", "floor", 1, 1, 2, 500e6),
                        cell("churn", "floor", 1, 2, 2, 500e6),
                        cell("churn", "rseq", 4, 1, 10, 100e6)),
                List.of("rseq", "malloc", "floor"));
    }

    @Test
    void tableHasMediansSpreadRatioAndTheAllocatorsOwnShare() {
        String[] lines = CompareReport.table(rows(), "rseq", 2).split("\n");
        assertTrue(
                lines[0].startsWith("allocator")
                        && lines[0].contains("vs rseq")
                        && lines[0].contains("-floor")
                        && lines[0].contains("p99.99"),
                lines[0]);
        String rseq = lines[2];
        assertTrue(
                rseq.startsWith("rseq-name")
                        && rseq.contains("90.00M")
                        && rseq.contains("80.00M-100.00M")
                        && rseq.contains("1.00x"),
                rseq);
        // 1 thread: 1e9 / 90M = 11.1 ns/op; the floor's 2.0 ns/op taken off leaves 9.1.
        assertTrue(rseq.contains("11.1") && rseq.contains("9.1"), rseq);
        String malloc = lines[3];
        assertTrue(malloc.contains("50.00M") && malloc.contains("0.56x") && malloc.contains("20.0"), malloc);
        assertTrue(lines[4].startsWith("floor-name") && lines[4].contains(" 0.0 "), lines[4]);
        // 4 threads on 2 cores: two busy cores, and no floor row at that count.
        assertTrue(lines[5].contains("20.0") && lines[5].trim().split("\\s+")[6].equals("-"), lines[5]);
    }

    @Test
    void longTitlesWrap() {
        assertEquals("aaa bbb\n  ccc ddd", CompareReport.wrap("aaa bbb ccc ddd", 9, "  "));
        assertEquals("aaa bbb\n  ccc\n  ddd", CompareReport.wrap("aaa bbb ccc ddd", 8, "  "), "the indent counts");
    }

    @Test
    void referenceIsOursWhenItRan() {
        assertEquals("rseq", CompareReport.reference(rows()));
        assertEquals(
                "malloc",
                CompareReport.reference(
                        rows().stream().filter(r -> !r.id().equals("rseq")).toList()));
    }

    @Test
    void headerSaysHowItWasMeasured() {
        CompareOptions o = CompareOptionsTest.parse();
        String header = CompareReport.header(
                o, TestCells.TIMER, List.of(cell("churn", "rseq", 1, 1, 10, 1e6)), 2, "rdtscp is unavailable: test");
        for (String expected : List.of(
                "3 rounds",
                "median",
                "floor 25.0 ns",
                "rdtscp is unavailable: test",
                "every allocate and every free timed on its own")) {
            assertTrue(header.contains(expected), expected + " in:\n" + header);
        }
        String batched = CompareReport.header(
                CompareOptionsTest.parse("--timed-batch", "8"), TestCells.TIMER, List.of(), 2, null);
        assertTrue(batched.contains("covers 8 steps"), batched);
    }
}
