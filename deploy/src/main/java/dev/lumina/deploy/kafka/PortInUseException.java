package dev.lumina.deploy.kafka;

/**
 * A port the embedded broker needs is already bound by another process; not retriable as
 * configured.
 */
public final class PortInUseException extends RuntimeException {

  PortInUseException(String name, String host, int port, Throwable cause) {
    super(
        name
            + " "
            + host
            + ":"
            + port
            + " is already in use; stop the process holding it or pick another port"
            + " (0 = any free port)",
        cause);
  }

  PortInUseException(String host, int brokerPort, int controllerPort, Throwable cause) {
    super(
        "Kafka could not bind "
            + host
            + ":"
            + brokerPort
            + " or "
            + host
            + ":"
            + controllerPort
            + ": address already in use; stop the process holding it or pick other ports",
        cause);
  }
}
