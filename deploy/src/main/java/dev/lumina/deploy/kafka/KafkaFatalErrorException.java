package dev.lumina.deploy.kafka;

/**
 * The embedded broker hit an error after which Kafka would end the process ({@code
 * Exit.exit}/{@code halt}); thrown instead so the hosting JVM can report it and shut down in order.
 * Not retriable.
 */
public final class KafkaFatalErrorException extends RuntimeException {

  KafkaFatalErrorException(String kind, int code, String message) {
    super("Kafka requested " + kind + "(" + code + ")" + (message == null ? "" : ": " + message));
  }
}
