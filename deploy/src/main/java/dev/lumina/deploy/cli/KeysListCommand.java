package dev.lumina.deploy.cli;

import dev.lumina.gateway.ApiKeyFileException;
import dev.lumina.gateway.ApiKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lumina keys list --file FILE}: one line per key, {@code TENANT sha256:PREFIX... line N},
 * in file order; never a key (the file holds none). Exit codes: 0 listed; 2 no file, or it is
 * malformed (the line named).
 */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List the tenants of a key file with the first digits of each key's hash.")
final class KeysListCommand implements Callable<Integer> {

  @Option(
      names = "--file",
      paramLabel = "FILE",
      defaultValue = "${env:" + ApiKeyOptions.ENV + "}",
      description = "Key file (env: " + ApiKeyOptions.ENV + ").")
  Path file;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    if (file == null) {
      err.println("lumina keys list: --file FILE is required (or set " + ApiKeyOptions.ENV + ")");
      return 2;
    }
    List<ApiKeys.Listed> keys;
    try {
      keys = ApiKeys.list(file);
    } catch (ApiKeyFileException e) {
      err.println("lumina keys list: " + e.getMessage());
      return 2;
    }
    var out = spec.commandLine().getOut();
    for (ApiKeys.Listed k : keys) {
      out.println(k.tenant() + " sha256:" + k.hashPrefix() + "... line " + k.line());
    }
    out.flush();
    err.println("lumina keys list: " + keys.size() + " keys in " + file);
    return 0;
  }
}
