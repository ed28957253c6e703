package dev.rseq.alloc.netty;

import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.AbstractByteBufAllocatorTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.buffer.UnpooledUnsafeHeapByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Netty's own allocator suite ({@code AbstractByteBufAllocatorTest} and
 * {@code ByteBufAllocatorTest}, from the netty-buffer {@code tests} artifact): buffer,
 * ioBuffer, heap/direct/composite buffers, max capacities, calculateNewCapacity, memory
 * addresses, the buffer classes, and the metric's used direct and heap memory (exact, as
 * each allocator here has its own {@link PerCpuAllocator} and an unpooled heap allocator).
 */
class PerCpuByteBufAllocatorConformanceTest extends AbstractByteBufAllocatorTest<PerCpuByteBufAllocator> {
    private final List<PerCpuAllocator> opened = new ArrayList<>();

    @Override
    protected PerCpuByteBufAllocator newAllocator(boolean preferDirect) {
        PerCpuAllocator allocator = PerCpuAllocator.builder().build();
        opened.add(allocator);
        return TestAllocators.dedicated(allocator, preferDirect);
    }

    @Override
    protected PerCpuByteBufAllocator newUnpooledAllocator() {
        return newAllocator(false);
    }

    /**
     * Netty's version expects Netty's unpooled buffer classes; ours keeps the heap half (heap
     * buffers are the heap allocator's, here Netty's unpooled ones) and checks the direct
     * buffer is ours instead.
     */
    @Test
    @Override
    public void testUnsafeHeapBufferAndUnsafeDirectBuffer() {
        PerCpuByteBufAllocator allocator = newUnpooledAllocator();
        ByteBuf direct = allocator.directBuffer();
        assertInstanceOf(direct, PerCpuDirectByteBuf.class);
        direct.release();

        ByteBuf heap = allocator.heapBuffer();
        assertInstanceOf(
                heap, PlatformDependent.hasUnsafe() ? UnpooledUnsafeHeapByteBuf.class : UnpooledHeapByteBuf.class);
        heap.release();
    }

    /** Ours honours preferDirect as given: our direct buffers never depend on a cleaner. */
    @Override
    protected boolean isDirectExpected(boolean preferDirect) {
        return preferDirect;
    }

    @Test
    @Disabled("Heap buffers come from the heap allocator given (here Netty's unpooled one); "
            + "Netty disables this test for its unpooled allocator too")
    @Override
    public void shouldReuseChunks() {}

    @AfterEach
    void closeAllocators() {
        opened.forEach(PerCpuAllocator::close);
    }
}
