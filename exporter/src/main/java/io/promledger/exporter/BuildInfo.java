package io.promledger.exporter;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest, for {@code --version}. */
final class BuildInfo implements IVersionProvider {
  static String version() {
    String v = BuildInfo.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  @Override
  public String[] getVersion() {
    return new String[] {"promledger-exporter " + version()};
  }
}
