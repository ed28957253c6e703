package dev.rseq.alloc.netty;

import io.netty.util.internal.PlatformDependent;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads and writes at raw addresses for {@link PerCpuDirectByteBuf}. Where Netty uses
 * {@code sun.misc.Unsafe} (JDK 25 needs {@code --sun-misc-unsafe-memory-access=allow} for
 * that) this goes through Netty's own Unsafe accessors, as Netty's Unsafe buffers do;
 * otherwise (the JDK 25 default) through one memory segment that spans the whole address
 * space, so that no segment is made per buffer. The choice is a constant the JIT folds.
 *
 * <p>Unaligned multi-byte access is fine: the allocator runs on x86-64 only. Indices are
 * checked by the buffer before they get here.
 */
@SuppressWarnings("restricted") // views of our own blocks: reinterpret is how a raw address becomes a segment
final class RawMemory {
    /** Whether Netty uses sun.misc.Unsafe in this JVM. */
    static final boolean UNSAFE = PlatformDependent.hasUnsafe();

    private static final boolean NATIVE_BE = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    /** Every address, as one segment in the global scope: no liveness check, one bounds compare. */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort SHORT_BE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RawMemory() {}

    static byte getByte(long a) {
        return UNSAFE ? PlatformDependent.getByte(a) : ALL.get(BYTE, a);
    }

    static short getShortBE(long a) {
        if (UNSAFE) {
            short v = PlatformDependent.getShort(a);
            return NATIVE_BE ? v : Short.reverseBytes(v);
        }
        return ALL.get(SHORT_BE, a);
    }

    static short getShortLE(long a) {
        if (UNSAFE) {
            short v = PlatformDependent.getShort(a);
            return NATIVE_BE ? Short.reverseBytes(v) : v;
        }
        return ALL.get(SHORT_LE, a);
    }

    static int getIntBE(long a) {
        if (UNSAFE) {
            int v = PlatformDependent.getInt(a);
            return NATIVE_BE ? v : Integer.reverseBytes(v);
        }
        return ALL.get(INT_BE, a);
    }

    static int getIntLE(long a) {
        if (UNSAFE) {
            int v = PlatformDependent.getInt(a);
            return NATIVE_BE ? Integer.reverseBytes(v) : v;
        }
        return ALL.get(INT_LE, a);
    }

    static long getLongBE(long a) {
        if (UNSAFE) {
            long v = PlatformDependent.getLong(a);
            return NATIVE_BE ? v : Long.reverseBytes(v);
        }
        return ALL.get(LONG_BE, a);
    }

    static long getLongLE(long a) {
        if (UNSAFE) {
            long v = PlatformDependent.getLong(a);
            return NATIVE_BE ? Long.reverseBytes(v) : v;
        }
        return ALL.get(LONG_LE, a);
    }

    static void putByte(long a, byte v) {
        if (UNSAFE) {
            PlatformDependent.putByte(a, v);
        } else {
            ALL.set(BYTE, a, v);
        }
    }

    static void putShortBE(long a, short v) {
        if (UNSAFE) {
            PlatformDependent.putShort(a, NATIVE_BE ? v : Short.reverseBytes(v));
        } else {
            ALL.set(SHORT_BE, a, v);
        }
    }

    static void putShortLE(long a, short v) {
        if (UNSAFE) {
            PlatformDependent.putShort(a, NATIVE_BE ? Short.reverseBytes(v) : v);
        } else {
            ALL.set(SHORT_LE, a, v);
        }
    }

    static void putIntBE(long a, int v) {
        if (UNSAFE) {
            PlatformDependent.putInt(a, NATIVE_BE ? v : Integer.reverseBytes(v));
        } else {
            ALL.set(INT_BE, a, v);
        }
    }

    static void putIntLE(long a, int v) {
        if (UNSAFE) {
            PlatformDependent.putInt(a, NATIVE_BE ? Integer.reverseBytes(v) : v);
        } else {
            ALL.set(INT_LE, a, v);
        }
    }

    static void putLongBE(long a, long v) {
        if (UNSAFE) {
            PlatformDependent.putLong(a, NATIVE_BE ? v : Long.reverseBytes(v));
        } else {
            ALL.set(LONG_BE, a, v);
        }
    }

    static void putLongLE(long a, long v) {
        if (UNSAFE) {
            PlatformDependent.putLong(a, NATIVE_BE ? Long.reverseBytes(v) : v);
        } else {
            ALL.set(LONG_LE, a, v);
        }
    }

    /** Copies between raw addresses; overlapping ranges are fine (memmove). */
    static void copy(long from, long to, long length) {
        MemorySegment.copy(ALL, from, ALL, to, length);
    }

    static void copy(long from, byte[] to, int toIndex, int length) {
        MemorySegment.copy(ALL, BYTE, from, to, toIndex, length);
    }

    static void copy(byte[] from, int fromIndex, long to, int length) {
        MemorySegment.copy(from, fromIndex, ALL, BYTE, to, length);
    }
}
