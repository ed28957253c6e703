package dev.rseq.alloc.bench.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** One echo run: one allocator, one request size, a fresh server and fresh connections. */
final class EchoRun {
    private EchoRun() {}

    static EchoResult run(String allocatorId, int size, EchoOptions options) throws InterruptedException {
        ByteBufAllocator alloc = NettyAllocators.create(allocatorId);
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (i * 31);
        }
        Recorder latencies = new Recorder(3);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        EventLoopGroup serverGroup =
                new MultiThreadIoEventLoopGroup(options.serverThreads(), NioIoHandler.newFactory());
        EventLoopGroup clientGroup =
                new MultiThreadIoEventLoopGroup(options.clientThreads(), NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(serverGroup)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, alloc)
                    .childOption(ChannelOption.ALLOCATOR, alloc)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new EchoServerHandler())
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .sync()
                    .channel();
            Bootstrap client = new Bootstrap()
                    .group(clientGroup)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, alloc)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new EchoClientHandler(payload, latencies, running, failure));
                        }
                    });
            List<Channel> connections = new ArrayList<>();
            for (int i = 0; i < options.connections(); i++) {
                connections.add(client.connect(server.localAddress()).sync().channel());
            }
            Thread.sleep(options.warmup().toMillis());
            latencies.getIntervalHistogram(); // drops the warm-up's round trips
            long start = System.nanoTime();
            Thread.sleep(options.duration().toMillis());
            Histogram measured = latencies.getIntervalHistogram();
            long elapsed = System.nanoTime() - start;
            running.set(false);
            for (Channel c : connections) {
                c.close().sync();
            }
            server.close().sync();
            if (failure.get() != null) {
                throw new IllegalStateException("echo failed: " + failure.get(), failure.get());
            }
            return EchoResult.of(allocatorId, size, options.connections(), measured, elapsed);
        } finally {
            clientGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
    }
}
