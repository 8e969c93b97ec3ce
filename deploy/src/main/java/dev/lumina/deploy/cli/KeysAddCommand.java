package dev.lumina.deploy.cli;

import dev.lumina.gateway.ApiKeyFileException;
import dev.lumina.gateway.ApiKeys;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lumina keys add TENANT --file FILE}: creates a random key for the tenant, appends its hash
 * to the key file (created owner read/write only), and prints the key once, alone, on stdout (so
 * {@code KEY=$(lumina keys add ...)} works); everything else goes to stderr. A gateway following
 * the file accepts the key within a second or so.
 *
 * <p>Exit codes: 0 added; 1 the file cannot be written; 2 bad command line, tenant name or file.
 */
@Command(
    name = "add",
    mixinStandardHelpOptions = true,
    description =
        "Create a key for TENANT, append its hash to the key file, print the key (only once).")
final class KeysAddCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "TENANT",
      description = "Tenant name: 1 to 64 of A-Z a-z 0-9 . _ -")
  String tenant;

  @Option(
      names = "--file",
      paramLabel = "FILE",
      defaultValue = "${env:" + ApiKeyOptions.ENV + "}",
      description = "Key file, created when missing (env: " + ApiKeyOptions.ENV + ").")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    if (file == null) {
      err.println("lumina keys add: --file FILE is required (or set " + ApiKeyOptions.ENV + ")");
      return 2;
    }
    String key;
    try {
      key = ApiKeys.add(file, tenant);
    } catch (IllegalArgumentException e) {
      err.println("lumina keys add: " + e.getMessage());
      return 2;
    } catch (ApiKeyFileException e) {
      err.println("lumina keys add: " + e.getMessage());
      return e.line() > 0 ? 2 : 1;
    }
    err.println(
        "lumina keys add: added a key for tenant '"
            + tenant
            + "' to "
            + file
            + "; it is shown once, below: give it to the tenant (sent as x-api-key)");
    err.flush();
    var out = spec.commandLine().getOut();
    out.println(key);
    out.flush();
    return 0;
  }
}
