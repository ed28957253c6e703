package dev.rseq.alloc.bench;

import dev.rseq.alloc.HugePages;
import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.bench.cli.ManifestVersion;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * Transparent huge pages, measured: for each {@link HugePages} setting a fresh
 * allocator takes 256 MiB in 4 KiB blocks and writes one word of each (first touch, where
 * page faults dominate), then reads one word of each block in a scattered order five times
 * (where TLB reach dominates), and reports the growth of AnonHugePages in
 * /proc/self/smaps_rollup. Two rounds, so the second shows a warm JIT.
 */
@Command(
        name = "hugepages",
        mixinStandardHelpOptions = true,
        versionProvider = ManifestVersion.class,
        description = {
            "First-touch and scattered-read cost of each transparent-huge-page setting (about 10 s).",
            "",
            "For each hugePages setting of the allocator: take 256 MiB in 4 KiB blocks writing one word of each,"
                    + " then read one word of each block in a scattered order five times, and report the growth"
                    + " of AnonHugePages. Two rounds; the second runs with a warm JIT.",
            ""
        })
public final class HugePagesCommand implements Callable<Integer> {
    private static final long BYTES = 256L << 20;
    private static final int BLOCK = 4096;

    @Override
    public Integer call() {
        System.out.println("THP mode of this machine: " + readOrUnknown("/sys/kernel/mm/transparent_hugepage/enabled"));
        System.out.printf(
                "%-15s %5s %16s %18s %20s%n",
                "hugePages", "round", "first touch (ms)", "5 scattered (ms)", "AnonHugePages (kB)");
        for (int round = 1; round <= 2; round++) {
            for (HugePages mode : HugePages.values()) {
                measure(mode, round);
            }
        }
        return 0;
    }

    private static void measure(HugePages mode, int round) {
        long before = anonHugePagesKb();
        try (PerCpuAllocator allocator = PerCpuAllocator.builder()
                .hugePages(mode)
                .maintenanceInterval(null)
                .build()) {
            int n = (int) (BYTES / BLOCK);
            long[] blocks = new long[n];
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                blocks[i] = allocator.allocate(BLOCK);
                word(blocks[i]).set(ValueLayout.JAVA_LONG, 0, i);
            }
            long t1 = System.nanoTime();
            long sum = 0;
            for (int pass = 0; pass < 5; pass++) {
                for (int i = 0; i < n; i++) {
                    sum += word(blocks[(int) ((i * 7919L) % n)]).get(ValueLayout.JAVA_LONG, 0);
                }
            }
            long t2 = System.nanoTime();
            long grown = anonHugePagesKb() - before;
            if (sum != 5L * n * (n - 1) / 2) {
                throw new IllegalStateException("block contents changed");
            }
            System.out.printf("%-15s %5d %16.1f %18.1f %20d%n", mode, round, (t1 - t0) / 1e6, (t2 - t1) / 1e6, grown);
            for (long p : blocks) {
                allocator.free(p, BLOCK);
            }
        }
    }

    private static MemorySegment word(long address) {
        return MemorySegment.ofAddress(address).reinterpret(Long.BYTES);
    }

    private static long anonHugePagesKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
                if (line.startsWith("AnonHugePages:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static String readOrUnknown(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
