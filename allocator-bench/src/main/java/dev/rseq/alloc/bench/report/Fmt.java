package dev.rseq.alloc.bench.report;

import java.util.Locale;

/** Number formats shared by the tables. */
public final class Fmt {
    private Fmt() {}

    /** Operations per second with a metric suffix: 950, 12.3k, 45.6M. */
    public static String rate(double perSecond) {
        if (perSecond >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", perSecond / 1e9);
        }
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }

    /** A ratio to the reference row: "1.00x"; "-" when the reference is zero. */
    public static String ratio(double value, double reference) {
        if (reference == 0) {
            return "-";
        }
        double r = value / reference;
        return String.format(Locale.ROOT, r >= 100 ? "%.0fx" : r >= 10 ? "%.1fx" : "%.2fx", r);
    }

    /** Bytes with a binary suffix: 512 B, 1.5 KiB, 12.0 MiB. */
    public static String bytes(long bytes) {
        if (bytes < 0) {
            return "-" + bytes(-bytes);
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Latency in ns for the axis labels of plots: 10 ns, 1 µs, 100 ms. */
    public static String nanosLabel(double ns) {
        if (ns >= 1e9) {
            return trim(ns / 1e9) + " s";
        }
        if (ns >= 1e6) {
            return trim(ns / 1e6) + " ms";
        }
        if (ns >= 1e3) {
            return trim(ns / 1e3) + " \u00b5s";
        }
        return trim(ns) + " ns";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
