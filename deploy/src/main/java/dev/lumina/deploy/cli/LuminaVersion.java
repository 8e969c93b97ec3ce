package dev.lumina.deploy.cli;

import picocli.CommandLine;

/**
 * Reports the launcher version from the jar manifest ({@code Implementation-Version}); stateless.
 */
final class LuminaVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Lumina.class.getPackage().getImplementationVersion();
    return new String[] {"lumina " + (v == null ? "(development build)" : v)};
  }
}
