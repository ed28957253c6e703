package dev.rseq.alloc.bench.peer;

import io.netty.buffer.AdaptiveByteBufAllocator;

/**
 * Netty's {@code AdaptiveByteBufAllocator} (magazines of size-classed chunks, the default
 * allocator of Netty 4.2), a fresh instance with default settings, direct buffers.
 */
final class NettyAdaptivePeer extends NettyPeer {
    private final AdaptiveByteBufAllocator allocator;

    NettyAdaptivePeer(int slots) {
        this(new AdaptiveByteBufAllocator(), slots);
    }

    private NettyAdaptivePeer(AdaptiveByteBufAllocator allocator, int slots) {
        super(allocator, slots);
        this.allocator = allocator;
    }

    @Override
    public String name() {
        return "netty-adaptive";
    }

    @Override
    public HeldMemory heldMemory() {
        return new HeldMemory(allocator.usedDirectMemory(), "usedDirectMemory(): direct chunks held");
    }
}
