package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.ChildJvm;
import dev.rseq.alloc.bench.Progress;
import dev.rseq.alloc.bench.peer.Availability;
import dev.rseq.alloc.bench.peer.Peer;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.bench.report.Fmt;
import dev.rseq.alloc.bench.report.PercentilePlot;
import dev.rseq.alloc.bench.timer.Calibration;
import dev.rseq.alloc.bench.timer.Clock;
import dev.rseq.alloc.bench.workload.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * The parent side of {@code compare}: calibrates the timer, drops what cannot run here,
 * runs every cell of the plan (each in a child JVM unless --in-process), then writes the
 * report and the files.
 */
final class CompareSession {
    /** A child gets its phases plus this long to start, fill and drain before it is killed. */
    private static final Duration CHILD_SLACK = Duration.ofMinutes(2);

    private final CompareOptions options;
    private final Clock clock;
    private final String timerNote;
    private final Progress progress = new Progress();
    private final List<String> notes = new ArrayList<>();
    private final int cores = Runtime.getRuntime().availableProcessors();

    CompareSession(CompareOptions options, Clock clock, String timerNote) {
        this.options = options;
        this.clock = clock;
        this.timerNote = timerNote;
    }

    int run() throws IOException, InterruptedException {
        Calibration timer = Calibration.measure(clock);
        progress.done("timer " + timer.describe());
        List<RoundPlan.Cell> plan =
                runnable(RoundPlan.cells(options.workloads(), available(), options.threads(), options.rounds()));
        List<CellResult> results = new ArrayList<>();
        Path raw = Files.createTempDirectory("compare-raw");
        try {
            for (int k = 0; k < plan.size(); k++) {
                RoundPlan.Cell cell = plan.get(k);
                String label = String.format(
                        Locale.ROOT,
                        "[%d/%d] %s round %d/%d, %d thread%s, %s",
                        k + 1,
                        plan.size(),
                        cell.workload().id(),
                        cell.round(),
                        options.rounds(),
                        cell.threads(),
                        cell.threads() == 1 ? "" : "s",
                        cell.allocator());
                progress.update(label);
                Optional<CellResult> r =
                        options.inProcess() ? here(cell, timer, label) : inChild(cell, raw.resolve("cell-" + k), label);
                r.ifPresent(results::add);
                progress.done(label
                        + r.map(c -> ": " + Fmt.rate(c.opsPerSecond()) + " ops/s")
                                .orElse(": failed"));
            }
        } finally {
            deleteTree(raw);
        }
        if (results.isEmpty()) {
            System.err.println("compare: no allocator produced results");
            notes.forEach(System.err::println);
            return 1;
        }
        return report(timer, results);
    }

    /** The requested allocators that can run here; the others are named in the notes. */
    private List<String> available() {
        List<String> ids = new ArrayList<>();
        for (String id : options.allocators()) {
            Availability a = Peers.byId(id).availability();
            if (a.available()) {
                ids.add(id);
            } else {
                notes.add(a.message());
                progress.done(a.message());
            }
        }
        return ids;
    }

    /** Drops cells whose workload frees on another thread when the allocator cannot (confined arenas). */
    private List<RoundPlan.Cell> runnable(List<RoundPlan.Cell> cells) {
        List<RoundPlan.Cell> kept = new ArrayList<>();
        for (RoundPlan.Cell c : cells) {
            Peer peer = Peers.byId(c.allocator());
            if (c.workload().crossThreadFree() && !peer.crossThreadFree()) {
                String note = c.allocator() + " skipped in " + c.workload().id()
                        + ": it frees only on the allocating thread, and this workload frees on another";
                if (!notes.contains(note)) {
                    notes.add(note);
                }
            } else {
                kept.add(c);
            }
        }
        return kept;
    }

    private Optional<CellResult> here(RoundPlan.Cell cell, Calibration timer, String label)
            throws InterruptedException {
        try {
            return Optional.of(
                    Cells.runHere(cell.workload(), Peers.byId(cell.allocator()), cell.threads(), options, clock, timer)
                            .inRound(cell.round()));
        } catch (RuntimeException e) {
            notes.add(label + " failed: " + e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<CellResult> inChild(RoundPlan.Cell cell, Path base, String label)
            throws IOException, InterruptedException {
        Duration limit = options.phases()
                .warmup()
                .plus(options.phases().latency())
                .plus(options.phases().throughput())
                .plus(CHILD_SLACK);
        OptionalInt status = ChildJvm.run(
                CompareOptions.childJvmOptions(cell.workload(), cell.threads()),
                options.childArgs(cell.workload(), cell.allocator(), cell.threads(), base),
                limit);
        Optional<CellResult> r = ResultFiles.readRaw(base);
        if (status.isEmpty()) {
            notes.add(label + ": child JVM killed after " + limit.toSeconds() + " s");
        } else if (status.getAsInt() != 0 || r.isEmpty()) {
            notes.add(label + ": child JVM failed (exit status " + status.getAsInt() + "), see its output above");
            return Optional.empty();
        }
        return r.map(c -> c.inRound(cell.round()));
    }

    private int report(Calibration timer, List<CellResult> results) throws IOException {
        List<Summary.Row> rows = Summary.rows(results, options.allocators());
        StringBuilder text = new StringBuilder(CompareReport.header(options, timer, results, cores, timerNote));
        Path out = options.out();
        Files.createDirectories(out);
        List<Path> svgs = new ArrayList<>();
        for (Workload w : options.workloads()) {
            List<Summary.Row> mine =
                    rows.stream().filter(r -> r.workload() == w).toList();
            if (mine.isEmpty()) {
                continue;
            }
            text.append('\n').append(CompareReport.title(w, mine, options));
            text.append(CompareReport.table(mine, CompareReport.reference(mine), cores));
            svgs.add(plot(out, w, mine));
        }
        if (!notes.isEmpty()) {
            text.append('\n');
            notes.forEach(n -> text.append(n).append('\n'));
        }
        for (Summary.Row r : rows) {
            ResultFiles.writeHgrm(out, r);
        }
        ResultFiles.writeRounds(out.resolve("rounds.csv"), results);
        Files.writeString(out.resolve("summary.txt"), text);
        System.out.print(text);
        System.out.println();
        System.out.println("wrote " + out.resolve("summary.txt") + ", rounds.csv (every cell), "
                + String.join(
                        ", ", svgs.stream().map(p -> p.getFileName().toString()).toList()) + " and "
                + rows.size() * 3 + " .hgrm files (values in ns) to " + out);
        return 0;
    }

    private static Path plot(Path out, Workload w, List<Summary.Row> rows) throws IOException {
        String reference = CompareReport.reference(rows);
        List<PercentilePlot.Series> series = new ArrayList<>();
        for (Summary.Row r : rows) {
            series.add(new PercentilePlot.Series(
                    r.name(),
                    r.threads() + (r.threads() == 1 ? " thread" : " threads"),
                    r.all(),
                    r.id().equals(reference)));
        }
        Path svg = out.resolve("latency-" + w.id() + ".svg");
        PercentilePlot.write(svg, w.id() + ": allocate/free latency by percentile", series);
        return svg;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
