package dev.rseq.alloc.bench.footprint;

import dev.rseq.alloc.bench.ChildJvm;
import dev.rseq.alloc.bench.Progress;
import dev.rseq.alloc.bench.cli.Converters.AllocatorId;
import dev.rseq.alloc.bench.cli.Converters.PositiveInt;
import dev.rseq.alloc.bench.cli.Converters.PositiveLong;
import dev.rseq.alloc.bench.cli.ManifestVersion;
import dev.rseq.alloc.bench.peer.Availability;
import dev.rseq.alloc.bench.peer.Peer;
import dev.rseq.alloc.bench.peer.Peers;
import dev.rseq.alloc.bench.report.Fmt;
import dev.rseq.alloc.bench.report.TextTable;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * {@code footprint}: how much memory each allocator holds once many threads have used it.
 * Each (allocator, phase) runs in a fresh JVM so no phase inherits another's caches or RSS.
 */
@Command(
        name = "footprint",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        sortOptions = false,
        description = {
            "Memory each allocator holds after many platform and virtual threads each allocated and"
                    + " freed a working set.",
            "",
            "For each allocator and each phase, in a fresh JVM: start N threads (all alive at once); each allocates"
                    + " --blocks blocks of --size bytes and frees them; then, while they are still alive, read the"
                    + " allocator's own statistic (\"held\") and the process RSS (VmRSS); then let the threads exit and"
                    + " read both again. \"held\" is each allocator's own figure and each counts differently (see the"
                    + " notes under the table). RSS deltas are from the JVM's RSS after the allocator was opened and"
                    + " include thread stacks and the JVM's own per-thread memory, which are the same for every"
                    + " allocator; compare rows, not absolute values.",
            ""
        },
        footer = {
            "",
            "The defaults keep the run under a minute on a 2-core machine. The full scale,",
            "  footprint --platform 1,100,10000 --virtual 1000000",
            "takes several minutes: creating, parking and joining threads dominates."
        })
public final class FootprintCommand implements Callable<Integer> {

    @Option(
            names = "--allocators",
            split = ",",
            paramLabel = "ID",
            converter = AllocatorId.class,
            defaultValue = Peers.FOOTPRINT_DEFAULT_SPEC,
            description = "ids (default ${DEFAULT-VALUE})")
    List<String> allocators;

    @Option(
            names = "--platform",
            split = ",",
            paramLabel = "N",
            converter = PositiveInt.class,
            defaultValue = "1,100,1000",
            description = "platform thread counts (default ${DEFAULT-VALUE})")
    List<Integer> platform;

    @Option(
            names = "--virtual",
            split = ",",
            paramLabel = "N",
            converter = CountOrNone.class,
            defaultValue = "100000",
            description = "virtual thread counts (default ${DEFAULT-VALUE}; 0 or none skips)")
    List<Integer> virtual;

    @Option(
            names = "--blocks",
            paramLabel = "N",
            converter = PositiveInt.class,
            defaultValue = "32",
            description = "blocks per thread (default ${DEFAULT-VALUE})")
    int blocks;

    @Option(
            names = "--size",
            paramLabel = "BYTES",
            converter = PositiveLong.class,
            defaultValue = "64",
            description = "block size in bytes (default ${DEFAULT-VALUE})")
    long size;

    @Option(names = "--in-process", description = "run every phase in this JVM (faster, less isolated)")
    boolean inProcess;

    /** Set only in a child JVM: the phase to run, and where to write its result. */
    @Option(names = "--child-phase", hidden = true)
    String childPhase;

    @Option(names = "--child-out", hidden = true)
    Path childOut;

    /** A thread count, where 0 or "none" means no phase. */
    static final class CountOrNone implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return value.trim().equals("none") || value.trim().equals("0") ? 0 : new PositiveInt().convert(value);
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (childPhase != null) {
            return runChild(
                    Peers.byId(allocators.getFirst()),
                    Phase.parse(childPhase),
                    blocks,
                    size,
                    childOut != null ? childOut : Path.of("footprint.properties"));
        }
        List<Phase> phases = new ArrayList<>();
        for (int n : platform) {
            phases.add(new Phase(false, n));
        }
        for (int n : virtual) {
            if (n > 0) {
                phases.add(new Phase(true, n));
            }
        }
        return runParent(allocators, phases, blocks, size, inProcess);
    }

    private static int runChild(Peer peer, Phase phase, int blocks, long size, Path out)
            throws IOException, InterruptedException {
        FootprintResult r = FootprintProbe.run(peer, phase, blocks, size);
        try (Writer w = Files.newBufferedWriter(out)) {
            r.toProperties().store(w, "footprint phase");
        }
        return 0;
    }

    private static int runParent(List<String> allocators, List<Phase> phases, int blocks, long size, boolean inProcess)
            throws IOException, InterruptedException {
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
                    FootprintResult r = inProcess
                            ? FootprintProbe.run(peer, phase, blocks, size)
                            : inChild(id, phase, blocks, size, tmp);
                    if (r == null) {
                        notes.add(id + " " + phase.label() + " failed in its child JVM, see its output above");
                        continue;
                    }
                    results.add(r);
                    progress.done(
                            String.format(Locale.ROOT, "%s: %s threads done in %.1fs", id, phase.label(), r.seconds()));
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        System.out.println(String.format(
                Locale.ROOT,
                "Footprint: each thread allocates and frees %d blocks of %d B; threads of a phase are all alive at"
                        + " the first reading.",
                blocks,
                size));
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
        int status = ChildJvm.run(List.of(
                "footprint",
                "--allocators",
                id,
                "--child-phase",
                phase.code(),
                "--blocks",
                Integer.toString(blocks),
                "--size",
                Long.toString(size),
                "--child-out",
                out.toString()));
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
        TextTable table = new TextTable(
                "allocator",
                "threads",
                "held (alive)",
                "cached (alive)",
                "RSS delta (alive)",
                "held (exited)",
                "cached (exited)",
                "RSS delta (exited)",
                "seconds");
        for (FootprintResult r : results) {
            table.addRow(
                    r.name(),
                    r.phase().label(),
                    orDash(r.heldAlive()),
                    orDash(r.cachedAlive()),
                    Fmt.bytes(r.rssAlive() - r.rssBase()),
                    orDash(r.heldAfter()),
                    orDash(r.cachedAfter()),
                    Fmt.bytes(r.rssAfter() - r.rssBase()),
                    String.format(Locale.ROOT, "%.1f", r.seconds()));
        }
        return table.render();
    }
}
