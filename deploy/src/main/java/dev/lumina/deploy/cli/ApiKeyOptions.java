package dev.lumina.deploy.cli;

import dev.lumina.gateway.ApiKeys;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --api-keys FILE} (or {@code LUMINA_API_KEYS_FILE}): the key file a gateway checks callers
 * against, written by {@code lumina keys add}. Read once at start (a malformed line stops the
 * command), then followed as it changes.
 */
final class ApiKeyOptions {
  /** The variable that names the key file when {@code --api-keys} is not given. */
  static final String ENV = "LUMINA_API_KEYS_FILE";

  @Option(
      names = "--api-keys",
      paramLabel = "FILE",
      defaultValue = "${env:" + ENV + "}",
      description =
          "Key file, one 'TENANT sha256:HEX' line per key (lumina keys add writes it); callers"
              + " send x-api-key. Re-read when it changes. Env: "
              + ENV
              + ".")
  Path file;

  /** True when a key file was named. */
  boolean given() {
    return file != null;
  }

  /**
   * The keys of the named file.
   *
   * @throws dev.lumina.gateway.ApiKeyFileException naming the file and line when it is unusable
   */
  ApiKeys load() {
    return ApiKeys.load(file);
  }

  /** The line a command prints at start to say whose keys it loaded. */
  static String describe(ApiKeys keys) {
    return "API keys from "
        + keys.file().map(Path::toString).orElse("memory")
        + ": "
        + keys.size()
        + " keys for "
        + keys.tenants()
        + " tenants (re-read when it changes)";
  }
}
