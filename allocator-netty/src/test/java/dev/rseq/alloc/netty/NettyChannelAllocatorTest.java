package dev.rseq.alloc.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.rseq.alloc.PerCpuAllocator;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The one-line switch, end to end: a loopback NIO echo with {@code ChannelOption.ALLOCATOR}
 * on both bootstraps. Every buffer the transport reads into is ours, and once the channels
 * are closed every block is back.
 */
class NettyChannelAllocatorTest {

    @Test
    void echoOverLoopbackUsesOurBuffersAndReleasesThemAll() throws Exception {
        PerCpuAllocator allocator = PerCpuAllocator.builder().build();
        PerCpuByteBufAllocator alloc = TestAllocators.dedicated(allocator, true);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        Queue<Throwable> notOurs = new ConcurrentLinkedQueue<>();
        byte[] request = new byte[100_000];
        for (int i = 0; i < request.length; i++) {
            request[i] = (byte) (i * 13);
        }
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    check((ByteBuf) msg, notOurs);
                                    ctx.writeAndFlush(msg);
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .sync()
                    .channel();

            CompletableFuture<byte[]> echoed = new CompletableFuture<>();
            Channel client = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, alloc)
                    .handler(new ChannelInboundHandlerAdapter() {
                        private final byte[] got = new byte[request.length];
                        private int n;

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            try {
                                check(buf, notOurs);
                                int len = buf.readableBytes();
                                buf.readBytes(got, n, len);
                                n += len;
                                if (n == got.length) {
                                    echoed.complete(got);
                                }
                            } finally {
                                buf.release();
                            }
                        }
                    })
                    .connect(server.localAddress())
                    .sync()
                    .channel();
            assertSame(alloc, client.alloc());

            ByteBuf out = client.alloc().directBuffer(request.length).writeBytes(request);
            client.writeAndFlush(out).sync();
            assertArrayEquals(request, echoed.get(30, TimeUnit.SECONDS));

            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
        assertEquals(0, notOurs.size(), () -> "buffers not from our allocator: " + notOurs);
        assertEquals(0, allocator.stats().bytesInUse(), "every buffer the channels used was released to our allocator");
        allocator.close();
    }

    private static void check(ByteBuf buf, Queue<Throwable> notOurs) {
        try {
            TestAllocators.assertOurs(buf);
        } catch (Throwable t) {
            notOurs.add(t);
        }
    }
}
