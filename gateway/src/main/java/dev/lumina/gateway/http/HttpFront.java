package dev.lumina.gateway.http;

import io.grpc.Channel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's HTTP front: an OpenAI-compatible images API, a small JSON API for jobs (events as
 * server-sent events, cancel, artifacts) and the browser playground at {@code /}, on Netty's HTTP
 * codec. Every route calls the gateway's own public gRPC API through {@code channel} (in the
 * gateway, an in-process channel to the same services and interceptors, whatever the public port's
 * TLS), forwarding {@code Authorization: Bearer KEY} as {@code x-api-key}, so validation, tenancy
 * and errors are exactly the gRPC ones. Netty's event loop only parses and writes; every gRPC call
 * runs on a separate pool. Thread-safe.
 */
public final class HttpFront implements AutoCloseable {
  /** The largest request body accepted (JSON requests are small). */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ExecutorService calls;
  private final io.netty.channel.Channel server;
  private final int port;

  private HttpFront(
      EventLoopGroup boss,
      EventLoopGroup workers,
      ExecutorService calls,
      io.netty.channel.Channel server) {
    this.boss = boss;
    this.workers = workers;
    this.calls = calls;
    this.server = server;
    this.port = ((InetSocketAddress) server.localAddress()).getPort();
  }

  /**
   * Binds {@code host:port} (0 = a free port) and serves the routes against {@code grpc}.
   *
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static HttpFront start(String host, int port, Channel grpc) {
    AtomicInteger n = new AtomicInteger();
    ExecutorService calls =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "lumina-http-call-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    HttpRoutes routes = new HttpRoutes(grpc, calls);
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    try {
      io.netty.channel.Channel ch =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                      c.pipeline()
                          .addLast(new HttpServerCodec())
                          .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                          .addLast(new HttpHandler(routes));
                    }
                  })
              .bind(new InetSocketAddress(host, port))
              .sync()
              .channel();
      return new HttpFront(boss, workers, calls, ch);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown(boss, workers, calls);
      throw new IllegalStateException("interrupted while binding the http port", e);
    } catch (Exception e) {
      shutdown(boss, workers, calls);
      if (e instanceof BindException) {
        throw new UncheckedIOException(
            "http port " + host + ":" + port + ": " + e.getMessage(), (BindException) e);
      }
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /** The bound port. */
  public int port() {
    return port;
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    shutdown(boss, workers, calls);
  }

  private static void shutdown(EventLoopGroup boss, EventLoopGroup workers, ExecutorService calls) {
    calls.shutdownNow();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
