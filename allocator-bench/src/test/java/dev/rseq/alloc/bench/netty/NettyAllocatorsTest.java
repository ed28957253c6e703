package dev.rseq.alloc.bench.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rseq.alloc.PerCpuAllocator;
import dev.rseq.alloc.netty.PerCpuByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

class NettyAllocatorsTest {

    @Test
    void idsNameTheAllocatorsAndTheBenchmarkCycleWorksOnEach() {
        assertSame(PerCpuByteBufAllocator.DEFAULT, NettyAllocators.create("percpu"));
        byte[] payload = {1, 2, 3, 4, 5, 6, 7, 99};
        for (String id : NettyAllocators.IDS) {
            ByteBufAllocator alloc = NettyAllocators.create(id);
            assertEquals(99, NettyAllocBenchmark.cycle(alloc, payload), id);
        }
        assertThrows(IllegalArgumentException.class, () -> NettyAllocators.create("unpooled"));
    }

    @Test
    void perCpuBuffersAreBlocksOfTheGlobalAllocator() {
        ByteBuf buf = NettyAllocators.create("percpu").directBuffer(8192);
        long address = buf.memoryAddress();
        assertEquals(8192, PerCpuAllocator.global().usableSize(address));
        buf.release();
    }
}
