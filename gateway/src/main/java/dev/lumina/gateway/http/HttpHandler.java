package dev.lumina.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/** Hands each complete request to {@link HttpRoutes}; malformed requests get a 400. */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final HttpRoutes routes;

  HttpHandler(HttpRoutes routes) {
    this.routes = routes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    DecoderResult d = req.decoderResult();
    if (d.isFailure()) {
      Replies.error(
          ctx,
          false,
          HttpResponseStatus.BAD_REQUEST,
          "invalid_request_error",
          null,
          "bad_request",
          "malformed HTTP request: " + d.cause().getMessage());
      return;
    }
    routes.route(ctx, req.retain());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
