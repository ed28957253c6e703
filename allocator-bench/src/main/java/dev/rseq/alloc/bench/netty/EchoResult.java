package dev.rseq.alloc.bench.netty;

import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * One echo run: round trips measured (ns) over {@code nanos} of wall time. Crosses from a
 * child JVM to the parent as one text line.
 */
record EchoResult(
        String allocator,
        int size,
        int connections,
        long requests,
        long nanos,
        long p50,
        long p99,
        long p999,
        long max) {

    static EchoResult of(String allocator, int size, int connections, Histogram h, long nanos) {
        return new EchoResult(
                allocator,
                size,
                connections,
                h.getTotalCount(),
                nanos,
                h.getValueAtPercentile(50),
                h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9),
                h.getMaxValue());
    }

    double requestsPerSecond() {
        return requests * 1e9 / nanos;
    }

    String toLine() {
        return String.join(
                "\t",
                allocator,
                String.valueOf(size),
                String.valueOf(connections),
                String.valueOf(requests),
                String.valueOf(nanos),
                String.valueOf(p50),
                String.valueOf(p99),
                String.valueOf(p999),
                String.valueOf(max));
    }

    static EchoResult parse(String line) {
        String[] f = line.split("\t");
        if (f.length != 9) {
            throw new IllegalArgumentException("not an echo result line: " + line);
        }
        return new EchoResult(
                f[0],
                Integer.parseInt(f[1]),
                Integer.parseInt(f[2]),
                Long.parseLong(f[3]),
                Long.parseLong(f[4]),
                Long.parseLong(f[5]),
                Long.parseLong(f[6]),
                Long.parseLong(f[7]),
                Long.parseLong(f[8]));
    }

    /** The table row: allocator, size, requests/s, p50, p99, p99.9, max (µs). */
    List<String> row() {
        return List.of(
                allocator,
                String.valueOf(size),
                String.format(Locale.ROOT, "%,.0f", requestsPerSecond()),
                micros(p50),
                micros(p99),
                micros(p999),
                micros(max));
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
    }
}
