package dev.rseq.alloc.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * A self-contained SVG of latency percentile distributions in the style of HdrHistogram's
 * plotter: x is the percentile on a log scale of 1/(1-p) (so 90%, 99%, 99.9% are evenly
 * spaced), y is the latency on a log scale (allocators differ by orders of magnitude in
 * the tail). One panel per group (thread count), one line per series. No scripts, no
 * external resources: it opens in any browser offline.
 */
public final class PercentilePlot {
    /** The tail is drawn up to 99.9999%; the max sits at that edge. */
    private static final double MAX_NINES = 6;

    private static final int WIDTH = 960;
    private static final int PANEL_HEIGHT = 440;
    private static final int LEFT = 80;
    private static final int RIGHT = 200;
    private static final int TOP = 60;
    private static final int BOTTOM = 50;
    private static final String[] COLORS = {
        "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#000000", "#aec7e8", "#98df8a", "#ffbb78"
    };

    /** One line: its label, the panel it belongs to, its histogram (values in ns). */
    public record Series(String label, String group, AbstractHistogram histogram, boolean emphasised) {}

    private PercentilePlot() {}

    public static void write(Path file, String title, List<Series> series) throws IOException {
        Files.writeString(file, render(title, series), StandardCharsets.UTF_8);
    }

    public static String render(String title, List<Series> series) {
        Map<String, List<Series>> groups = new LinkedHashMap<>();
        for (Series s : series) {
            groups.computeIfAbsent(s.group(), g -> new ArrayList<>()).add(s);
        }
        // One y range for all panels so they can be compared by eye.
        double lo = Double.MAX_VALUE;
        double hi = 1;
        for (Series s : series) {
            if (s.histogram().getTotalCount() > 0) {
                lo = Math.min(lo, Math.max(1, s.histogram().getMinNonZeroValue()));
                hi = Math.max(hi, s.histogram().getMaxValue());
            }
        }
        if (lo == Double.MAX_VALUE) {
            lo = 1;
        }
        double yMin = Math.floor(Math.log10(lo));
        double yMax = Math.max(yMin + 1, Math.ceil(Math.log10(Math.max(hi, lo * 10))));

        int height = TOP + groups.size() * PANEL_HEIGHT + 20;
        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                        + " font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH,
                height,
                WIDTH,
                height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>%n",
                LEFT,
                escape(title)));
        int panel = 0;
        for (Map.Entry<String, List<Series>> e : groups.entrySet()) {
            int top = TOP + panel * PANEL_HEIGHT;
            panel(svg, e.getKey(), e.getValue(), top, yMin, yMax);
            panel++;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(StringBuilder svg, String group, List<Series> series, int top, double yMin, double yMax) {
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = PANEL_HEIGHT - BOTTOM - 30;
        int y0 = top + 20;
        svg.append(String.format(
                Locale.ROOT,
                "<g><text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
                LEFT,
                y0 - 6,
                escape(group)));
        svg.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n",
                LEFT,
                y0,
                plotW,
                plotH));
        for (int n = 0; n <= MAX_NINES; n++) {
            double x = LEFT + plotW * n / MAX_NINES;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    x,
                    y0,
                    x,
                    y0 + plotH));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x,
                    y0 + plotH + 16,
                    percentileLabel(n)));
        }
        for (int d = (int) yMin; d <= yMax; d++) {
            double y = yPos(Math.pow(10, d), yMin, yMax, y0, plotH);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT,
                    y,
                    LEFT + plotW,
                    y));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 6,
                    y + 4,
                    escape(Fmt.nanosLabel(Math.pow(10, d)))));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n",
                LEFT + plotW / 2,
                y0 + plotH + 34));
        svg.append(String.format(
                Locale.ROOT,
                "<text transform=\"translate(16,%d) rotate(-90)\" text-anchor=\"middle\">latency per op</text>%n",
                y0 + plotH / 2));
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String color = COLORS[i % COLORS.length];
            String points = points(s.histogram(), yMin, yMax, y0, plotW, plotH);
            svg.append(String.format(
                    Locale.ROOT,
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" points=\"%s\">"
                            + "<title>%s</title></polyline>%n",
                    color,
                    s.emphasised() ? "3" : "1.5",
                    points,
                    escape(s.label())));
            int ly = y0 + 12 + i * 16;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n",
                    LEFT + plotW + 12,
                    ly - 4,
                    LEFT + plotW + 32,
                    ly - 4,
                    color));
            svg.append(String.format(
                    Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + plotW + 38, ly, escape(s.label())));
        }
        svg.append("</g>\n");
    }

    private static String points(AbstractHistogram h, double yMin, double yMax, int y0, int plotW, int plotH) {
        StringBuilder sb = new StringBuilder();
        if (h.getTotalCount() == 0) {
            return "";
        }
        // The same iteration outputPercentileDistribution uses (5 ticks per half distance).
        for (HistogramIterationValue v : h.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo() / 100.0;
            double nines = p >= 1 ? MAX_NINES : Math.min(MAX_NINES, Math.log10(1 / (1 - p)));
            double x = LEFT + plotW * nines / MAX_NINES;
            double y = yPos(Math.max(1, v.getValueIteratedTo()), yMin, yMax, y0, plotH);
            sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return sb.toString().trim();
    }

    private static double yPos(double value, double yMin, double yMax, int y0, int plotH) {
        double f = (Math.log10(value) - yMin) / (yMax - yMin);
        return y0 + plotH - Math.max(0, Math.min(1, f)) * plotH;
    }

    private static String percentileLabel(int nines) {
        return switch (nines) {
            case 0 -> "0%";
            case 1 -> "90%";
            case 2 -> "99%";
            default -> "99." + "9".repeat(nines - 2) + "%";
        };
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
