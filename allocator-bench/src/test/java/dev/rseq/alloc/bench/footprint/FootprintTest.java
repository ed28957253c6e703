package dev.rseq.alloc.bench.footprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.bench.Main;
import dev.rseq.alloc.bench.peer.Peers;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class FootprintTest {

    @Test
    void readsVmRss() {
        assertEquals(123 * 1024L, ProcessMemory.parseRss("Name:\tjava\nVmPeak:\t 999 kB\nVmRSS:\t     123 kB\n"));
        assertTrue(ProcessMemory.rss() > 0);
    }

    @Test
    void phasesRoundTrip() {
        Phase v = Phase.parse(new Phase(true, 1_000_000).code());
        assertTrue(v.virtual());
        assertEquals(1_000_000, v.threads());
        assertEquals("100 platform", new Phase(false, 100).label());
    }

    @Test
    void probeRunsThreadsOfBothKindsAndResultsSurviveTheChildHandOver() throws Exception {
        FootprintResult platform = FootprintProbe.run(Peers.byId("netty-pooled"), new Phase(false, 4), 8, 64);
        FootprintResult virtual = FootprintProbe.run(Peers.byId("malloc"), new Phase(true, 50), 8, 64);
        assertTrue(platform.heldAlive() >= 0, "netty reports what it holds");
        assertTrue(virtual.rssAlive() > 0);
        Properties p = virtual.toProperties();
        assertEquals(virtual, FootprintResult.fromProperties(p));
        String table = FootprintCommand.table(List.of(platform, virtual));
        assertTrue(table.contains("netty-pooled") && table.contains("50 virtual"), table);
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, Main.run("footprint", "--platform", "x"));
        assertEquals(2, Main.run("footprint", "--nope"));
        assertEquals(2, Main.run("footprint", "--virtual", "-1"));
    }
}
