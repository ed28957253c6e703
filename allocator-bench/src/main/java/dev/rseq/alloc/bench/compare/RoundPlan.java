package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.workload.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * The order in which cells run. Per workload, round by round; within a round, per thread
 * count, every allocator once. Each round starts ⌈n / rounds⌉ allocators further down the
 * list than the previous one (rotated, wrapping around), so every allocator runs early in
 * one round and late in another: a machine that slows down or speeds up during the run
 * (another tenant, heat, a background job) does not always hit the same rows.
 */
final class RoundPlan {

    /** One cell to run. */
    record Cell(Workload workload, int round, int threads, String allocator) {}

    private RoundPlan() {}

    /** The allocators in the order round {@code round} (1-based) runs them. */
    static List<String> order(List<String> allocators, int round, int rounds) {
        int n = allocators.size();
        if (n == 0) {
            return List.of();
        }
        int step = Math.max(1, (n + rounds - 1) / rounds);
        int shift = (int) (((long) (round - 1) * step) % n);
        List<String> rotated = new ArrayList<>(allocators.subList(shift, n));
        rotated.addAll(allocators.subList(0, shift));
        return rotated;
    }

    /** Every cell, in running order. */
    static List<Cell> cells(List<Workload> workloads, List<String> allocators, List<Integer> threads, int rounds) {
        List<Cell> cells = new ArrayList<>();
        for (Workload w : workloads) {
            for (int r = 1; r <= rounds; r++) {
                List<String> order = order(allocators, r, rounds);
                for (int t : threads) {
                    for (String id : order) {
                        cells.add(new Cell(w, r, t, id));
                    }
                }
            }
        }
        return cells;
    }
}
