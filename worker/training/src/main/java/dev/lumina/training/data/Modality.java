package dev.lumina.training.data;

/**
 * The kinds of synthetic samples; they differ in frame count, so a training batch holds one kind.
 */
public enum Modality {
  IMAGE,
  VIDEO,
  MULTI_VIEW
}
