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
}
