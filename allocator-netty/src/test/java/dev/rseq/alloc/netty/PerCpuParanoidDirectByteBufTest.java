package dev.rseq.alloc.netty;

import io.netty.buffer.BigEndianDirectByteBufTest;
import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Netty's {@code AbstractByteBufTest} suite on our direct buffers with leak detection at
 * PARANOID: every buffer comes wrapped in Netty's {@code AdvancedLeakAwareByteBuf}, as a
 * user running at that level gets them.
 */
class PerCpuParanoidDirectByteBufTest extends BigEndianDirectByteBufTest {
    private static final SuiteAllocator ALLOC = new SuiteAllocator();
    private static ResourceLeakDetector.Level before;

    @BeforeAll
    static void paranoid() {
        before = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @Override
    protected ByteBuf newDirectBuffer(int length, int maxCapacity) {
        ByteBuf buf = ALLOC.directBuffer(length, maxCapacity);
        if (buf.unwrap() == null) {
            throw new AssertionError("not wrapped for leak detection at PARANOID: " + buf);
        }
        return buf;
    }

    @AfterAll
    static void restoreAndCheck() {
        ResourceLeakDetector.setLevel(before);
        ALLOC.closeExpectingNothingInUse();
    }
}
