package dev.ctc4j.lm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Words interned from byte ranges in insertion order: ids are 0, 1, 2, ... */
final class Vocabulary {
  private byte[] blob = new byte[1 << 16]; // the words, each followed by a NUL byte
  private int blobSize;
  private int[] offsets = new int[1024];
  private int[] slots = filled(2048); // open addressing over ids, -1 empty
  private int size;

  int size() {
    return size;
  }

  /** The words NUL-terminated back to back, as the native table takes them. */
  byte[] packed() {
    return Arrays.copyOf(blob, blobSize);
  }

  String word(int id) {
    int from = offsets[id];
    int to = from;
    while (blob[to] != 0) to++;
    return new String(blob, from, to - from, StandardCharsets.UTF_8);
  }

  int id(String word) {
    byte[] b = word.getBytes(StandardCharsets.UTF_8);
    return find(b, 0, b.length);
  }

  /** The id of bytes[from, to), or -1. */
  int find(byte[] bytes, int from, int to) {
    for (int s = hash(bytes, from, to) & (slots.length - 1); ; s = (s + 1) & (slots.length - 1)) {
      int id = slots[s];
      if (id < 0 || matches(id, bytes, from, to)) return id;
    }
  }

  /** Adds a word not yet present; returns its id. */
  int add(byte[] bytes, int from, int to) {
    if (2 * (size + 1) > slots.length) rehash();
    int length = to - from;
    while (blobSize + length + 1 > blob.length) blob = Arrays.copyOf(blob, blob.length * 2);
    if (size == offsets.length) offsets = Arrays.copyOf(offsets, size * 2);
    System.arraycopy(bytes, from, blob, blobSize, length);
    offsets[size] = blobSize;
    blobSize += length;
    blob[blobSize++] = 0;
    insertSlot(size, hash(bytes, from, to));
    return size++;
  }

  private boolean matches(int id, byte[] bytes, int from, int to) {
    int at = offsets[id];
    for (int i = from; i < to; i++, at++) {
      if (blob[at] != bytes[i]) return false;
    }
    return blob[at] == 0;
  }

  private void insertSlot(int id, int hash) {
    int s = hash & (slots.length - 1);
    while (slots[s] >= 0) s = (s + 1) & (slots.length - 1);
    slots[s] = id;
  }

  private void rehash() {
    slots = filled(slots.length * 2);
    for (int id = 0; id < size; id++) {
      int from = offsets[id];
      int to = from;
      while (blob[to] != 0) to++;
      insertSlot(id, hash(blob, from, to));
    }
  }

  private static int hash(byte[] bytes, int from, int to) {
    int h = 0x811C9DC5;
    for (int i = from; i < to; i++) h = (h ^ bytes[i]) * 0x01000193;
    return h ^ (h >>> 15);
  }

  private static int[] filled(int n) {
    int[] a = new int[n];
    Arrays.fill(a, -1);
    return a;
  }
}
