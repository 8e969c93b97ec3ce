package dev.lumina.worker;

import dev.lumina.proto.RetriableException;

/**
 * A job's chunks did not reach its gateway (the call broke, the gateway went away or did not
 * acknowledge in time). Retriable: the next chunk opens a new call that resends the job's chunks so
 * far, and the terminal event carries every durable chunk whatever happens to the stream.
 */
final class ChunkDeliveryException extends RetriableException {
  private static final long serialVersionUID = 1L;

  ChunkDeliveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
