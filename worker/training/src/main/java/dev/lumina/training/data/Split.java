package dev.lumina.training.data;

/** Which side of the {@link HeldOut} partition a sample is drawn from. */
public enum Split {
  /** Every combination except the held-out ones. */
  TRAIN,
  /** Only held-out combinations. */
  HELD_OUT
}
