package dev.rseq.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** What a user watching the allocator sees: per-class stats, JSON, the MBean and JFR events. */
class ObservabilityTest {
    private static PerCpuAllocator open() {
        return PerCpuAllocator.builder().maintenanceInterval(null).build();
    }

    /** Allocates and frees enough 64 B blocks to miss, grow, hit and spill. */
    private static void churn(PerCpuAllocator a, long size, int n) {
        long[] b = new long[n];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < n; i++) {
                b[i] = a.allocate(size);
            }
            for (int i = 0; i < n; i++) {
                a.free(b[i], size);
            }
        }
    }

    @Test
    void perClassFiguresSayWhereOperationsWent() {
        try (PerCpuAllocator a = open()) {
            churn(a, 64, 5000);
            long held = a.allocate(64);
            AllocatorStats s = a.stats();
            ClassStats c = s.classOfSize(64);
            assertNotNull(c);
            assertEquals(64, c.size());
            assertEquals(1, c.objectsInUse());
            assertTrue(c.threadCacheHits() > 0, c.toString());
            assertTrue(c.threadCacheRefills() > 0 && c.threadCacheSpills() > 0, c.toString());
            assertTrue(c.threadCacheHitRate() > 0.5, c.toString());
            assertTrue(c.spans() > 0);
            assertEquals(
                    s.threadCacheHits(),
                    s.classes().stream().mapToLong(ClassStats::threadCacheHits).sum());
            assertTrue(s.toString().contains("tc hits"), s.toString());
            a.free(held, 64);
        }
    }

    @Test
    void jsonCarriesEveryRecordComponentAndEveryClass() {
        try (PerCpuAllocator a = open()) {
            churn(a, 100, 1000);
            AllocatorStats s = a.stats();
            String json = s.toJson();
            assertTrue(json.startsWith("{") && json.endsWith("}"), json);
            for (var rc : AllocatorStats.class.getRecordComponents()) {
                assertTrue(json.contains("\"" + rc.getName() + "\":"), rc.getName());
            }
            for (var rc : ClassStats.class.getRecordComponents()) {
                assertTrue(json.contains("\"" + rc.getName() + "\":"), rc.getName());
            }
            Matcher m = Pattern.compile("\"sizeClass\":(\\d+)").matcher(json);
            int classes = 0;
            while (m.find()) {
                classes++;
            }
            assertEquals(s.classes().size(), classes);
            assertTrue(json.contains("\"bytesInUse\":" + s.bytesInUse() + ","), "numbers as numbers");
            assertFalse(json.contains("NaN"), "no non-JSON numbers");
            assertEquals(count(json, '{'), count(json, '}'));
            assertEquals(count(json, '['), count(json, ']'));
        }
    }

    private static long count(String s, char ch) {
        return s.chars().filter(x -> x == ch).count();
    }

    @Test
    void theMBeanReportsTheSameFiguresAndGoesAwayWithTheAllocator() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        PerCpuAllocator a = open();
        ObjectName name = a.registerMBean("observability-test");
        assertTrue(server.isRegistered(name));
        long p = a.allocate(1000);
        assertEquals(a.stats().bytesInUse(), server.getAttribute(name, "BytesInUse"));
        assertEquals(a.stats().threadCaches(), server.getAttribute(name, "ThreadCaches"));
        String json = (String) server.getAttribute(name, "StatsJson");
        assertTrue(json.contains("\"classes\":["), json);
        a.free(p);
        Object released = server.invoke(name, "releaseMemory", new Object[0], new String[0]);
        assertTrue(released instanceof Long);
        a.close();
        assertFalse(server.isRegistered(name), "close() unregisters the MBean");
    }

    @Test
    void slowPathsShowUpAsJfrEvents() throws Exception {
        Path file = Files.createTempFile("rseqalloc", ".jfr");
        try (Recording r = new Recording()) {
            for (String e : List.of(
                    "dev.rseq.alloc.ThreadCacheRefill",
                    "dev.rseq.alloc.ThreadCacheSpill",
                    "dev.rseq.alloc.CentralTransfer",
                    "dev.rseq.alloc.OsMemory")) {
                r.enable(e).withThreshold(java.time.Duration.ZERO);
            }
            r.start();
            try (PerCpuAllocator a = open()) {
                churn(a, 64, 5000);
                a.free(a.allocate(100L << 20)); // a dedicated mapping
                a.releaseMemory();
            }
            r.stop();
            r.dump(file);
        }
        Map<String, Integer> seen = new TreeMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            seen.merge(e.getEventType().getName(), 1, Integer::sum);
            if (e.getEventType().getName().equals("dev.rseq.alloc.ThreadCacheRefill")) {
                assertEquals(64, e.getLong("blockSize"));
                assertTrue(e.getInt("blocks") > 0);
            }
        }
        Files.delete(file);
        for (String e : List.of(
                "dev.rseq.alloc.ThreadCacheRefill",
                "dev.rseq.alloc.ThreadCacheSpill",
                "dev.rseq.alloc.CentralTransfer",
                "dev.rseq.alloc.OsMemory")) {
            assertTrue(seen.getOrDefault(e, 0) > 0, e + " not recorded: " + seen);
        }
    }
}
