package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.foreign.MemorySegment;

/**
 * A Netty allocator's direct buffers: {@code directBuffer(size)} and {@code release()}.
 * The ByteBuf is kept in the slot table; the address is its memory address.
 *
 * <p>Netty's leak detector is switched off unless {@code -Dio.netty.leakDetection.level} is
 * given: at its default (SIMPLE) it records a stack trace for one allocation in 128, a
 * debugging aid that costs more than the allocator itself and is not part of what is
 * compared. Everything else stays at Netty's defaults; notably plain (non-event-loop)
 * threads get no thread cache from the pooled allocator unless
 * {@code -Dio.netty.allocator.useCacheForAllThreads=true}.
 */
abstract class NettyPeer implements BenchAllocator {
    static {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    private final ByteBufAllocator allocator;
    private final SlotTable<ByteBuf> buffers;

    NettyPeer(ByteBufAllocator allocator, int slots) {
        this.allocator = allocator;
        this.buffers = new SlotTable<>(slots);
    }

    @Override
    public final long allocate(int slot, long size) {
        ByteBuf buf = allocator.directBuffer(Math.toIntExact(size));
        buffers.put(slot, buf);
        return buf.hasMemoryAddress()
                ? buf.memoryAddress()
                : MemorySegment.ofBuffer(buf.internalNioBuffer(0, buf.capacity()))
                        .address();
    }

    @Override
    public final void free(int slot, long address, long size) {
        buffers.take(slot).release();
    }

    @Override
    public void close() {}
}
