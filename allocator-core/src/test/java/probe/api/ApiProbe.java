package probe.api;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.PerCpuArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

/**
 * Child main of ModulePathTest: class-path code using allocator-core as the named module
 * {@code dev.rseq.alloc}, through its exported API only. Prints one line of facts.
 */
public final class ApiProbe {
    private ApiProbe() {}

    public static void main(String[] args) throws Exception {
        Module core = PerCpuAllocator.class.getModule();
        boolean internalHidden = !core.isExported("dev.rseq.alloc.frontend") && !core.isExported("dev.rseq.alloc.rseq");
        Path jfr = Files.createTempFile("probe", ".jfr");
        int events;
        long inUse;
        try (Recording r = new Recording()) {
            r.enable("dev.rseq.alloc.ThreadCacheRefill").withThreshold(java.time.Duration.ZERO);
            r.start();
            try (PerCpuAllocator a = PerCpuAllocator.builder().build()) {
                long p = a.allocate(64);
                a.free(p, 64);
                try (PerCpuArena arena = a.newConfinedArena()) {
                    MemorySegment s = arena.allocate(ValueLayout.JAVA_LONG, 4);
                    s.set(ValueLayout.JAVA_LONG, 0, 42);
                }
                String json = a.stats().toJson();
                inUse = a.stats().bytesInUse();
                if (!json.startsWith("{")) {
                    throw new AssertionError(json);
                }
            }
            r.stop();
            r.dump(jfr);
            events = RecordingFile.readAllEvents(jfr).size();
        }
        Files.delete(jfr);
        System.out.println(
                "PROBE {\"module\":\"" + core.getName() + "\",\"named\":" + core.isNamed() + ",\"internalHidden\":"
                        + internalHidden + ",\"bytesInUse\":" + inUse + ",\"jfrEvents\":" + events + "}");
    }
}
