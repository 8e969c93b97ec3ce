package dev.lumina.it.fuzz;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.lumina.it.fuzz.RawCalls.Rpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Raw request bytes for every method: random bytes, truncated and bit-flipped well-formed requests
 * (from {@code arbs}), and string fields that are not UTF-8 spliced into the wire format.
 */
record RawCases(FuzzArbitraries arbs) {

  /** Random bytes, truncated or bit-flipped messages, and string fields that are not UTF-8. */
  Arbitrary<FuzzArbitraries.Case> any() {
    return Arbitraries.of(Rpc.values()).flatMap(this::rawCases);
  }

  private Arbitrary<FuzzArbitraries.Case> rawCases(Rpc rpc) {
    List<Tuple.Tuple2<Integer, Arbitrary<FuzzArbitraries.Case>>> kinds = new ArrayList<>();
    kinds.add(
        Tuple.of(
            5,
            Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(600)
                .map(b -> raw(rpc, "random bytes", b, false))));
    kinds.add(
        Tuple.of(
            1,
            Arbitraries.bytes()
                .array(byte[].class)
                .ofMinSize(4_000)
                .ofMaxSize(20_000)
                .map(b -> raw(rpc, "random bytes", b, false))));
    kinds.add(
        Tuple.of(
            4,
            Combinators.combine(arbs.wellFormed(rpc), Arbitraries.doubles().between(0, 1))
                .as(
                    (b, cut) -> {
                      int n = b.length < 2 ? 0 : 1 + (int) (cut * (b.length - 2));
                      return raw(rpc, "truncated message", Arrays.copyOf(b, n), false);
                    })));
    kinds.add(
        Tuple.of(
            3,
            Combinators.combine(
                    arbs.wellFormed(rpc),
                    Arbitraries.integers()
                        .between(0, Integer.MAX_VALUE)
                        .list()
                        .ofMinSize(1)
                        .ofMaxSize(8))
                .as(
                    (b, flips) -> {
                      byte[] out = b.clone();
                      for (int f : flips) {
                        if (out.length > 0) {
                          out[f % out.length] ^= (byte) (1 << (f % 8));
                        }
                      }
                      return raw(rpc, "bit-flipped message", out, false);
                    })));
    List<List<FieldDescriptor>> stringPaths = stringPaths(rpc.requestType, 0);
    if (!stringPaths.isEmpty()) {
      kinds.add(
          Tuple.of(
              5,
              Combinators.combine(
                      Arbitraries.of(stringPaths),
                      badUtf8(),
                      arbs.wellFormed(rpc),
                      Arbitraries.of(true, false))
                  .as(
                      (path, bad, base, before) -> {
                        byte[] field = encodePath(path, bad);
                        byte[] out = before ? concat(field, base) : concat(base, field);
                        String name =
                            String.join(".", path.stream().map(FieldDescriptor::getName).toList());
                        return raw(rpc, "invalid UTF-8 in " + name, out, true);
                      })));
    }
    return Arbitraries.frequencyOf(kinds);
  }

  private static FuzzArbitraries.Case raw(Rpc rpc, String kind, byte[] bytes, boolean mustRefuse) {
    String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 48));
    return new FuzzArbitraries.Case(
        rpc,
        bytes,
        "[" + kind + "] " + bytes.length + " bytes: " + hex + (bytes.length > 48 ? "…" : ""),
        mustRefuse);
  }

  /** Byte strings that are not UTF-8: lone continuation, overlong, surrogates, BOM-like ff fe. */
  static Arbitrary<byte[]> badUtf8() {
    Arbitrary<byte[]> fixed =
        Arbitraries.of(
            new byte[] {(byte) 0xff, (byte) 0xfe},
            new byte[] {(byte) 0xc3, (byte) 0x28},
            new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xc0, (byte) 0xaf},
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xe2, (byte) 0x82});
    return Combinators.combine(
            Arbitraries.strings().ascii().ofMaxLength(20),
            fixed,
            Arbitraries.strings().ascii().ofMaxLength(20))
        .as(
            (a, bad, z) ->
                concat(
                    concat(a.getBytes(StandardCharsets.US_ASCII), bad),
                    z.getBytes(StandardCharsets.US_ASCII)));
  }

  /** Paths to every string field of {@code type}, through nested messages and map entries. */
  static List<List<FieldDescriptor>> stringPaths(Descriptor type, int depth) {
    List<List<FieldDescriptor>> out = new ArrayList<>();
    for (FieldDescriptor f : type.getFields()) {
      if (f.getType() == FieldDescriptor.Type.STRING) {
        out.add(List.of(f));
      } else if (f.getType() == FieldDescriptor.Type.MESSAGE && depth < 3) {
        for (List<FieldDescriptor> inner : stringPaths(f.getMessageType(), depth + 1)) {
          List<FieldDescriptor> p = new ArrayList<>();
          p.add(f);
          p.addAll(inner);
          out.add(p);
        }
      }
    }
    return out;
  }

  /** The wire bytes of {@code value} as the innermost field of {@code path}. */
  static byte[] encodePath(List<FieldDescriptor> path, byte[] value) {
    byte[] inner = value;
    for (int i = path.size() - 1; i >= 0; i--) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(buf);
      try {
        out.writeByteArray(path.get(i).getNumber(), inner);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      inner = buf.toByteArray();
    }
    return inner;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
