package dev.rseq.alloc.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.LittleEndianDirectByteBufTest;
import org.junit.jupiter.api.AfterAll;

/** Netty's {@code AbstractByteBufTest} suite on our direct buffers seen little-endian ({@code order(LITTLE_ENDIAN)}). */
class PerCpuLittleEndianDirectByteBufTest extends LittleEndianDirectByteBufTest {
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
