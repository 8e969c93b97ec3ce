package dev.lumina.engine.model;

/**
 * Which latent channels classifier-free guidance applies to (flag-dit-spec §9.4). Lumina
 * checkpoints reproduce the reference quirk: channels 0..2 guided, the rest take the conditional
 * prediction unguided.
 */
public enum Guidance {
  /** Reference behaviour of Lumina's {@code forward_with_cfg}: guide channels [0, 3) only. */
  FIRST_THREE_CHANNELS,
  /** Standard CFG on every channel. */
  ALL_CHANNELS;

  /** Number of leading channels guided for a latent of {@code channels} channels. */
  public int guidedChannels(int channels) {
    return this == ALL_CHANNELS ? channels : Math.min(3, channels);
  }
}
