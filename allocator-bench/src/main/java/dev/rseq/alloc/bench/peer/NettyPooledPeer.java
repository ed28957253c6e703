package dev.rseq.alloc.bench.peer;

import io.netty.buffer.PooledByteBufAllocator;

/** Netty's {@code PooledByteBufAllocator.DEFAULT} (jemalloc-style arenas plus thread caches), default settings. */
final class NettyPooledPeer extends NettyPeer {

    NettyPooledPeer(int slots) {
        super(PooledByteBufAllocator.DEFAULT, slots);
    }

    @Override
    public String name() {
        return "netty-pooled";
    }

    @Override
    public HeldMemory heldMemory() {
        return new HeldMemory(
                PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(),
                "metric().usedDirectMemory(): direct chunks held by the arenas");
    }
}
