package dev.rseq.alloc.bench.compare;

import static dev.rseq.alloc.bench.compare.TestCells.cell;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rseq.alloc.bench.workload.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {

    @Test
    void medians() {
        assertEquals(2, Summary.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Summary.median(new double[] {4, 1, 2, 3}));
        assertEquals(7, Summary.median(new double[] {7}));
    }

    @Test
    void roundsFoldIntoOneRowPerWorkloadAllocatorAndThreadCount() {
        List<CellResult> cells = List.of(
                cell("churn", "malloc", 1, 1, 30, 50e6),
                cell("churn", "rseq", 1, 1, 10, 100e6),
                cell("churn", "rseq", 1, 2, 10, 120e6),
                cell("churn", "malloc", 1, 2, 30, 40e6),
                cell("churn", "rseq", 1, 3, 10, 90e6),
                cell("churn", "malloc", 1, 3, 30, 60e6),
                cell("larson", "rseq", 2, 1, 10, 5e6));
        List<Summary.Row> rows = Summary.rows(cells, List.of("rseq", "malloc"));
        assertEquals(3, rows.size());
        Summary.Row rseq = rows.getFirst();
        assertEquals(Workload.CHURN, rseq.workload());
        assertEquals("rseq", rseq.id(), "allocators in the order given, not the order run");
        assertEquals(3, rseq.rounds());
        assertEquals(100e6, rseq.medianOps());
        assertEquals(90e6, rseq.minOps());
        assertEquals(120e6, rseq.maxOps());
        assertEquals(6000, rseq.all().getTotalCount(), "histograms of the three rounds merged");
        assertEquals("malloc", rows.get(1).id());
        assertEquals(50e6, rows.get(1).medianOps());
        assertEquals(Workload.LARSON, rows.get(2).workload());
    }
}
