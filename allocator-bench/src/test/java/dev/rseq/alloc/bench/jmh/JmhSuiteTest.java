package dev.rseq.alloc.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.peer.Peer;
import dev.rseq.alloc.bench.peer.Peers;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;

class JmhSuiteTest {

    private static List<String> param(Class<?> type, String field) throws NoSuchFieldException {
        return List.of(type.getField(field).getAnnotation(Param.class).value());
    }

    @Test
    void allocatorParamsListTheWholeCatalog() throws Exception {
        assertEquals(Peers.ids(), param(AllocatorState.class, "allocator"));
        List<String> crossThread = Peers.all().stream()
                .filter(Peer::crossThreadFree)
                .map(Peer::id)
                .filter(id -> !id.equals("baseline") && !id.equals("floor"))
                .toList();
        assertEquals(crossThread, param(ProducerConsumerBenchmark.Channel.class, "crossThreadAllocator"));
    }

    @Test
    void commandDefaultsToAvailableAllocatorsAndAddsJvmOptions() throws Exception {
        Options o = JmhCommand.options(new CommandLineOptions("-jvmArgsAppend", "-Xmx1g", "AllocFree"))
                .build();
        assertEquals(
                Peers.availableIds(false),
                List.copyOf(o.getParameter("allocator").get()));
        List<String> jvm = List.copyOf(o.getJvmArgsAppend().get());
        assertTrue(jvm.contains("-Xmx1g") && jvm.contains("--enable-native-access=ALL-UNNAMED"), jvm.toString());

        Options given = JmhCommand.options(new CommandLineOptions("-p", "allocator=malloc"))
                .build();
        assertEquals(
                List.of("malloc"), List.copyOf(given.getParameter("allocator").get()));
    }

    @Test
    void ringHandsSlotsOverInOrderAndNeverReusesALiveOne() {
        SpscSlots ring = new SpscSlots(4);
        assertEquals(-1, ring.poll());
        for (int i = 0; i < 4; i++) {
            int slot = ring.claim();
            assertEquals(i, slot);
            ring.publish(slot, 100 + i, 8 * i);
        }
        assertEquals(-1, ring.claim(), "full");
        int slot = ring.poll();
        assertEquals(0, slot);
        assertEquals(100, ring.address(slot));
        assertEquals(-1, ring.claim(), "not released yet");
        ring.release();
        assertEquals(0, ring.claim());
        assertEquals(1, ring.poll());
        assertEquals(8, ring.size(1));
    }
}
