package dev.rseq.alloc.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rseq.alloc.AllocatorStats;
import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What our allocator promises beyond Netty's suites: where blocks come from and when they go back. */
class PerCpuByteBufAllocatorTest {
    private final PerCpuAllocator allocator = PerCpuAllocator.builder().build();
    private final PerCpuByteBufAllocator alloc = TestAllocators.dedicated(allocator, true);

    @AfterEach
    void close() {
        if (!allocator.isClosed()) {
            allocator.close();
        }
    }

    private long inUse() {
        return allocator.stats().bytesInUse();
    }

    @Test
    void directBufferMemoryIsABlockOfOurAllocator() {
        ByteBuf buf = alloc.directBuffer(8192);
        assertTrue(buf.isDirect());
        assertTrue(buf.hasMemoryAddress());
        assertEquals(8192, allocator.usableSize(buf.memoryAddress()), "a live block of this allocator");
        assertEquals(8192, inUse());
        buf.release();
    }

    @Test
    void releaseReturnsTheBlockAtOnce() {
        ByteBuf buf = alloc.directBuffer(1000).writeZero(1000);
        long size = allocator.usableSize(buf.memoryAddress());
        assertEquals(size, inUse());
        long cachedBefore = allocator.stats().cachedBytes();

        assertTrue(buf.release());
        AllocatorStats after = allocator.stats();
        assertEquals(0, after.bytesInUse());
        assertEquals(
                cachedBefore + size,
                after.cachedBytes(),
                "the block went to the allocator's cache, not to a pool of ours");
        assertThrows(IllegalReferenceCountException.class, buf::release);
        assertEquals(0, inUse(), "a second release frees nothing");
    }

    @Test
    void derivedBuffersShareTheBlockUntilTheLastRelease() {
        ByteBuf buf = alloc.directBuffer(256);
        long size = inUse();
        ByteBuf slice = buf.retainedSlice(0, 128);
        ByteBuf dup = buf.retainedDuplicate();
        assertEquals(size, inUse(), "no copy");
        buf.release();
        slice.release();
        assertEquals(size, inUse());
        dup.release();
        assertEquals(0, inUse());
    }

    @Test
    void growingKeepsTheContentsAndFreesTheOldBlock() {
        ByteBuf buf = alloc.directBuffer(1000);
        for (int i = 0; i < 1000; i++) {
            buf.writeByte(i * 31);
        }
        long oldAddress = buf.memoryAddress();

        buf.capacity(5000);
        assertEquals(5000, buf.capacity());
        assertNotEquals(oldAddress, buf.memoryAddress());
        for (int i = 0; i < 1000; i++) {
            assertEquals((byte) (i * 31), buf.getByte(i));
        }
        assertEquals(allocator.usableSize(buf.memoryAddress()), inUse(), "only the new block is in use");
        buf.release();
        assertEquals(0, inUse());
    }

    @Test
    void shrinkingKeepsTheHeadAndFreesTheOldBlock() {
        ByteBuf buf = alloc.directBuffer(5000);
        for (int i = 0; i < 5000; i++) {
            buf.writeByte(i * 7);
        }
        buf.capacity(100);
        assertEquals(100, buf.capacity());
        assertEquals(100, buf.writerIndex());
        for (int i = 0; i < 100; i++) {
            assertEquals((byte) (i * 7), buf.getByte(i));
        }
        assertEquals(allocator.usableSize(buf.memoryAddress()), inUse());
        buf.release();
        assertEquals(0, inUse());
    }

    @Test
    void writesBeyondCapacityGrowThroughOurAllocator() {
        ByteBuf buf = alloc.directBuffer(0);
        assertTrue(buf.hasMemoryAddress(), "a zero-capacity buffer still has a block");
        assertTrue(inUse() > 0);
        byte[] data = new byte[300_000];
        data[299_999] = 42;
        buf.writeBytes(data);
        assertEquals(42, buf.getByte(299_999));
        assertEquals(allocator.usableSize(buf.memoryAddress()), inUse(), "a large block; the earlier ones were freed");
        buf.release();
        assertEquals(0, inUse());
    }

    @Test
    void heapBuffersComeFromTheHeapAllocator() {
        ByteBufAllocator heap = new UnpooledByteBufAllocator(false);
        PerCpuByteBufAllocator withHeap = new PerCpuByteBufAllocator(allocator, false, heap);
        ByteBuf buf = withHeap.heapBuffer(100);
        assertFalse(buf.isDirect());
        assertTrue(buf.hasArray());
        assertSame(heap, buf.alloc());
        assertEquals(0, inUse());
        assertEquals(100, withHeap.metric().usedHeapMemory());
        buf.release();

        ByteBuf byDefault = withHeap.buffer(10);
        assertFalse(byDefault.isDirect(), "preferDirect false: buffer() is a heap buffer");
        byDefault.release();
        ByteBuf io = withHeap.ioBuffer(10);
        assertTrue(io.isDirect(), "ioBuffer() is direct whatever preferDirect says");
        io.release();
    }

    @Test
    void metricReportsTheAllocatorsFigures() {
        PerCpuByteBufAllocatorMetric metric = alloc.metric();
        assertEquals(0, metric.usedDirectMemory());
        ByteBuf a = alloc.directBuffer(100);
        ByteBuf b = alloc.directBuffer(70_000);
        long expected = allocator.usableSize(a.memoryAddress()) + allocator.usableSize(b.memoryAddress());
        assertEquals(expected, metric.usedDirectMemory());
        assertEquals(metric.stats().bytesInUse(), metric.usedDirectMemory());
        a.release();
        b.release();
        assertEquals(0, metric.usedDirectMemory());
        assertTrue(metric.cachedDirectMemory() > 0, "released blocks wait in the caches");
        assertTrue(metric.toString().contains("usedDirectMemory: 0"), metric.toString());
    }

    @Test
    void heapFigureIsUnknownWhenTheHeapAllocatorPublishesNone() {
        ByteBufAllocator noMetric = new io.netty.buffer.AbstractByteBufAllocator() {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return io.netty.buffer.Unpooled.buffer(initialCapacity, maxCapacity);
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        };
        assertEquals(
                -1,
                new PerCpuByteBufAllocator(allocator, true, noMetric).metric().usedHeapMemory());
    }

    @Test
    void defaultInstanceUsesTheGlobalAllocator() {
        ByteBuf buf = PerCpuByteBufAllocator.DEFAULT.directBuffer(64);
        try {
            assertEquals(64, PerCpuAllocator.global().usableSize(buf.memoryAddress()));
            assertTrue(PerCpuByteBufAllocator.DEFAULT.isDirectBufferPooled());
        } finally {
            buf.release();
        }
        ByteBuf heap = PerCpuByteBufAllocator.DEFAULT.heapBuffer(64);
        try {
            assertSame(ByteBufAllocator.DEFAULT, heap.alloc(), "heap buffers stay Netty's default ones");
        } finally {
            heap.release();
        }
    }

    @Test
    void releasingAfterTheAllocatorClosedFails() {
        ByteBuf buf = alloc.directBuffer(64);
        allocator.close();
        assertThrows(IllegalStateException.class, buf::release);
    }
}
