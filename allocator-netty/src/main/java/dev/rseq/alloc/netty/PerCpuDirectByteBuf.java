package dev.rseq.alloc.netty;

import dev.rseq.alloc.PerCpuAllocator;
import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A direct {@link ByteBuf} over one block of a {@link PerCpuAllocator}. The buffer object is
 * the only Java object it costs: reads and writes go to the raw address ({@link RawMemory}),
 * and a {@link ByteBuffer} view is made only when asked for (a NIO transport asks once per
 * buffer, through {@link #internalNioBuffer}). {@link #deallocate()} (the last release) frees
 * the block at once; {@link #capacity(int)} moves the contents to a new block and frees the
 * old one.
 *
 * <p>Why not Netty's UnpooledDirectByteBuf with its memory hook pointed at our allocator (it
 * passes the same suites): that one needs a ByteBuffer per buffer from the start, made from a
 * MemorySegment, and a holder object, which measured 216 bytes of garbage per
 * directBuffer/write/release against 64 here.
 */
@SuppressWarnings("restricted") // views of our own blocks: reinterpret is how a raw address becomes a segment
final class PerCpuDirectByteBuf extends AbstractReferenceCountedByteBuf {
    /** Chunk of the heap array that stream copies go through. */
    private static final int STREAM_CHUNK = 8192;

    private final PerCpuByteBufAllocator alloc;
    private final PerCpuAllocator allocator;
    private long address;
    private int capacity;
    /** The view {@link #internalNioBuffer} hands out, made on first use and dropped when the block changes. */
    private ByteBuffer internalView;

    /** Capacities are validated by the caller (AbstractByteBufAllocator.validate). */
    PerCpuDirectByteBuf(PerCpuByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        super(maxCapacity);
        this.alloc = alloc;
        this.allocator = alloc.allocator();
        this.address = allocator.allocate(blockSize(initialCapacity));
        this.capacity = initialCapacity;
    }

    /** The allocator rejects size 0: a zero-capacity buffer still has a (minimal) block and a real address. */
    private static long blockSize(int capacity) {
        return Math.max(capacity, 1);
    }

    private long addr(int index) {
        return address + index;
    }

    @Override
    protected void deallocate() {
        // The address stays as it was: a use after release that Netty's accessibility check
        // lets through (io.netty.buffer.checkAccessible=false) touches a freed block, as with
        // Netty's pooled buffers, rather than address 0.
        allocator.free(address, blockSize(capacity));
        internalView = null;
    }

    // ------------------------------------------------------------------ shape

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        checkNewCapacity(newCapacity);
        int oldCapacity = capacity;
        if (newCapacity == oldCapacity) {
            return this;
        }
        trimIndicesToCapacity(newCapacity);
        long newAddress = allocator.allocate(blockSize(newCapacity));
        RawMemory.copy(address, newAddress, Math.min(oldCapacity, newCapacity));
        allocator.free(address, blockSize(oldCapacity));
        address = newAddress;
        capacity = newCapacity;
        internalView = null;
        return this;
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    @SuppressWarnings("deprecation")
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean isContiguous() {
        return true;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public boolean hasMemoryAddress() {
        return true;
    }

    @Override
    public long memoryAddress() {
        ensureAccessible();
        return address;
    }

    // ------------------------------------------------------------ primitives

    @Override
    protected byte _getByte(int index) {
        return RawMemory.getByte(addr(index));
    }

    @Override
    protected short _getShort(int index) {
        return RawMemory.getShortBE(addr(index));
    }

    @Override
    protected short _getShortLE(int index) {
        return RawMemory.getShortLE(addr(index));
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        long a = addr(index);
        return ((RawMemory.getByte(a) & 0xff) << 16)
                | ((RawMemory.getByte(a + 1) & 0xff) << 8)
                | (RawMemory.getByte(a + 2) & 0xff);
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        long a = addr(index);
        return (RawMemory.getByte(a) & 0xff)
                | ((RawMemory.getByte(a + 1) & 0xff) << 8)
                | ((RawMemory.getByte(a + 2) & 0xff) << 16);
    }

    @Override
    protected int _getInt(int index) {
        return RawMemory.getIntBE(addr(index));
    }

    @Override
    protected int _getIntLE(int index) {
        return RawMemory.getIntLE(addr(index));
    }

    @Override
    protected long _getLong(int index) {
        return RawMemory.getLongBE(addr(index));
    }

    @Override
    protected long _getLongLE(int index) {
        return RawMemory.getLongLE(addr(index));
    }

    @Override
    protected void _setByte(int index, int value) {
        RawMemory.putByte(addr(index), (byte) value);
    }

    @Override
    protected void _setShort(int index, int value) {
        RawMemory.putShortBE(addr(index), (short) value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        RawMemory.putShortLE(addr(index), (short) value);
    }

    @Override
    protected void _setMedium(int index, int value) {
        long a = addr(index);
        RawMemory.putByte(a, (byte) (value >>> 16));
        RawMemory.putByte(a + 1, (byte) (value >>> 8));
        RawMemory.putByte(a + 2, (byte) value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        long a = addr(index);
        RawMemory.putByte(a, (byte) value);
        RawMemory.putByte(a + 1, (byte) (value >>> 8));
        RawMemory.putByte(a + 2, (byte) (value >>> 16));
    }

    @Override
    protected void _setInt(int index, int value) {
        RawMemory.putIntBE(addr(index), value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        RawMemory.putIntLE(addr(index), value);
    }

    @Override
    protected void _setLong(int index, long value) {
        RawMemory.putLongBE(addr(index), value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        RawMemory.putLongLE(addr(index), value);
    }

    // ------------------------------------------------------------ bulk: get

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (dst.hasMemoryAddress()) {
            RawMemory.copy(addr(index), dst.memoryAddress() + dstIndex, length);
        } else if (dst.hasArray()) {
            getBytes(index, dst.array(), dst.arrayOffset() + dstIndex, length);
        } else {
            dst.setBytes(dstIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        RawMemory.copy(addr(index), dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int length = dst.remaining();
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (dst.hasArray()) {
            RawMemory.copy(addr(index), dst.array(), dst.arrayOffset() + dst.position(), length);
        } else {
            MemorySegment.copy(RawMemory.ALL, addr(index), MemorySegment.ofBuffer(dst), 0, length);
        }
        dst.position(dst.position() + length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        byte[] chunk = new byte[Math.min(length, STREAM_CHUNK)];
        for (int done = 0; done < length; ) {
            int n = Math.min(chunk.length, length - done);
            RawMemory.copy(addr(index + done), chunk, 0, n);
            out.write(chunk, 0, n);
            done += n;
        }
        return this;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        return length == 0 ? 0 : out.write(view(index, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        return length == 0 ? 0 : out.write(view(index, length), position);
    }

    // ------------------------------------------------------------ bulk: set

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (src.hasMemoryAddress()) {
            RawMemory.copy(src.memoryAddress() + srcIndex, addr(index), length);
        } else if (src.hasArray()) {
            setBytes(index, src.array(), src.arrayOffset() + srcIndex, length);
        } else {
            src.getBytes(srcIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.length);
        RawMemory.copy(src, srcIndex, addr(index), length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        int length = src.remaining();
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        if (src.hasArray()) {
            RawMemory.copy(src.array(), src.arrayOffset() + src.position(), addr(index), length);
        } else {
            // Also right when src is a view of this very buffer: copy() behaves as memmove.
            MemorySegment.copy(MemorySegment.ofBuffer(src), 0, RawMemory.ALL, addr(index), length);
        }
        src.position(src.position() + length);
        return this;
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkIndex(index, length);
        // One read() call, as the contract says: the stream decides how much arrives.
        byte[] tmp = new byte[length];
        int read = in.read(tmp, 0, length);
        if (read > 0) {
            RawMemory.copy(tmp, 0, addr(index), read);
        }
        return read;
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        ByteBuffer target = internalNioBuffer(index, length);
        try {
            return in.read(target);
        } catch (ClosedChannelException ignored) {
            return -1; // as Netty's own buffers: the transport reads -1 as end of input
        }
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        ByteBuffer target = internalNioBuffer(index, length);
        try {
            return in.read(target, position);
        } catch (ClosedChannelException ignored) {
            return -1;
        }
    }

    // -------------------------------------------------------------- copies, NIO views

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        ByteBuf copy = alloc.directBuffer(length, maxCapacity());
        if (length != 0) {
            RawMemory.copy(addr(index), copy.memoryAddress(), length);
            copy.setIndex(0, length);
        }
        return copy;
    }

    @Override
    public int nioBufferCount() {
        return 1;
    }

    /** A new view of {@code [index, index + length)}, sharing the memory. */
    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        return view(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    /** One view of the whole block per buffer, repositioned on each call (not for concurrent use, as Netty's). */
    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        checkIndex(index, length);
        ByteBuffer v = internalView;
        if (v == null) {
            internalView = v = view(0, capacity);
        }
        return v.limit(index + length).position(index);
    }

    private ByteBuffer view(int index, int length) {
        return MemorySegment.ofAddress(addr(index)).reinterpret(length).asByteBuffer();
    }
}
