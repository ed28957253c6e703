package dev.rseq.alloc.netty;

import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.util.Objects;

/**
 * A Netty {@link ByteBufAllocator} whose direct buffers live in a {@link PerCpuAllocator}.
 * Switch a bootstrap to it with one option:
 * <pre>{@code
 * bootstrap.option(ChannelOption.ALLOCATOR, PerCpuByteBufAllocator.DEFAULT)
 *          .childOption(ChannelOption.ALLOCATOR, PerCpuByteBufAllocator.DEFAULT);   // servers
 * }</pre>
 *
 * <p>A direct buffer is one block of the allocator, with no pool on top: {@code release()}
 * frees the block at once and {@code capacity(int)} moves the contents to a new block and
 * frees the old one. Buffers are tracked by Netty's {@code ResourceLeakDetector} as Netty's
 * own allocators' buffers are. A leaked (never released) buffer keeps its block: there is no
 * cleaner behind it.
 *
 * <p>Heap buffers come from a Netty allocator given to the constructor, by default
 * {@link ByteBufAllocator#DEFAULT}, so they stay what they were before the switch; their
 * {@code alloc()} is that allocator.
 *
 * <p>Lifetime: a buffer must be released before the {@link PerCpuAllocator} it came from is
 * closed (releasing it afterwards throws {@link IllegalStateException}). {@link #DEFAULT}
 * uses {@link PerCpuAllocator#global()}, which is never closed.
 */
public final class PerCpuByteBufAllocator extends AbstractByteBufAllocator implements ByteBufAllocatorMetricProvider {

    /**
     * Direct buffers from {@link PerCpuAllocator#global()}, heap buffers from
     * {@link ByteBufAllocator#DEFAULT}; prefers direct buffers as Netty's defaults do
     * ({@code -Dio.netty.noPreferDirect=true} turns that off).
     */
    public static final PerCpuByteBufAllocator DEFAULT = new PerCpuByteBufAllocator(PerCpuAllocator.global());

    private final PerCpuAllocator allocator;
    private final ByteBufAllocator heapAllocator;
    private final boolean directByDefault;
    private final PerCpuByteBufAllocatorMetric metric;

    /**
     * Direct buffers from {@code allocator}; otherwise as {@link #DEFAULT}.
     *
     * @param allocator where direct buffers' memory comes from
     * @throws NullPointerException when {@code allocator} is null
     */
    public PerCpuByteBufAllocator(PerCpuAllocator allocator) {
        this(allocator, PlatformDependent.directBufferPreferred(), ByteBufAllocator.DEFAULT);
    }

    /**
     * Direct buffers from {@code allocator}, heap buffers from {@code heapAllocator}.
     *
     * @param allocator     where direct buffers' memory comes from
     * @param preferDirect  whether {@code buffer()} returns direct buffers
     * @param heapAllocator where heap buffers come from
     * @throws NullPointerException when {@code allocator} or {@code heapAllocator} is null
     */
    public PerCpuByteBufAllocator(PerCpuAllocator allocator, boolean preferDirect, ByteBufAllocator heapAllocator) {
        super(preferDirect);
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        this.heapAllocator = Objects.requireNonNull(heapAllocator, "heapAllocator");
        // Not gated by Netty's "can it free direct buffers reliably" as the superclass does:
        // ours are freed explicitly on release, never by a cleaner.
        this.directByDefault = preferDirect;
        this.metric = new PerCpuByteBufAllocatorMetric(allocator, heapAllocator);
    }

    PerCpuAllocator allocator() {
        return allocator;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return toLeakAwareBuffer(new PerCpuDirectByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        // The heap allocator applies leak detection to what it returns.
        return heapAllocator.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf buffer() {
        return directByDefault ? directBuffer() : heapBuffer();
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        return directByDefault ? directBuffer(initialCapacity) : heapBuffer(initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        return directByDefault ? directBuffer(initialCapacity, maxCapacity) : heapBuffer(initialCapacity, maxCapacity);
    }

    /**
     * {@code true}: no pool of buffers on top, but the blocks come from the allocator's
     * per-thread and per-CPU caches, so a direct buffer is as cheap to get as from a pool.
     * That is what Netty asks this for: its NIO and epoll transports copy a heap buffer into
     * a fresh direct buffer before a write only when this answers {@code true}, and
     * {@code ioBuffer()} then always returns a direct buffer.
     */
    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    @Override
    public PerCpuByteBufAllocatorMetric metric() {
        return metric;
    }

    @Override
    public String toString() {
        return "PerCpuByteBufAllocator(directByDefault: " + directByDefault
                + ", memory access: " + (RawMemory.UNSAFE ? "Unsafe" : "MemorySegment")
                + ", heap: " + heapAllocator.getClass().getSimpleName() + ')';
    }
}
