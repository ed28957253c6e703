package dev.rseq.alloc.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;

/**
 * The surefire runs are meant to cover both memory-access paths: the default one (JDK 25:
 * Netty without Unsafe, so MemorySegment access) and the netty-unsafe one, which sets
 * {@code rseqalloc.test.expectUnsafe}. This fails if a run silently tests the other path.
 */
class PerCpuByteBufVariantTest {

    @Test
    void accessPathFollowsNettysUseOfUnsafe() {
        boolean expected = Boolean.getBoolean("rseqalloc.test.expectUnsafe");
        assertEquals(
                expected, PlatformDependent.hasUnsafe(), "this run's JVM options decide whether Netty may use Unsafe");
        assertEquals(expected, RawMemory.UNSAFE);
        assertTrue(
                PerCpuByteBufAllocator.DEFAULT.toString().contains(expected ? "Unsafe" : "MemorySegment"),
                PerCpuByteBufAllocator.DEFAULT.toString());
        ByteBuf buf = PerCpuByteBufAllocator.DEFAULT.directBuffer(16);
        try {
            buf.writeLong(0x0102030405060708L).writeIntLE(0x0a0b0c0d);
            assertEquals(0x01, buf.getByte(0), "big-endian by default");
            assertEquals(0x0d, buf.getByte(8), "little-endian where asked");
        } finally {
            buf.release();
        }
    }
}
