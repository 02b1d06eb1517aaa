package dev.ctc4j.decode;

import dev.ctc4j.InvalidInputException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * The output classes of a CTC model: each class's text, the blank class, and the word separator
 * (the class whose text is a space, or -1 when words are not separated).
 */
public record Labels(List<String> tokens, int blank, int space) {
  public Labels {
    tokens = List.copyOf(tokens);
    if (tokens.size() < 2) throw new InvalidInputException("need at least 2 labels, got " + tokens.size());
    if (blank < 0 || blank >= tokens.size()) throw new InvalidInputException("blank index " + blank + " outside the labels");
    if (space < -1 || space >= tokens.size() || space == blank) {
      throw new InvalidInputException("bad word-separator index " + space);
    }
    if (new HashSet<>(tokens).size() != tokens.size()) throw new InvalidInputException("duplicate labels in " + tokens);
    for (int i = 0; i < tokens.size(); i++) {
      if (tokens.get(i).isEmpty() || tokens.get(i).indexOf('\0') >= 0) {
        throw new InvalidInputException("label " + i + " is empty or holds a NUL character");
      }
    }
  }

  /** "_" (blank), " ", "'", "a" .. "z": the 29 classes of an English character model. */
  public static Labels english() {
    List<String> t = new ArrayList<>(List.of("_", " ", "'"));
    for (char c = 'a'; c <= 'z'; c++) t.add(String.valueOf(c));
    return new Labels(t, 0, 1);
  }

  public int size() {
    return tokens.size();
  }

  public String text(int token) {
    return tokens.get(token);
  }

  /** Label indices of a normalised transcript, one per character; throws naming a character without a label. */
  public int[] encode(String transcript) {
    java.util.Map<Character, Integer> index = new java.util.HashMap<>();
    for (int i = 0; i < tokens.size(); i++) {
      if (i != blank && tokens.get(i).length() == 1) index.put(tokens.get(i).charAt(0), i);
    }
    int[] out = new int[transcript.length()];
    for (int i = 0; i < out.length; i++) {
      Integer id = index.get(transcript.charAt(i));
      if (id == null) {
        throw new InvalidInputException("character '" + transcript.charAt(i) + "' at " + i + " of \"" + transcript
            + "\" has no label");
      }
      out[i] = id;
    }
    return out;
  }

  /** The text of label indices, blanks dropped (no repeat collapsing: these are labels, not frames). */
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (id < 0 || id >= tokens.size()) throw new InvalidInputException("label index " + id + " out of range");
      if (id != blank) sb.append(tokens.get(id));
    }
    return sb.toString();
  }
}
