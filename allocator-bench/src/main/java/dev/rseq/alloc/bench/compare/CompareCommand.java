package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.ChildJvm;
import dev.rseq.alloc.bench.Progress;
import dev.rseq.alloc.bench.cli.UsageException;
import dev.rseq.alloc.bench.peer.Availability;
import dev.rseq.alloc.bench.peer.Peer;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.bench.report.PercentilePlot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** {@code compare}: runs the rows, prints the tables, writes .hgrm files and the plot. */
public final class CompareCommand {

    private CompareCommand() {
    }

    public static int run(String[] args) {
        if (CompareOptions.wantsHelp(args)) {
            System.out.print(CompareOptions.usage());
            return 0;
        }
        CompareOptions options;
        try {
            options = CompareOptions.parse(args);
        } catch (UsageException | IllegalArgumentException e) {
            System.err.println("compare: " + e.getMessage());
            System.err.println("try: compare --help");
            return 2;
        }
        try {
            return options.childOut() != null ? runChild(options) : runParent(options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** In a child JVM: run the single allocator and leave the raw rows for the parent. */
    private static int runChild(CompareOptions options) throws IOException, InterruptedException {
        Peer peer = Peers.byId(options.allocators().getFirst());
        for (RunResult r : AllocatorRun.run(peer, options, new Progress())) {
            ResultFiles.writeRaw(options.childOut(), r);
        }
        return 0;
    }

    private static int runParent(CompareOptions options) throws IOException, InterruptedException {
        Progress progress = new Progress();
        // Read before any row runs, while this JVM is the only thing it is doing.
        TimerCost timer = TimerCost.measure();
        List<String> notes = new ArrayList<>();
        List<RunResult> results = new ArrayList<>();
        Path raw = Files.createTempDirectory("compare-raw");
        try {
            int n = 0;
            for (String id : options.allocators()) {
                n++;
                Peer peer = Peers.byId(id);
                Availability a = peer.availability();
                if (!a.available()) {
                    notes.add(a.message());
                    progress.done(String.format("[%d/%d] %s", n, options.allocators().size(), a.message()));
                    continue;
                }
                progress.done(String.format("[%d/%d] %s", n, options.allocators().size(), id));
                if (options.inProcess()) {
                    try {
                        results.addAll(AllocatorRun.run(peer, options, progress));
                    } catch (RuntimeException e) {
                        notes.add(id + " failed: " + e.getMessage());
                    }
                } else {
                    int status = ChildJvm.run(options.childArgs(id, raw));
                    List<RunResult> rows = ResultFiles.readRaw(raw, id, options.threads());
                    if (status != 0 || rows.size() != options.threads().size()) {
                        notes.add(id + " failed in its child JVM (exit status " + status + "), see its output above");
                    }
                    results.addAll(rows);
                }
            }
        } finally {
            deleteTree(raw);
        }
        if (results.isEmpty()) {
            System.err.println("compare: no allocator produced results");
            notes.forEach(System.err::println);
            return 1;
        }
        String reference = results.getFirst().id();
        String referenceName = results.getFirst().name();
        StringBuilder report = new StringBuilder();
        report.append(CompareReport.header(options, timer)).append('\n');
        report.append(CompareReport.absolute(results)).append('\n');
        report.append("Ratio to ").append(referenceName)
                .append(" at the same thread count (latency: above 1 is slower than ").append(referenceName)
                .append("; ops/s: above 1 is faster):\n");
        report.append(CompareReport.ratios(results, reference));
        if (!notes.isEmpty()) {
            report.append('\n');
            notes.forEach(note -> report.append(note).append('\n'));
        }
        Files.createDirectories(options.out());
        for (RunResult r : results) {
            ResultFiles.writeHgrm(options.out(), r);
        }
        List<PercentilePlot.Series> series = new ArrayList<>();
        for (RunResult r : CompareReport.ordered(results)) {
            series.add(new PercentilePlot.Series(r.name(), r.threads() + (r.threads() == 1 ? " thread" : " threads"),
                    r.all(), r.id().equals(reference)));
        }
        Path svg = options.out().resolve("latency.svg");
        PercentilePlot.write(svg, "allocate/free latency by percentile, sizes '" + options.sizes().name() + "'",
                series);
        Files.writeString(options.out().resolve("summary.txt"), report);
        System.out.print(report);
        System.out.println();
        System.out.println("wrote " + options.out().resolve("summary.txt") + ", " + svg + " and "
                + results.size() * 3 + " .hgrm files (values in ns) to " + options.out());
        return 0;
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
