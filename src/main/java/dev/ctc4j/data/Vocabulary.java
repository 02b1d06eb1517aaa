package dev.ctc4j.data;

import dev.ctc4j.InvalidInputException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Output labels of a character CTC model. The default is deepspeech.pytorch's 29: blank {@code _}
 * at index 0, apostrophe, a–z, space. Immutable.
 */
public final class Vocabulary {
  private final List<String> labels;
  private final int blank;
  private final Map<Character, Integer> index = new HashMap<>();

  public Vocabulary(List<String> labels, int blank) {
    if (blank < 0 || blank >= labels.size()) throw new InvalidInputException("blank index " + blank + " outside the labels");
    this.labels = List.copyOf(labels);
    this.blank = blank;
    for (int i = 0; i < labels.size(); i++) {
      if (i == blank) continue;
      String label = labels.get(i);
      if (label.length() != 1) throw new InvalidInputException("label " + i + " '" + label + "' is not one character");
      if (index.put(label.charAt(0), i) != null) throw new InvalidInputException("label '" + label + "' appears twice");
    }
  }

  public static Vocabulary english() {
    List<String> labels = new java.util.ArrayList<>(List.of("_", "'"));
    for (char c = 'a'; c <= 'z'; c++) labels.add(String.valueOf(c));
    labels.add(" ");
    return new Vocabulary(labels, 0);
  }

  public List<String> labels() {
    return labels;
  }

  public int size() {
    return labels.size();
  }

  public int blank() {
    return blank;
  }

  /** The index of the word separator, or -1 if there is none. */
  public int space() {
    return index.getOrDefault(' ', -1);
  }

  /** Label indices of a normalised transcript; throws naming the first character without a label. */
  public int[] encode(String text) {
    int[] out = new int[text.length()];
    for (int i = 0; i < out.length; i++) {
      Integer id = index.get(text.charAt(i));
      if (id == null) {
        throw new InvalidInputException("character '" + text.charAt(i) + "' at " + i + " of \"" + text + "\" has no label");
      }
      out[i] = id;
    }
    return out;
  }

  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder(ids.length);
    for (int id : ids) {
      if (id < 0 || id >= labels.size()) throw new InvalidInputException("label index " + id + " out of range");
      if (id != blank) sb.append(labels.get(id));
    }
    return sb.toString();
  }
}
