package dev.rseq.alloc.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.ByteBuf;

/**
 * The allocator behind one of Netty's buffer suites: a dedicated instance, so that at the
 * end every block the suite took must be back (a buffer freed twice, or never, shows).
 */
final class SuiteAllocator {
    private final PerCpuAllocator allocator = PerCpuAllocator.builder().build();
    private final PerCpuByteBufAllocator alloc = TestAllocators.dedicated(allocator, true);

    /** A direct buffer from our allocator, checked to be one of ours under Netty's wrappers. */
    ByteBuf directBuffer(int length, int maxCapacity) {
        ByteBuf buf = alloc.directBuffer(length, maxCapacity);
        TestAllocators.assertOurs(buf);
        return buf;
    }

    void closeExpectingNothingInUse() {
        try {
            assertEquals(0, allocator.stats().bytesInUse(), "bytes still in use after the suite released its buffers");
        } finally {
            allocator.close();
        }
    }
}
