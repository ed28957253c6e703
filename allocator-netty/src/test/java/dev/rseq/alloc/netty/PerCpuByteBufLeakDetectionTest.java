package dev.rseq.alloc.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A buffer dropped without release() is reported by Netty's ResourceLeakDetector, as Netty's own buffers are. */
class PerCpuByteBufLeakDetectionTest {
    private static final long DEADLINE_NANOS = 30_000_000_000L;

    private final PerCpuAllocator allocator = PerCpuAllocator.builder().build();
    private final PerCpuByteBufAllocator alloc = TestAllocators.dedicated(allocator, true);
    private final List<String> leaks = new CopyOnWriteArrayList<>();
    private ResourceLeakDetector.Level before;

    @BeforeEach
    void paranoid() {
        before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ByteBufUtil.setLeakListener((type, records) -> leaks.add(type + "\n" + records));
    }

    @AfterEach
    void restore() {
        ByteBufUtil.setLeakListener(null);
        ResourceLeakDetector.setLevel(before);
        allocator.close();
    }

    @Test
    void anUnreleasedBufferIsReported() throws InterruptedException {
        leakOne();
        long start = System.nanoTime();
        // The detector reports when it tracks a later buffer after the leaked one was collected.
        while (leaks.stream().noneMatch(r -> r.contains("leakOne")) && System.nanoTime() - start < DEADLINE_NANOS) {
            System.gc();
            Thread.sleep(10);
            alloc.directBuffer(16).release();
        }
        String report = leaks.stream()
                .filter(r -> r.contains("leakOne"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no leak reported in 30 s; reports: " + leaks));
        assertTrue(report.startsWith("ByteBuf"), report);
        assertTrue(
                report.contains(PerCpuByteBufAllocator.class.getName()),
                "the record shows where it was allocated:\n" + report);
        assertEquals(64, allocator.stats().bytesInUse(), "a leaked buffer's block is never freed (no cleaner)");
    }

    @Test
    void aReleasedBufferIsNotReported() throws InterruptedException {
        ByteBuf buf = alloc.directBuffer(64);
        buf.writeLong(1);
        buf.release();
        buf = null;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(10);
            alloc.directBuffer(16).release();
        }
        assertEquals(List.of(), leaks);
    }

    private void leakOne() {
        ByteBuf buf = alloc.directBuffer(64);
        buf.writeLong(42);
        // dropped without release()
    }
}
