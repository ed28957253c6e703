package dev.rseq.alloc.bench.footprint;

import dev.rseq.alloc.bench.ChildJvm;
import dev.rseq.alloc.bench.Progress;
import dev.rseq.alloc.bench.cli.Args;
import dev.rseq.alloc.bench.cli.UsageException;
import dev.rseq.alloc.bench.peer.Availability;
import dev.rseq.alloc.bench.peer.Peer;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.bench.report.Fmt;
import dev.rseq.alloc.bench.report.TextTable;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * {@code footprint}: how much memory each allocator holds once many threads have used it.
 * Each (allocator, phase) runs in a fresh JVM so no phase inherits another's caches or RSS.
 */
public final class FootprintCommand {
    private static final Set<String> VALUED = Set.of("allocators", "platform", "virtual", "blocks", "size",
            "child-phase", "child-out");
    private static final Set<String> FLAGS = Set.of("help", "in-process");
    /** Bounded so the default run stays under a minute on 2 cores; --platform/--virtual scale up. */
    static final List<Integer> DEFAULT_PLATFORM = List.of(1, 100, 1000);
    static final List<Integer> DEFAULT_VIRTUAL = List.of(100_000);

    private FootprintCommand() {
    }

    static String usage() {
        return """
                usage: allocator-bench footprint [options]

                For each allocator and each phase, in a fresh JVM: start N threads (all alive
                at once); each allocates --blocks blocks of --size bytes and frees them; then,
                while they are still alive, read the allocator's own statistic ("held") and the
                process RSS (VmRSS); then let the threads exit and read both again.
                "held" is each allocator's own figure and each counts differently (see the notes
                under the table). RSS deltas are from the JVM's RSS after the allocator was
                opened and include thread stacks and the JVM's own per-thread memory, which are
                the same for every allocator; compare rows, not absolute values.

                Options:
                  --allocators a,b    ids (default %s)
                  --platform N,...    platform thread counts (default 1,100,1000)
                  --virtual N,...     virtual thread counts (default 100000; 0 or "none" skips)
                  --blocks N          blocks per thread (default 32)
                  --size N            block size in bytes (default 64)
                  --in-process        run every phase in this JVM (faster, less isolated)
                  --help              this text

                The defaults keep the run under a minute on a 2-core machine. The full scale,
                  footprint --platform 1,100,10000 --virtual 1000000
                takes several minutes: creating, parking and joining threads dominates.
                """.formatted(String.join(",", Peers.FOOTPRINT_DEFAULT));
    }

    public static int run(String[] argv) {
        if (List.of(argv).contains("--help") || List.of(argv).contains("-h")) {
            System.out.print(usage());
            return 0;
        }
        try {
            Args a = Args.parse(argv, VALUED, FLAGS);
            List<String> allocators = a.list("allocators", Peers.FOOTPRINT_DEFAULT);
            allocators.forEach(Peers::byId);
            int blocks = a.integer("blocks", 32);
            long size = a.longValue("size", 64);
            if (a.has("child-phase")) {
                return runChild(Peers.byId(allocators.getFirst()), Phase.parse(a.string("child-phase", "")),
                        blocks, size, Path.of(a.string("child-out", "footprint.properties")));
            }
            List<Phase> phases = new ArrayList<>();
            for (int n : a.ints("platform", DEFAULT_PLATFORM)) {
                phases.add(new Phase(false, n));
            }
            boolean noVirtual = List.of("0", "none").contains(a.string("virtual", ""));
            for (int n : noVirtual ? List.<Integer>of() : a.ints("virtual", DEFAULT_VIRTUAL)) {
                phases.add(new Phase(true, n));
            }
            return runParent(allocators, phases, blocks, size, a.flag("in-process"));
        } catch (UsageException | IllegalArgumentException e) {
            System.err.println("footprint: " + e.getMessage());
            System.err.println("try: footprint --help");
            return 2;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private static int runChild(Peer peer, Phase phase, int blocks, long size, Path out)
            throws IOException, InterruptedException {
        FootprintResult r = FootprintProbe.run(peer, phase, blocks, size);
        try (Writer w = Files.newBufferedWriter(out)) {
            r.toProperties().store(w, "footprint phase");
        }
        return 0;
    }

    private static int runParent(List<String> allocators, List<Phase> phases, int blocks, long size,
                                 boolean inProcess) throws IOException, InterruptedException {
        Progress progress = new Progress();
        List<FootprintResult> results = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Path tmp = Files.createTempFile("footprint", ".properties");
        try {
            for (String id : allocators) {
                Peer peer = Peers.byId(id);
                Availability availability = peer.availability();
                if (!availability.available()) {
                    notes.add(availability.message());
                    progress.done(availability.message());
                    continue;
                }
                for (Phase phase : phases) {
                    progress.update(id + ": " + phase.label() + " threads");
                    FootprintResult r = inProcess ? FootprintProbe.run(peer, phase, blocks, size)
                            : inChild(id, phase, blocks, size, tmp);
                    if (r == null) {
                        notes.add(id + " " + phase.label() + " failed in its child JVM, see its output above");
                        continue;
                    }
                    results.add(r);
                    progress.done(String.format(Locale.ROOT, "%s: %s threads done in %.1fs",
                            id, phase.label(), r.seconds()));
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        System.out.println(String.format(Locale.ROOT,
                "Footprint: each thread allocates and frees %d blocks of %d B; threads of a phase are all alive at"
                        + " the first reading.", blocks, size));
        System.out.print(table(results));
        Map<String, String> what = new LinkedHashMap<>();
        for (FootprintResult r : results) {
            what.putIfAbsent(r.name(), r.heldWhat().isEmpty() ? "no statistic of its own: RSS only" : r.heldWhat());
        }
        System.out.println();
        System.out.println("held / cached = the allocator's own statistics ('-': it has none):");
        what.forEach((name, w) -> System.out.println("  " + name + ": " + w));
        notes.forEach(System.out::println);
        return 0;
    }

    private static FootprintResult inChild(String id, Phase phase, int blocks, long size, Path out)
            throws IOException, InterruptedException {
        Files.deleteIfExists(out);
        int status = ChildJvm.run(List.of("footprint", "--allocators", id, "--child-phase", phase.code(),
                "--blocks", Integer.toString(blocks), "--size", Long.toString(size), "--child-out", out.toString()));
        if (status != 0 || !Files.exists(out)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(out)) {
            p.load(r);
        }
        return FootprintResult.fromProperties(p);
    }

    private static String orDash(long bytes) {
        return bytes < 0 ? "-" : Fmt.bytes(bytes);
    }

    static String table(List<FootprintResult> results) {
        TextTable table = new TextTable("allocator", "threads", "held (alive)", "cached (alive)",
                "RSS delta (alive)", "held (exited)", "cached (exited)", "RSS delta (exited)", "seconds");
        for (FootprintResult r : results) {
            table.addRow(r.name(), r.phase().label(),
                    orDash(r.heldAlive()), orDash(r.cachedAlive()), Fmt.bytes(r.rssAlive() - r.rssBase()),
                    orDash(r.heldAfter()), orDash(r.cachedAfter()), Fmt.bytes(r.rssAfter() - r.rssBase()),
                    String.format(Locale.ROOT, "%.1f", r.seconds()));
        }
        return table.render();
    }
}
