package dev.lumina.engine.pytorch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive (the zip that {@code torch.jit.save} produces) for one module class
 * without parameters, so that Java can hand a scripted function to libtorch without Python.
 *
 * <p>Layout, all entries stored uncompressed under one top-level folder:
 *
 * <ul>
 *   <li>{@code code/__torch__.py}: the class source, {@code class Name(Module):} with the attribute
 *       declarations a scripted module carries and its methods in TorchScript syntax;
 *   <li>{@code data.pkl}: the module object, pickle protocol 2: {@code GLOBAL __torch__ Name},
 *       {@code EMPTY_TUPLE}, {@code NEWOBJ}, a state dict {@code {"training": False}}, {@code
 *       BUILD};
 *   <li>{@code constants.pkl}: an empty tuple (no tensor constants);
 *   <li>{@code version} and {@code .data/version}: the file-format version as decimal ASCII;
 *   <li>{@code byteorder}: {@code little}.
 * </ul>
 *
 * <p>Stateless; every method is thread-safe.
 */
public final class TorchScriptArchive {

  /**
   * File-format version written; 10 is the newest libtorch 2.x reads, so no operator upgraders run.
   */
  static final int FORMAT_VERSION = 10;

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private TorchScriptArchive() {}

  /**
   * Returns the archive bytes for module class {@code className} whose methods are {@code methods}.
   *
   * @param className a Python identifier; the qualified name becomes {@code __torch__.className}
   * @param methods method definitions indented by two spaces (class-body level), in TorchScript
   *     syntax, each starting with {@code def name(self: __torch__.className, ...) -> T:}
   * @throws IllegalArgumentException if {@code className} is not an identifier or methods is blank
   */
  public static byte[] bytes(String className, String methods) {
    if (className == null || !IDENTIFIER.matcher(className).matches()) {
      throw new IllegalArgumentException("className must be a Python identifier, got " + className);
    }
    if (methods == null || methods.isBlank()) {
      throw new IllegalArgumentException("methods must hold at least one method definition");
    }
    String source =
        "class "
            + className
            + "(Module):\n"
            + "  __parameters__ = []\n"
            + "  __buffers__ = []\n"
            + "  training : bool\n"
            + methods
            + (methods.endsWith("\n") ? "" : "\n");
    Map<String, byte[]> records = new LinkedHashMap<>();
    records.put("data.pkl", moduleObjectPickle(className));
    records.put("code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
    records.put("constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
    byte[] version = (FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII);
    records.put("version", version);
    records.put(".data/version", version);
    records.put("byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeZip(out, className.toLowerCase(java.util.Locale.ROOT), records);
    return out.toByteArray();
  }

  /**
   * The archive of {@link #bytes(String, String)} as a file: {@code
   * lumina-torchscript/lumina-CLASS-HASH.pt} under the temporary directory, named by its content,
   * written once (atomically) and reused by every later process, so a process that dies leaves
   * nothing new behind. Falls back to a fresh temporary file (deleted on exit) when that folder is
   * not writable.
   *
   * @throws UncheckedIOException if no file can be written
   */
  public static Path writeTemp(String className, String methods) {
    byte[] data = bytes(className, methods);
    String hash;
    try {
      hash =
          java.util.HexFormat.of()
              .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data))
              .substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "lumina-torchscript");
    Path file = dir.resolve("lumina-" + className + "-" + hash + ".pt");
    try {
      if (Files.isRegularFile(file) && java.util.Arrays.equals(Files.readAllBytes(file), data)) {
        return file;
      }
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + className + "-", ".tmp");
      try {
        Files.write(tmp, data);
        Files.move(
            tmp,
            file,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      return file;
    } catch (IOException e) {
      try {
        Path own = Files.createTempFile("lumina-" + className + "-", ".pt");
        own.toFile().deleteOnExit();
        Files.write(own, data);
        return own;
      } catch (IOException again) {
        again.addSuppressed(e);
        throw new UncheckedIOException("cannot write TorchScript archive for " + className, again);
      }
    }
  }

  /**
   * Pickle (protocol 2) of a {@code __torch__.className} object with state {@code training=False}.
   */
  static byte[] moduleObjectPickle(String className) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(0x80); // PROTO
    p.write(2);
    p.write('c'); // GLOBAL module\nname\n
    p.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
    p.write(')'); // EMPTY_TUPLE
    p.write(0x81); // NEWOBJ
    p.write('}'); // EMPTY_DICT
    p.write('('); // MARK
    byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
    p.write('X'); // BINUNICODE, 4-byte little-endian length
    p.write(key.length);
    p.write(0);
    p.write(0);
    p.write(0);
    p.writeBytes(key);
    p.write(0x89); // NEWFALSE
    p.write('u'); // SETITEMS
    p.write('b'); // BUILD
    p.write('.'); // STOP
    return p.toByteArray();
  }

  private static void writeZip(OutputStream target, String folder, Map<String, byte[]> records) {
    try (ZipOutputStream zip = new ZipOutputStream(target)) {
      zip.setMethod(ZipOutputStream.STORED);
      for (Map.Entry<String, byte[]> record : records.entrySet()) {
        byte[] data = record.getValue();
        ZipEntry entry = new ZipEntry(folder + "/" + record.getKey());
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot assemble TorchScript archive", e);
    }
  }
}
