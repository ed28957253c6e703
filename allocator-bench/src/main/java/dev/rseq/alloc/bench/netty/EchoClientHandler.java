package dev.rseq.alloc.bench.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Recorder;

/**
 * One client connection: sends a request (a direct buffer from the channel's allocator,
 * filled from {@code payload}), counts the echoed bytes, and when all have come back records
 * the round trip and sends the next, until {@code running} turns false. Its fields are only
 * touched by the connection's event loop.
 */
@SuppressWarnings("FutureReturnValueIgnored") // writes use the void promise: a failure reaches exceptionCaught
final class EchoClientHandler extends ChannelInboundHandlerAdapter {
    private final byte[] payload;
    private final Recorder latencies;
    private final AtomicBoolean running;
    private final AtomicReference<Throwable> failure;
    private int pending;
    private long sentAt;

    EchoClientHandler(byte[] payload, Recorder latencies, AtomicBoolean running, AtomicReference<Throwable> failure) {
        this.payload = payload;
        this.latencies = latencies;
        this.running = running;
        this.failure = failure;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        send(ctx);
    }

    private void send(ChannelHandlerContext ctx) {
        ByteBuf request = ctx.alloc().directBuffer(payload.length).writeBytes(payload);
        pending = payload.length;
        sentAt = System.nanoTime();
        ctx.writeAndFlush(request, ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            pending -= buf.readableBytes();
        } finally {
            buf.release();
        }
        if (pending < 0) {
            throw new IllegalStateException("more bytes echoed than sent");
        }
        if (pending == 0) {
            latencies.recordValue(System.nanoTime() - sentAt);
            if (running.get()) {
                send(ctx);
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failure.compareAndSet(null, cause);
        ctx.close();
    }
}
