package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.workload.Lane;
import dev.rseq.alloc.bench.workload.Workload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The rounds of each (workload, allocator, thread count) folded into one row. */
final class Summary {

    /**
     * One row of a table.
     *
     * @param medianOps median ops/s over the rounds (the mean of the middle two for an even count)
     * @param alloc     allocation latencies of every round merged
     * @param batched   batch means (--timed-batch) of every round merged
     */
    record Row(
            Workload workload,
            String id,
            String name,
            int threads,
            int rounds,
            double medianOps,
            double minOps,
            double maxOps,
            Histogram alloc,
            Histogram free,
            Histogram batched,
            long minThreadsStarted,
            long maxThreadsStarted) {

        static Row of(List<CellResult> cells) {
            CellResult first = cells.getFirst();
            double[] ops = cells.stream().mapToDouble(CellResult::opsPerSecond).toArray();
            Histogram alloc = Lane.newHistogram();
            Histogram free = Lane.newHistogram();
            Histogram batched = Lane.newHistogram();
            for (CellResult c : cells) {
                alloc.add(c.alloc());
                free.add(c.free());
                batched.add(c.batched());
            }
            return new Row(
                    Workload.byId(first.workload()),
                    first.id(),
                    first.name(),
                    first.threads(),
                    cells.size(),
                    median(ops),
                    Arrays.stream(ops).min().orElse(0),
                    Arrays.stream(ops).max().orElse(0),
                    alloc,
                    free,
                    batched,
                    cells.stream().mapToLong(CellResult::threadsStarted).min().orElse(0),
                    cells.stream().mapToLong(CellResult::threadsStarted).max().orElse(0));
        }

        Histogram all() {
            Histogram all = alloc.copy();
            all.add(free);
            all.add(batched);
            return all;
        }
    }

    private Summary() {}

    /** Rows ordered by workload, then thread count, then the order the allocators were given in. */
    static List<Row> rows(List<CellResult> cells, List<String> allocatorOrder) {
        Map<String, List<CellResult>> groups = new LinkedHashMap<>();
        for (CellResult c : cells) {
            groups.computeIfAbsent(c.workload() + "/" + c.id() + "/" + c.threads(), k -> new ArrayList<>())
                    .add(c);
        }
        List<Row> rows = new ArrayList<>();
        for (List<CellResult> group : groups.values()) {
            rows.add(Row.of(group));
        }
        rows.sort(Comparator.comparing((Row r) -> r.workload()) // declaration order: the order --help lists them
                .thenComparingInt(Row::threads)
                .thenComparingInt(r -> position(allocatorOrder, r.id())));
        return rows;
    }

    private static int position(List<String> order, String id) {
        int i = order.indexOf(id);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
}
