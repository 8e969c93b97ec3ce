package dev.lumina.deploy.client;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How one {@link GenerateClient} call ended.
 *
 * @param exitCode 0 when the job completed, 1 when it was refused or failed or no server answered
 * @param written the files written under the output folder, in the order written (empty unless
 *     completed)
 */
public record GenerateResult(int exitCode, List<Path> written) {
  public GenerateResult {
    if (exitCode != 0 && exitCode != 1) {
      throw new IllegalArgumentException("exitCode must be 0 or 1, got " + exitCode);
    }
    written = List.copyOf(Objects.requireNonNull(written, "written"));
  }

  static GenerateResult failed() {
    return new GenerateResult(1, List.of());
  }
}
