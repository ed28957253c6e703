package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.cli.Durations;
import dev.rseq.alloc.bench.report.Fmt;
import dev.rseq.alloc.bench.report.TextTable;
import dev.rseq.alloc.bench.timer.Calibration;
import dev.rseq.alloc.bench.workload.Workload;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The text of {@code compare}: a header saying how everything was measured, then one table
 * per workload with ops/s (median and spread of the rounds, ratio to the reference), time
 * per op with and without the harness floor, and latency percentiles.
 */
final class CompareReport {
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    static final String FLOOR_ID = "floor";
    private static final String DEFAULT_REFERENCE = "rseq";

    private CompareReport() {}

    /** Our allocator's default row if it ran, else the first row. */
    static String reference(List<Summary.Row> rows) {
        return rows.stream().anyMatch(r -> r.id().equals(DEFAULT_REFERENCE))
                ? DEFAULT_REFERENCE
                : rows.isEmpty() ? DEFAULT_REFERENCE : rows.getFirst().id();
    }

    /** One workload's rows. */
    static String table(List<Summary.Row> rows, String referenceId, int cores) {
        TextTable table = new TextTable(headers(referenceId));
        for (Summary.Row r : rows) {
            Summary.Row ref = find(rows, referenceId, r.threads());
            Summary.Row floor = find(rows, FLOOR_ID, r.threads());
            double nsPerOp = nsPerOp(r, cores);
            List<String> cells = new ArrayList<>(List.of(
                    r.name(),
                    Integer.toString(r.threads()),
                    Fmt.rate(r.medianOps()),
                    Fmt.rate(r.minOps()) + "-" + Fmt.rate(r.maxOps()),
                    ref == null ? "-" : Fmt.ratio(r.medianOps(), ref.medianOps()),
                    Double.isNaN(nsPerOp) ? "-" : String.format(Locale.ROOT, "%.1f", nsPerOp),
                    floor == null || Double.isNaN(nsPerOp)
                            ? "-"
                            : String.format(Locale.ROOT, "%.1f", nsPerOp - nsPerOp(floor, cores))));
            Histogram all = r.all();
            for (double p : PERCENTILES) {
                cells.add(Long.toString(all.getValueAtPercentile(p)));
            }
            cells.add(Long.toString(all.getMaxValue()));
            table.addRow(cells);
        }
        return table.render();
    }

    static List<String> headers(String referenceId) {
        return List.of(
                "allocator",
                "threads",
                "ops/s",
                "min-max",
                "vs " + referenceId,
                "ns/op",
                "-floor",
                "p50",
                "p90",
                "p99",
                "p99.9",
                "p99.99",
                "max");
    }

    /** Time per operation per busy core: what ops/s means per thread when threads outnumber cores. */
    static double nsPerOp(Summary.Row r, int cores) {
        int busy = Math.min(r.workload().runningThreads(r.threads()), cores);
        return r.medianOps() <= 0 ? Double.NaN : busy * 1e9 / r.medianOps();
    }

    private static Summary.Row find(List<Summary.Row> rows, String id, int threads) {
        return rows.stream()
                .filter(x -> x.id().equals(id) && x.threads() == threads)
                .findFirst()
                .orElse(null);
    }

    /** Title and notes above a workload's table. */
    static String title(Workload w, List<Summary.Row> rows, CompareOptions o) {
        StringBuilder sb = new StringBuilder();
        sb.append(wrap("== " + w.id() + ": " + w.description(), 110, "   ")).append('\n');
        switch (w) {
            case CHURN ->
                sb.append(String.format(
                        Locale.ROOT,
                        "   sizes '%s', %,d live blocks per thread%s%n",
                        o.sizes().name(),
                        o.workingSet(),
                        o.rate() > 0 ? "; " + paced(o) : ""));
            case LOGUNIFORM -> sb.append(o.rate() > 0 ? "   " + paced(o) + "\n" : "");
            case LARSON -> {
                LongRange started = range(rows, true);
                sb.append(String.format(
                        Locale.ROOT,
                        "   handoff every %,d operations; threads started per cell:" + " %,d-%,d%n",
                        o.handoffOps(),
                        started.min,
                        started.max));
            }
            case VTHREADS -> {
                LongRange carriers = range(rows, false);
                sb.append(String.format(
                        Locale.ROOT,
                        "   carrier threads per cell: %s%n",
                        o.inProcess()
                                ? carriers.min + " for every T (--in-process cannot change it)"
                                : "T (set per child JVM)"));
            }
            default -> {}
        }
        return sb.toString();
    }

    /** Breaks {@code text} at spaces into lines of at most {@code width}; lines after the first get {@code indent}. */
    static String wrap(String text, int width, String indent) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                out.append(line).append('\n');
                line.setLength(0);
                line.append(indent);
            }
            if (!line.isEmpty() && !line.toString().equals(indent)) {
                line.append(' ');
            }
            line.append(word);
        }
        return out.append(line).toString();
    }

    private record LongRange(long min, long max) {}

    private static LongRange range(List<Summary.Row> rows, boolean threadsStarted) {
        long min = Long.MAX_VALUE;
        long max = 0;
        for (Summary.Row r : rows) {
            min = Math.min(min, threadsStarted ? r.minThreadsStarted() : r.threads());
            max = Math.max(max, threadsStarted ? r.maxThreadsStarted() : r.threads());
        }
        return new LongRange(min == Long.MAX_VALUE ? 0 : min, max);
    }

    private static String paced(CompareOptions o) {
        return String.format(Locale.ROOT, "latency phase paced at %,d ops/s per thread", o.rate());
    }

    /**
     * How everything was measured.
     *
     * @param parent    the timer as calibrated in this JVM
     * @param cells     every cell, for the children's own calibrations
     * @param timerNote null, or why the timer is not the one asked for
     */
    static String header(CompareOptions o, Calibration parent, List<CellResult> cells, int cores, String timerNote) {
        DoubleSummaryStatistics floors =
                cells.stream().mapToDouble(c -> c.timer().floorNs()).summaryStatistics();
        StringBuilder sb = new StringBuilder();
        sb.append(
                o.inProcess()
                        ? "compare: every cell in this JVM (--in-process)"
                        : "compare: each cell (workload, allocator, thread count) in a fresh JVM");
        sb.append(String.format(
                Locale.ROOT,
                "; %d round%s, each running every%n  allocator once and starting"
                        + " ceil(allocators / rounds) places further down the list than the one before.%n",
                o.rounds(),
                o.rounds() == 1 ? " (so no spread)" : "s"));
        sb.append(String.format(Locale.ROOT, """
                ops/s: median of the rounds; a round counts every thread's ops in an untimed phase over the wall time
                  they took (1 op = one allocate or one free); min-max: the rounds' spread; vs X: median / X's
                  median at the same thread count (above 1: faster).
                ns/op: min(threads running, %d cores) / ops/s, the time an op takes a busy core; -floor: ns/op minus
                  the floor row's (no allocator; the same harness and block writes): the allocator's own share.
                """, cores));
        if (o.timedBatch() == 1) {
            sb.append("latency (ns): every allocate and every free timed on its own; all threads and rounds merged.\n");
        } else {
            sb.append(String.format(
                    Locale.ROOT,
                    "latency (ns): each timer reading covers %d steps and records their"
                            + " mean per op (--timed-batch);%n  all threads and rounds merged. Tails are diluted %d-fold;"
                            + " the readings include the harness (see the floor row).%n",
                    o.timedBatch(),
                    o.timedBatch()));
        }
        sb.append("timer: ").append(parent.describe());
        if (!o.inProcess() && floors.getCount() > 0) {
            sb.append(String.format(
                    Locale.ROOT,
                    ";%n  measured again in each of the %d cell JVMs: floor %.1f-%.1f ns",
                    floors.getCount(),
                    floors.getMin(),
                    floors.getMax()));
        }
        sb.append(".\n");
        if (timerNote != null) {
            sb.append("  ").append(timerNote).append('\n');
        }
        sb.append(String.format(
                Locale.ROOT,
                "  floor: the median of back-to-back readings, after warm-up. Every reading" + " includes one%s.%n",
                o.timedBatch() == 1
                        ? ":%n  percentiles near it measure the timer, not the allocator".formatted()
                        : ", divided by the batch"));
        if (o.rate() > 0) {
            sb.append("  paced rows: latency measured from each op's due time with System.nanoTime"
                    + " (coordinated-omission corrected).\n");
        }
        sb.append(String.format(
                Locale.ROOT,
                "phases per cell: warmup %s (half timed, half untimed), latency %s," + " ops/s %s; seed %d.%n",
                Durations.format(o.phases().warmup()),
                Durations.format(o.phases().latency()),
                Durations.format(o.phases().throughput()),
                o.seed()));
        return sb.toString();
    }
}
