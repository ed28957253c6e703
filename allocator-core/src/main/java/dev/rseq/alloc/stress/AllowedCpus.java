package dev.rseq.alloc.stress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cpus this process may run on, from {@code /proc/self/status} (a cgroup cpuset can
 * make them other than 0..n-1). Falls back to 0..availableProcessors()-1.
 */
final class AllowedCpus {
    private AllowedCpus() {
    }

    static int[] read() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parse(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        int n = Runtime.getRuntime().availableProcessors();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        return all;
    }

    /** Parses a cpu list such as {@code 0-3,8,10-11}. */
    static int[] parse(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.split(",")) {
            String[] range = part.trim().split("-");
            int lo = Integer.parseInt(range[0]);
            int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
            for (int c = lo; c <= hi; c++) {
                cpus.add(c);
            }
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }
}
