package dev.rseq.alloc.netty;

import io.netty.buffer.BigEndianDirectByteBufTest;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.AfterAll;

/**
 * Netty's own {@code AbstractByteBufTest} suite (through {@code BigEndianDirectByteBufTest},
 * from the netty-buffer {@code tests} artifact) on our direct buffers, big-endian.
 */
class PerCpuBigEndianDirectByteBufTest extends BigEndianDirectByteBufTest {
    private static final SuiteAllocator ALLOC = new SuiteAllocator();

    @Override
    protected ByteBuf newDirectBuffer(int length, int maxCapacity) {
        return ALLOC.directBuffer(length, maxCapacity);
    }

    @AfterAll
    static void everyBlockCameBack() {
        ALLOC.closeExpectingNothingInUse();
    }
}
