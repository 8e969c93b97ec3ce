package dev.lumina.engine.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Encodes mono float samples as 16-bit PCM WAV (RIFF) files. Stateless and thread-safe. */
public final class WavEncoder {

  /** The media type of what {@link #encodePcm16} returns. */
  public static final String MEDIA_TYPE = "audio/wav";

  /** Highest sample rate accepted, in Hz. */
  public static final int MAX_SAMPLE_RATE_HZ = 384_000;

  private static final int HEADER_BYTES = 44;

  private WavEncoder() {}

  /**
   * The samples (nominally in [-1, 1]; values outside are clipped, NaN becomes silence) as a
   * complete mono 16-bit WAV file at {@code sampleRateHz}.
   */
  public static byte[] encodePcm16(float[] samples, int sampleRateHz) {
    if (samples == null) {
      throw new IllegalArgumentException("samples must not be null");
    }
    if (sampleRateHz < 1 || sampleRateHz > MAX_SAMPLE_RATE_HZ) {
      throw new IllegalArgumentException(
          "sample_rate_hz must be in [1, " + MAX_SAMPLE_RATE_HZ + "], got " + sampleRateHz);
    }
    long dataBytes = (long) samples.length * 2;
    if (dataBytes > Integer.MAX_VALUE - HEADER_BYTES) {
      throw new IllegalArgumentException("too many samples for one WAV file: " + samples.length);
    }
    ByteBuffer b =
        ByteBuffer.allocate(HEADER_BYTES + (int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {'R', 'I', 'F', 'F'}).putInt(36 + (int) dataBytes);
    b.put(new byte[] {'W', 'A', 'V', 'E'});
    b.put(new byte[] {'f', 'm', 't', ' '}).putInt(16);
    b.putShort((short) 1); // PCM
    b.putShort((short) 1); // mono
    b.putInt(sampleRateHz);
    b.putInt(sampleRateHz * 2); // byte rate
    b.putShort((short) 2); // block align
    b.putShort((short) 16); // bits per sample
    b.put(new byte[] {'d', 'a', 't', 'a'}).putInt((int) dataBytes);
    for (float s : samples) {
      float c = Float.isNaN(s) ? 0f : Math.max(-1f, Math.min(1f, s));
      b.putShort((short) Math.round(c * 32767f));
    }
    return b.array();
  }
}
