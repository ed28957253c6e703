package dev.rseq.alloc.bench.compare;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * How a child JVM hands its rows back: per row, an HdrHistogram log ({@code .hlog}, lossless
 * compressed histograms tagged alloc/free) and a properties file with the rest, and the
 * percentile distribution files ({@code .hgrm}) written for people.
 */
final class ResultFiles {
    private static final String ALLOC = "alloc";
    private static final String FREE = "free";

    private ResultFiles() {
    }

    static void writeRaw(Path dir, RunResult r) throws IOException {
        Files.createDirectories(dir);
        String base = r.id() + "-" + r.threads();
        Path log = dir.resolve(base + ".hlog");
        try (PrintStream out = new PrintStream(Files.newOutputStream(log), false, StandardCharsets.UTF_8)) {
            HistogramLogWriter writer = new HistogramLogWriter(out);
            writer.outputLogFormatVersion();
            writer.outputLegend();
            Histogram alloc = r.alloc().copy();
            alloc.setTag(ALLOC);
            writer.outputIntervalHistogram(alloc);
            Histogram free = r.free().copy();
            free.setTag(FREE);
            writer.outputIntervalHistogram(free);
        }
        Properties p = new Properties();
        p.setProperty("id", r.id());
        p.setProperty("name", r.name());
        p.setProperty("threads", Integer.toString(r.threads()));
        p.setProperty("opsPerSecond", Double.toString(r.opsPerSecond()));
        try (Writer w = Files.newBufferedWriter(dir.resolve(base + ".properties"))) {
            p.store(w, "compare row");
        }
    }

    /** The rows a child wrote for {@code id}, in thread-count order. */
    static List<RunResult> readRaw(Path dir, String id, List<Integer> threadCounts) throws IOException {
        List<RunResult> rows = new ArrayList<>();
        for (int threads : threadCounts) {
            String base = id + "-" + threads;
            Path props = dir.resolve(base + ".properties");
            Path log = dir.resolve(base + ".hlog");
            if (!Files.exists(props) || !Files.exists(log)) {
                continue;
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(props)) {
                p.load(r);
            }
            Histogram alloc = null;
            Histogram free = null;
            HistogramLogReader reader = new HistogramLogReader(log.toFile());
            try {
                EncodableHistogram h;
                while ((h = reader.nextIntervalHistogram()) != null) {
                    if (ALLOC.equals(h.getTag())) {
                        alloc = (Histogram) h;
                    } else if (FREE.equals(h.getTag())) {
                        free = (Histogram) h;
                    }
                }
            } finally {
                reader.close();
            }
            if (alloc != null && free != null) {
                rows.add(new RunResult(id, p.getProperty("name"), threads, alloc, free,
                        Double.parseDouble(p.getProperty("opsPerSecond"))));
            }
        }
        return rows;
    }

    /** Percentile distributions, values in ns: all ops, allocations, frees. */
    static List<Path> writeHgrm(Path out, RunResult r) throws IOException {
        String base = r.id() + "-" + r.threads() + "t";
        List<Path> written = new ArrayList<>();
        written.add(hgrm(out.resolve(base + ".hgrm"), r.all()));
        written.add(hgrm(out.resolve(base + "-alloc.hgrm"), r.alloc()));
        written.add(hgrm(out.resolve(base + "-free.hgrm"), r.free()));
        return written;
    }

    private static Path hgrm(Path file, Histogram h) throws IOException {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
            h.outputPercentileDistribution(ps, 1.0);
        }
        return file;
    }
}
