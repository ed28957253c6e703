package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.timer.Calibration;
import dev.rseq.alloc.bench.workload.Lane;
import org.HdrHistogram.Histogram;

/** Hand-made cells for the report and file tests. */
final class TestCells {
    static final Calibration TIMER = new Calibration("System.nanoTime", 1.0, 25.0, 20.0);

    private TestCells() {}

    static CellResult cell(String workload, String id, int threads, int round, long latency, double opsPerSecond) {
        Histogram alloc = Lane.newHistogram();
        Histogram free = Lane.newHistogram();
        for (int i = 0; i < 1000; i++) {
            alloc.recordValue(latency);
            free.recordValue(latency);
        }
        return new CellResult(
                workload,
                id,
                id + "-name",
                threads,
                round,
                alloc,
                free,
                Lane.newHistogram(),
                opsPerSecond,
                threads,
                2,
                TIMER);
    }
}
