package dev.rseq.alloc.netty;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

/** Helpers shared by the tests: a dedicated allocator instance per suite and buffer unwrapping. */
final class TestAllocators {
    private TestAllocators() {}

    /**
     * An instance with its own heap, so its statistics count only the suite's buffers; heap
     * buffers from Netty's unpooled allocator, whose metric counts exactly.
     */
    static PerCpuByteBufAllocator dedicated(PerCpuAllocator allocator, boolean preferDirect) {
        return new PerCpuByteBufAllocator(allocator, preferDirect, new UnpooledByteBufAllocator(false));
    }

    /** The buffer under Netty's wrappers (leak-aware, swapped order). */
    static ByteBuf innermost(ByteBuf buf) {
        ByteBuf b = buf;
        while (b.unwrap() != null) {
            b = b.unwrap();
        }
        return b;
    }

    /** Fails unless {@code buf} is one of ours. */
    static ByteBuf assertOurs(ByteBuf buf) {
        return assertInstanceOf(PerCpuDirectByteBuf.class, innermost(buf));
    }
}
