package dev.rseq.alloc.bench.compare;

import dev.rseq.alloc.bench.cli.UsageException;
import dev.rseq.alloc.bench.peer.Peers;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompareOptionsTest {

    @Test
    void defaultsAreBoundedAndStartWithOurAllocator() {
        CompareOptions o = CompareOptions.parse(new String[0]);
        assertEquals(Peers.COMPARE_DEFAULT, o.allocators());
        assertEquals("rseq", o.allocators().getFirst());
        assertEquals(List.of(1, 2), o.threads());
        assertEquals("mixed", o.sizes().name());
        assertEquals(Path.of("bench-results"), o.out());
        assertEquals(0, o.rate());
        assertNull(o.childOut());
        // Rows x thread counts x per-row time must fit the "well under 2 minutes" promise.
        Duration perRow = o.warmup().plus(o.duration()).plus(o.throughput());
        assertTrue(perRow.multipliedBy((long) o.allocators().size() * o.threads().size()).toSeconds() <= 90);
    }

    @Test
    void everyOption() {
        CompareOptions o = CompareOptions.parse(new String[]{"--allocators", "malloc,rseq", "--sizes", "16,64",
            "--threads", "2", "--duration=5s", "--warmup", "2s", "--throughput", "500ms", "--working-set", "64",
            "--rate", "100000", "--out", "x/y", "--seed", "9", "--in-process"});
        assertEquals(List.of("malloc", "rseq"), o.allocators());
        assertEquals("16,64", o.sizes().name());
        assertEquals(List.of(2), o.threads());
        assertEquals(Duration.ofSeconds(5), o.duration());
        assertEquals(Duration.ofSeconds(2), o.warmup());
        assertEquals(Duration.ofMillis(500), o.throughput());
        assertEquals(64, o.workingSet());
        assertEquals(100_000, o.rate());
        assertEquals(Path.of("x/y"), o.out());
        assertEquals(9, o.seed());
        assertTrue(o.inProcess());
    }

    @Test
    void childArgumentsReproduceTheOptions() {
        CompareOptions o = CompareOptions.parse(new String[]{"--sizes", "large", "--threads", "1,2",
            "--duration", "1.5s", "--rate", "5000", "--seed", "3"});
        List<String> child = o.childArgs("tcmalloc", Path.of("/tmp/raw"));
        assertEquals("compare", child.getFirst());
        CompareOptions back = CompareOptions.parse(child.subList(1, child.size()).toArray(String[]::new));
        assertEquals(List.of("tcmalloc"), back.allocators());
        assertEquals(o.sizes().name(), back.sizes().name());
        assertEquals(o.threads(), back.threads());
        assertEquals(o.duration(), back.duration());
        assertEquals(o.warmup(), back.warmup());
        assertEquals(o.rate(), back.rate());
        assertEquals(o.seed(), back.seed());
        assertEquals(Path.of("/tmp/raw"), back.childOut());
    }

    @Test
    void badInput() {
        assertThrows(IllegalArgumentException.class, () -> CompareOptions.parse(new String[]{"--allocators", "nope"}));
        assertThrows(UsageException.class, () -> CompareOptions.parse(new String[]{"--duration", "forever"}));
        assertThrows(UsageException.class, () -> CompareOptions.parse(new String[]{"--threads", "0"}));
        assertThrows(UsageException.class, () -> CompareOptions.parse(new String[]{"--sizes", "gigantic"}));
        assertThrows(UsageException.class, () -> CompareOptions.parse(new String[]{"--what"}));
    }

    @Test
    void usageDocumentsTheTimingChoice() {
        String usage = CompareOptions.usage();
        assertTrue(usage.contains("System.nanoTime"));
        assertTrue(usage.contains("untimed"));
        assertTrue(usage.contains("coordinated-omission"));
        for (String id : Peers.ids()) {
            assertTrue(usage.contains(id), id);
        }
    }
}
