package dev.rseq.alloc.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.rseq.alloc.bench.workload.Workload;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundPlanTest {

    @Test
    void roundsRotateSoEveryAllocatorRunsEarlyAndLate() {
        List<String> ids = List.of("a", "b", "c", "d", "e", "f");
        assertEquals(ids, RoundPlan.order(ids, 1, 3));
        assertEquals(List.of("c", "d", "e", "f", "a", "b"), RoundPlan.order(ids, 2, 3));
        assertEquals(List.of("e", "f", "a", "b", "c", "d"), RoundPlan.order(ids, 3, 3));
        Set<String> firsts = new HashSet<>();
        for (int r = 1; r <= 3; r++) {
            firsts.add(RoundPlan.order(ids, r, 3).getFirst());
            assertEquals(Set.copyOf(ids), Set.copyOf(RoundPlan.order(ids, r, 3)), "each allocator once per round");
        }
        assertEquals(3, firsts.size(), "a different allocator opens each round");
    }

    @Test
    void twoAllocatorsAlternate() {
        List<String> ids = List.of("rseq", "malloc");
        assertEquals(List.of("rseq", "malloc"), RoundPlan.order(ids, 1, 3));
        assertEquals(List.of("malloc", "rseq"), RoundPlan.order(ids, 2, 3));
        assertEquals(List.of("rseq", "malloc"), RoundPlan.order(ids, 3, 3));
        assertNotEquals(RoundPlan.order(ids, 1, 2), RoundPlan.order(ids, 2, 2));
    }

    @Test
    void cellsCoverEveryCombinationRoundByRound() {
        List<RoundPlan.Cell> cells =
                RoundPlan.cells(List.of(Workload.LARSON, Workload.PAIR), List.of("a", "b", "c"), List.of(1, 2), 3);
        assertEquals(2 * 3 * 3 * 2, cells.size());
        assertEquals(new RoundPlan.Cell(Workload.LARSON, 1, 1, "a"), cells.getFirst());
        assertEquals(new RoundPlan.Cell(Workload.LARSON, 2, 1, "b"), cells.get(6), "round 2 starts one further");
        assertEquals(Workload.PAIR, cells.getLast().workload());
        assertEquals(cells.size(), new HashSet<>(cells).size(), "no cell twice");
    }
}
