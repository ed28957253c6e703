package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.timer.Calibration;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;

/**
 * Files of {@code compare}. How a child JVM hands its cell back: an HdrHistogram log
 * ({@code .hlog}, lossless compressed histograms tagged alloc/free) and a properties file
 * with the rest. For people: percentile distributions ({@code .hgrm}) per row, and every
 * cell of every round in {@code rounds.csv}.
 */
final class ResultFiles {
    private static final String ALLOC = "alloc";
    private static final String FREE = "free";
    private static final String BATCHED = "batched";

    private ResultFiles() {}

    static void writeRaw(Path base, CellResult r) throws IOException {
        Path dir = base.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        try (PrintStream out = new PrintStream(Files.newOutputStream(hlog(base)), false, StandardCharsets.UTF_8)) {
            HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputLogFormatVersion();
            writer.outputLegend();
            Histogram alloc = r.alloc().copy();
            alloc.setTag(ALLOC);
            writer.outputIntervalHistogram(alloc);
            Histogram free = r.free().copy();
            free.setTag(FREE);
            writer.outputIntervalHistogram(free);
            Histogram batched = r.batched().copy();
            batched.setTag(BATCHED);
            writer.outputIntervalHistogram(batched);
        }
        Properties p = new Properties();
        p.setProperty("workload", r.workload());
        p.setProperty("id", r.id());
        p.setProperty("name", r.name());
        p.setProperty("threads", Integer.toString(r.threads()));
        p.setProperty("round", Integer.toString(r.round()));
        p.setProperty("opsPerSecond", Double.toString(r.opsPerSecond()));
        p.setProperty("threadsStarted", Long.toString(r.threadsStarted()));
        p.setProperty("carriers", Integer.toString(r.carriers()));
        Calibration t = r.timer();
        p.setProperty("timer.clock", t.clock());
        p.setProperty("timer.nsPerTick", Double.toString(t.nsPerTick()));
        p.setProperty("timer.floorNs", Double.toString(t.floorNs()));
        p.setProperty("timer.resolutionNs", Double.toString(t.resolutionNs()));
        try (Writer w = Files.newBufferedWriter(properties(base))) {
            p.store(w, "compare cell");
        }
    }

    /** The cell a child wrote at {@code base}, if it wrote one. */
    static Optional<CellResult> readRaw(Path base) throws IOException {
        if (!Files.exists(properties(base)) || !Files.exists(hlog(base))) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(properties(base))) {
            p.load(r);
        }
        Histogram alloc = null;
        Histogram free = null;
        Histogram batched = null;
        HistogramLogReader reader = new HistogramLogReader(hlog(base).toFile());
        try {
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                if (ALLOC.equals(h.getTag())) {
                    alloc = (Histogram) h;
                } else if (FREE.equals(h.getTag())) {
                    free = (Histogram) h;
                } else if (BATCHED.equals(h.getTag())) {
                    batched = (Histogram) h;
                }
            }
        } finally {
            reader.close();
        }
        if (alloc == null || free == null || batched == null) {
            return Optional.empty();
        }
        Calibration timer = new Calibration(
                p.getProperty("timer.clock"),
                Double.parseDouble(p.getProperty("timer.nsPerTick")),
                Double.parseDouble(p.getProperty("timer.floorNs")),
                Double.parseDouble(p.getProperty("timer.resolutionNs")));
        return Optional.of(new CellResult(
                p.getProperty("workload"),
                p.getProperty("id"),
                p.getProperty("name"),
                Integer.parseInt(p.getProperty("threads")),
                Integer.parseInt(p.getProperty("round")),
                alloc,
                free,
                batched,
                Double.parseDouble(p.getProperty("opsPerSecond")),
                Long.parseLong(p.getProperty("threadsStarted")),
                Integer.parseInt(p.getProperty("carriers")),
                timer));
    }

    private static Path hlog(Path base) {
        return base.resolveSibling(base.getFileName() + ".hlog");
    }

    private static Path properties(Path base) {
        return base.resolveSibling(base.getFileName() + ".properties");
    }

    /** Percentile distributions of a row (all rounds merged), values in ns: all ops, allocations, frees. */
    static List<Path> writeHgrm(Path out, Summary.Row row) throws IOException {
        String base = row.workload().id() + "-" + row.id() + "-" + row.threads() + "t";
        List<Path> written = new ArrayList<>();
        written.add(hgrm(out.resolve(base + ".hgrm"), row.all()));
        written.add(hgrm(out.resolve(base + "-alloc.hgrm"), row.alloc()));
        written.add(hgrm(out.resolve(base + "-free.hgrm"), row.free()));
        return written;
    }

    private static Path hgrm(Path file, Histogram h) throws IOException {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
            h.outputPercentileDistribution(ps, 1.0);
        }
        return file;
    }

    /** One line per cell, in running order: what the medians were taken from. */
    static void writeRounds(Path file, List<CellResult> cells) throws IOException {
        StringBuilder sb = new StringBuilder(
                "workload,allocator,threads,round,ops_per_s,p50_ns,p99_ns,max_ns,threads_started,timer_floor_ns\n");
        for (CellResult c : cells) {
            Histogram all = c.all();
            sb.append(String.format(
                    Locale.ROOT,
                    "%s,%s,%d,%d,%.0f,%d,%d,%d,%d,%.2f%n",
                    c.workload(),
                    c.id(),
                    c.threads(),
                    c.round(),
                    c.opsPerSecond(),
                    all.getValueAtPercentile(50),
                    all.getValueAtPercentile(99),
                    all.getMaxValue(),
                    c.threadsStarted(),
                    c.timer().floorNs()));
        }
        Files.writeString(file, sb);
    }
}
