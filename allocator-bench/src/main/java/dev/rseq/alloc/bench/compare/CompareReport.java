package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.report.Fmt;
import dev.rseq.alloc.bench.report.TextTable;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The tables of {@code compare}: absolute latencies and ops/s, then each metric as a ratio
 * to the reference allocator's row at the same thread count.
 */
final class CompareReport {
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    private static final List<String> HEADERS = List.of("allocator", "threads",
            "p50", "p90", "p99", "p99.9", "p99.99", "max", "ops/s");

    private CompareReport() {
    }

    /** Rows grouped by thread count, in the order the allocators were run. */
    static List<RunResult> ordered(List<RunResult> results) {
        List<RunResult> rows = new ArrayList<>(results);
        rows.sort(Comparator.comparingInt(RunResult::threads)); // stable: keeps allocator order
        return rows;
    }

    static String absolute(List<RunResult> results) {
        TextTable table = new TextTable(HEADERS);
        for (RunResult r : ordered(results)) {
            List<String> row = new ArrayList<>(List.of(r.name(), Integer.toString(r.threads())));
            for (double v : metrics(r)) {
                row.add(Long.toString((long) v));
            }
            row.set(row.size() - 1, Fmt.rate(r.opsPerSecond()));
            table.addRow(row);
        }
        return table.render();
    }

    /** Each metric divided by the reference row's at the same thread count; rows without one show "-". */
    static String ratios(List<RunResult> results, String referenceId) {
        TextTable table = new TextTable(HEADERS);
        for (RunResult r : ordered(results)) {
            RunResult ref = results.stream()
                    .filter(x -> x.id().equals(referenceId) && x.threads() == r.threads())
                    .findFirst().orElse(null);
            List<String> row = new ArrayList<>(List.of(r.name(), Integer.toString(r.threads())));
            double[] mine = metrics(r);
            double[] theirs = ref == null ? null : metrics(ref);
            for (int i = 0; i < mine.length; i++) {
                row.add(theirs == null ? "-" : Fmt.ratio(mine[i], theirs[i]));
            }
            table.addRow(row);
        }
        return table.render();
    }

    /** p50..p99.99, max (ns) and ops/s. */
    static double[] metrics(RunResult r) {
        Histogram all = r.all();
        double[] m = new double[PERCENTILES.length + 2];
        for (int i = 0; i < PERCENTILES.length; i++) {
            m[i] = all.getValueAtPercentile(PERCENTILES[i]);
        }
        m[PERCENTILES.length] = all.getMaxValue();
        m[PERCENTILES.length + 1] = r.opsPerSecond();
        return m;
    }

    static String header(CompareOptions o, TimerCost timer) {
        String mode = o.rate() > 0
                ? String.format(Locale.ROOT, "paced at %d ops/s per thread, latency measured from each op's due time"
                + " (coordinated-omission corrected)", o.rate())
                : "unpaced, each op timed on its own with System.nanoTime";
        return String.format(Locale.ROOT, """
                Latency per op in ns (allocations and frees together, all threads merged): %s.
                Timer here: System.nanoTime() costs ~%.0f ns per call and steps by >= %d ns; every latency includes
                that much (compare with the baseline row: one empty downcall per op).
                ops/s: a separate untimed phase of the same churn, all threads summed (1 op = one alloc or one free).
                Churn: %d live blocks per thread, sizes '%s', warmup %s, latency phase %s, ops/s phase %s per row.
                """, mode, timer.nanosPerCall(), timer.granularityNanos(), o.workingSet(), o.sizes().name(),
                fmt(o.warmup()), fmt(o.duration()), fmt(o.throughput()));
    }

    private static String fmt(java.time.Duration d) {
        return dev.rseq.alloc.bench.cli.Durations.format(d);
    }
}
