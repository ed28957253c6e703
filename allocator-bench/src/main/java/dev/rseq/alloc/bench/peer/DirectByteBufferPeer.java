package dev.rseq.alloc.bench.peer;

import dev.rseq.alloc.bench.BenchAllocator;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * {@link ByteBuffer#allocateDirect}: zeroed memory from Unsafe (malloc) plus a Cleaner.
 * "Free" only drops the reference; the memory returns when the GC finds the buffer
 * unreachable, and an allocation that would pass MaxDirectMemorySize first triggers
 * System.gc() and waits. Latencies therefore include GC-driven stalls: that is the cost.
 */
final class DirectByteBufferPeer implements BenchAllocator {
    private final SlotTable<ByteBuffer> buffers;

    DirectByteBufferPeer(int slots) {
        this.buffers = new SlotTable<>(slots);
    }

    @Override
    public String name() {
        return "bytebuffer";
    }

    @Override
    public long allocate(int slot, long size) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(size));
        buffers.put(slot, buffer);
        return MemorySegment.ofBuffer(buffer).address();
    }

    @Override
    public void free(int slot, long address, long size) {
        buffers.take(slot);
    }

    @Override
    public void close() {}
}
