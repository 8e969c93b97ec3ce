package dev.lumina.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.util.Map;

/**
 * Finds the {@code string} field whose bytes are not UTF-8 in a serialized message, which protobuf
 * refuses to parse without saying where. Reads the wire format field by field against the message's
 * descriptor, into nested messages and map entries. Stateless.
 */
final class Utf8Fields {
  private static final int MAX_DEPTH = 32;

  private Utf8Fields() {}

  /**
   * The path of the first string field of {@code type} in {@code bytes} that is not valid UTF-8
   * (e.g. {@code prompt}, {@code labels.key}), or null when there is none or the bytes are not a
   * well-formed message at all.
   */
  static String firstInvalid(Descriptor type, byte[] bytes) {
    try {
      return firstInvalid(type, ByteString.copyFrom(bytes), "", 0);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static String firstInvalid(Descriptor type, ByteString bytes, String prefix, int depth)
      throws InvalidProtocolBufferException {
    if (depth > MAX_DEPTH) {
      return null;
    }
    UnknownFieldSet fields = UnknownFieldSet.parseFrom(bytes);
    for (Map.Entry<Integer, UnknownFieldSet.Field> e : fields.asMap().entrySet()) {
      FieldDescriptor f = type.findFieldByNumber(e.getKey());
      if (f == null) {
        continue;
      }
      String path = prefix + f.getName();
      for (ByteString value : e.getValue().getLengthDelimitedList()) {
        if (f.getType() == FieldDescriptor.Type.STRING && !value.isValidUtf8()) {
          return path;
        }
        if (f.getType() == FieldDescriptor.Type.MESSAGE) {
          String inner = firstInvalid(f.getMessageType(), value, path + ".", depth + 1);
          if (inner != null) {
            return inner;
          }
        }
      }
    }
    return null;
  }
}
