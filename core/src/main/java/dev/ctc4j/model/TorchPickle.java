package dev.ctc4j.model;

import dev.ctc4j.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted unpickler for the data.pkl of a torch.save archive: a stack machine over the
 * opcodes of pickle protocols 2 to 5 that a state dict uses, which builds plain data (strings,
 * numbers, tuples, lists, dicts) and tensor descriptions, never objects. GLOBAL and STACK_GLOBAL
 * resolve only the allow-listed names in {@link Callable} and {@link DType}; REDUCE calls only
 * those callables, BUILD only sets (and ignores) an OrderedDict's attributes, and a persistent id
 * must name a storage. Every length, index and count is checked against the bytes there are
 * before anything is allocated, so hostile input ends in {@link InvalidInputException}. Stateless
 * apart from one run's stack and memo: one instance per call.
 */
final class TorchPickle {
  /** Storage element types by torch's storage class name; only floating types are kept. */
  enum DType {
    FLOAT32("FloatStorage", 4, true), FLOAT16("HalfStorage", 2, true), BFLOAT16("BFloat16Storage", 2, true),
    FLOAT64("DoubleStorage", 8, true), INT64("LongStorage", 8, false), INT32("IntStorage", 4, false),
    INT16("ShortStorage", 2, false), INT8("CharStorage", 1, false), UINT8("ByteStorage", 1, false),
    BOOL("BoolStorage", 1, false);

    final String storageClass;
    final int bytes;
    final boolean floating;

    DType(String storageClass, int bytes, boolean floating) {
      this.storageClass = storageClass;
      this.bytes = bytes;
      this.floating = floating;
    }
  }

  /** The functions a state dict's pickle may call; all are data constructors. */
  private enum Callable {
    ORDERED_DICT("collections", "OrderedDict"),
    REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
    REBUILD_PARAMETER("torch._utils", "_rebuild_parameter"),
    REBUILD_PARAMETER_WITH_STATE("torch._utils", "_rebuild_parameter_with_state"),
    /** libtorch's torch::pickle_save wraps dicts as restore_type_tag(dict, "Dict[...]"). */
    RESTORE_TYPE_TAG("torch.jit._pickle", "restore_type_tag");

    final String module, name;

    Callable(String module, String name) {
      this.module = module;
      this.name = name;
    }
  }

  /** A storage named by a persistent id: the archive entry data/{key} holds numel elements. */
  record Storage(String key, DType dtype, long numel) {}

  /** A strided view of a storage, as torch._utils._rebuild_tensor_v2 describes it. */
  record View(Storage storage, long offset, long[] size, long[] stride) {}

  private record Tuple(List<Object> items) {}

  private static final class OrderedDict extends LinkedHashMap<Object, Object> {}

  private enum None { NONE }

  static final int MAX_MARKS = 32;
  static final int MAX_OPS = 1 << 20;
  static final int MAX_DIMS = 64;
  private static final Map<String, Object> GLOBALS = new HashMap<>();

  static {
    for (Callable c : Callable.values()) GLOBALS.put(c.module + "." + c.name, c);
    for (DType d : DType.values()) GLOBALS.put("torch." + d.storageClass, d);
  }

  private final byte[] data;
  private final String where;
  private final List<Object> stack = new ArrayList<>();
  private final Deque<Integer> marks = new ArrayDeque<>();
  private final Map<Long, Object> memo = new HashMap<>();
  private final Map<String, Storage> storages = new HashMap<>();
  private int pos, opStart;

  private TorchPickle(byte[] data, String where) {
    this.data = data;
    this.where = where;
  }

  /**
   * The state dict pickled in {@code data}: names to tensor views, in the pickle's order.
   * {@code where} names the input in error messages.
   */
  static Map<String, View> stateDict(byte[] data, String where) {
    Object root = new TorchPickle(data, where).run();
    if (!(root instanceof Map<?, ?> dict)) {
      throw new InvalidInputException(where + ": the pickle holds " + typeName(root) + ", not a state dict");
    }
    Map<String, View> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      if (!(e.getKey() instanceof String name)) {
        throw new InvalidInputException(where + ": a state dict key is " + typeName(e.getKey()) + ", not a string");
      }
      if (!(e.getValue() instanceof View view)) {
        throw new InvalidInputException(where + ": '" + printable(name) + "' is " + typeName(e.getValue())
            + ", not a tensor");
      }
      out.put(name, view);
    }
    return out;
  }

  // ---- the machine --------------------------------------------------------------------------------

  private Object run() {
    for (int ops = 1; ; ops++) {
      // Each opcode may build an object (a 1-byte EMPTY_DICT, a 60-byte map): bounding them bounds the heap.
      if (ops > MAX_OPS) throw bad("more than " + MAX_OPS + " opcodes (a state dict needs about 15 a tensor)");
      opStart = pos;
      int op = u8();
      if (op == '.') return stop();
      step(op);
    }
  }

  private Object stop() {
    if (!marks.isEmpty()) throw bad("STOP inside an open MARK");
    if (stack.size() != 1) throw bad("STOP with " + stack.size() + " values on the stack, not 1");
    if (pos != data.length) throw bad((data.length - pos) + " bytes after STOP");
    return stack.get(0);
  }

  private void step(int op) {
    switch (op) {
      case 0x80 -> { // PROTO
        int protocol = u8();
        if (protocol < 2 || protocol > 5) throw bad("pickle protocol " + protocol + " (only 2 to 5 are read)");
      }
      case 0x95 -> { // FRAME: a length hint; the frame's opcodes follow inline
        long length = int64();
        if (length < 0 || length > data.length - pos) throw bad("frame of " + length + " bytes past the end");
      }
      case '(' -> { // MARK
        if (marks.size() == MAX_MARKS) throw bad("MARKs nested deeper than " + MAX_MARKS);
        marks.push(stack.size());
      }
      case '}' -> stack.add(new LinkedHashMap<>()); // EMPTY_DICT
      case ']' -> stack.add(new ArrayList<>()); // EMPTY_LIST
      case ')' -> stack.add(new Tuple(List.of())); // EMPTY_TUPLE
      case 't' -> stack.add(new Tuple(popMark())); // TUPLE
      case 0x85 -> stack.add(tuple(1)); // TUPLE1
      case 0x86 -> stack.add(tuple(2)); // TUPLE2
      case 0x87 -> stack.add(tuple(3)); // TUPLE3
      case 'a' -> { // APPEND
        Object item = pop();
        list(peek("APPEND")).add(item);
      }
      case 'e' -> { // APPENDS
        List<Object> items = popMark();
        list(peek("APPENDS")).addAll(items);
      }
      case 's' -> { // SETITEM
        Object value = pop(), key = pop();
        put(dict(peek("SETITEM")), key, value);
      }
      case 'u' -> setItems(); // SETITEMS
      case 'q' -> memoize(u8()); // BINPUT
      case 'r' -> memoize(uint32()); // LONG_BINPUT
      case 0x94 -> memoize(memo.size()); // MEMOIZE
      case 'h' -> stack.add(recall(u8())); // BINGET
      case 'j' -> stack.add(recall(uint32())); // LONG_BINGET
      case 'X' -> stack.add(utf8(uint32())); // BINUNICODE
      case 0x8c -> stack.add(utf8(u8())); // SHORT_BINUNICODE
      case 0x8d -> stack.add(utf8(int64())); // BINUNICODE8
      case 'c' -> stack.add(global(line(), line())); // GLOBAL
      case 0x93 -> { // STACK_GLOBAL
        Object name = pop(), module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) throw bad("STACK_GLOBAL of non-strings");
        stack.add(global(m, n));
      }
      case 'Q' -> stack.add(persistentLoad(pop())); // BINPERSID
      case 'J' -> stack.add((long) bytes(4).getInt()); // BININT
      case 'K' -> stack.add((long) u8()); // BININT1
      case 'M' -> stack.add((long) (bytes(2).getShort() & 0xffff)); // BININT2
      case 0x8a -> stack.add(long1()); // LONG1
      case 'N' -> stack.add(None.NONE); // NONE
      case 0x88 -> stack.add(Boolean.TRUE); // NEWTRUE
      case 0x89 -> stack.add(Boolean.FALSE); // NEWFALSE
      case 'G' -> stack.add(bytes(8).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
      case 'R' -> reduce(); // REDUCE
      case 'b' -> build(); // BUILD
      default -> throw bad(String.format("opcode 0x%02x is not one a state dict uses", op));
    }
  }

  // ---- stack and memo -----------------------------------------------------------------------------

  private Object pop() {
    int floor = marks.isEmpty() ? 0 : marks.peek();
    if (stack.size() <= floor) throw bad("stack underflow");
    return stack.remove(stack.size() - 1);
  }

  private Object peek(String op) {
    int floor = marks.isEmpty() ? 0 : marks.peek();
    if (stack.size() <= floor) throw bad(op + " with no target on the stack");
    return stack.get(stack.size() - 1);
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) throw bad("no MARK to pop to");
    int at = marks.pop();
    List<Object> items = new ArrayList<>(stack.subList(at, stack.size()));
    stack.subList(at, stack.size()).clear();
    return items;
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object target) {
    if (!(target instanceof ArrayList)) throw bad("APPEND to " + typeName(target) + ", not a list");
    return (List<Object>) target;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dict(Object target) {
    if (!(target instanceof LinkedHashMap)) throw bad("SETITEM on " + typeName(target) + ", not a dict");
    return (Map<Object, Object>) target;
  }

  private Tuple tuple(int n) {
    Object[] items = new Object[n];
    for (int i = n - 1; i >= 0; i--) items[i] = pop();
    return new Tuple(List.of(items));
  }

  private void setItems() {
    List<Object> items = popMark();
    if (items.size() % 2 != 0) throw bad("SETITEMS with an odd number of items");
    Map<Object, Object> dict = dict(peek("SETITEMS"));
    for (int i = 0; i < items.size(); i += 2) put(dict, items.get(i), items.get(i + 1));
  }

  /** Keys are strings or integers: nothing else in a state dict is a key, and those hash safely. */
  private void put(Map<Object, Object> dict, Object key, Object value) {
    if (!(key instanceof String) && !(key instanceof Long)) throw bad("a dict key is " + typeName(key));
    dict.put(key, value);
  }

  private void memoize(long index) {
    memo.put(index, peek("memo PUT"));
  }

  private Object recall(long index) {
    Object value = memo.get(index);
    if (value == null) throw bad("memo index " + index + " was never stored");
    return value;
  }

  // ---- globals, persistent ids, REDUCE and BUILD ------------------------------------------------------

  private Object global(String module, String name) {
    Object resolved = GLOBALS.get(module + "." + name);
    if (resolved == null) {
      throw bad("global " + printable(module + "." + name) + " is not allowed (a state dict needs only "
          + "collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_parameter and torch.*Storage)");
    }
    return resolved;
  }

  /** ('storage', torch.XStorage, key, location, numel); one key always names the same storage. */
  private Storage persistentLoad(Object pid) {
    List<Object> id = pid instanceof Tuple t ? t.items() : List.of();
    if (id.size() != 5 || !"storage".equals(id.get(0)) || !(id.get(1) instanceof DType dtype)
        || !(id.get(2) instanceof String key) || !(id.get(3) instanceof String) || !(id.get(4) instanceof Long numel)) {
      throw bad("persistent id is not ('storage', torch.<Type>Storage, key, location, numel)");
    }
    if (numel < 0) throw bad("storage '" + printable(key) + "' has " + numel + " elements");
    Storage storage = new Storage(key, dtype, numel);
    Storage known = storages.putIfAbsent(key, storage);
    if (known != null && !known.equals(storage)) {
      throw bad("storage '" + printable(key) + "' is declared twice, differently");
    }
    return known != null ? known : storage;
  }

  private void reduce() {
    Object args = pop(), function = pop();
    if (!(function instanceof Callable callable)) throw bad("REDUCE calls " + typeName(function));
    if (!(args instanceof Tuple tuple)) throw bad("REDUCE arguments are " + typeName(args) + ", not a tuple");
    List<Object> a = tuple.items();
    stack.add(switch (callable) {
      case ORDERED_DICT -> {
        if (!a.isEmpty()) throw bad("OrderedDict called with arguments");
        yield new OrderedDict();
      }
      case REBUILD_TENSOR_V2 -> rebuildTensor(a);
      case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
        int arity = callable == Callable.REBUILD_PARAMETER ? 3 : 4;
        if (a.size() != arity || !(a.get(0) instanceof View view) || !(a.get(1) instanceof Boolean)) {
          throw bad(callable.name + " needs (tensor, requires_grad, hooks" + (arity == 4 ? ", state)" : ")"));
        }
        requireNoHooks(a.get(2));
        yield view;
      }
      case RESTORE_TYPE_TAG -> {
        if (a.size() != 2 || !(a.get(0) instanceof Map) || !(a.get(1) instanceof String)) {
          throw bad("restore_type_tag needs (dict, type string)");
        }
        yield a.get(0);
      }
    });
  }

  /** (storage, offset, size, stride, requires_grad, backward_hooks[, metadata]) */
  private View rebuildTensor(List<Object> a) {
    if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage storage) || !(a.get(1) instanceof Long offset)
        || !(a.get(4) instanceof Boolean)) {
      throw bad("_rebuild_tensor_v2 needs (storage, offset, size, stride, requires_grad, hooks[, metadata])");
    }
    requireNoHooks(a.get(5));
    long[] size = dims(a.get(2), "size"), stride = dims(a.get(3), "stride");
    if (size.length != stride.length) throw bad("tensor size and stride differ in length");
    if (offset < 0) throw bad("tensor storage offset " + offset);
    return new View(storage, offset, size, stride);
  }

  private void requireNoHooks(Object hooks) {
    if (!(hooks instanceof Map<?, ?> m) || !m.isEmpty()) throw bad("a tensor's backward hooks are not an empty dict");
  }

  private long[] dims(Object value, String what) {
    if (!(value instanceof Tuple t) || t.items().size() > MAX_DIMS) {
      throw bad("tensor " + what + " is not a tuple of at most " + MAX_DIMS);
    }
    long[] out = new long[t.items().size()];
    for (int i = 0; i < out.length; i++) {
      if (!(t.items().get(i) instanceof Long d) || d < 0) {
        throw bad("tensor " + what + " has a negative or non-integer entry");
      }
      out[i] = d;
    }
    return out;
  }

  /** Python sets an OrderedDict's attributes (a state dict's _metadata) by BUILD; we drop them. */
  private void build() {
    Object state = pop(), target = peek("BUILD");
    if (!(target instanceof OrderedDict)) throw bad("BUILD on " + typeName(target));
    if (!(state instanceof Map)) throw bad("BUILD state is " + typeName(state) + ", not a dict");
  }

  // ---- reading bytes --------------------------------------------------------------------------------

  private int u8() {
    if (pos >= data.length) throw bad("truncated: no STOP");
    return data[pos++] & 0xff;
  }

  private ByteBuffer bytes(int n) {
    if (n > data.length - pos) throw bad("truncated: " + n + " bytes needed, " + (data.length - pos) + " left");
    ByteBuffer b = ByteBuffer.wrap(data, pos, n).slice().order(ByteOrder.LITTLE_ENDIAN);
    pos += n;
    return b;
  }

  private long uint32() {
    return bytes(4).getInt() & 0xffffffffL;
  }

  private long int64() {
    return bytes(8).getLong();
  }

  /** LONG1: a little-endian two's complement integer of n bytes; state dicts need at most 8. */
  private long long1() {
    int n = u8();
    if (n > 8) throw bad("LONG1 of " + n + " bytes does not fit 64 bits");
    ByteBuffer b = bytes(n);
    long v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b.get(i) & 0xff);
    return n == 0 || n == 8 ? v : v << (64 - 8 * n) >> (64 - 8 * n);
  }

  private String utf8(long length) {
    if (length < 0 || length > data.length - pos) throw bad("truncated: a string of " + length + " bytes");
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes((int) length));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw bad("a string is not UTF-8");
    }
  }

  /** A GLOBAL operand: printable ASCII up to a newline, at most 256 bytes. */
  private String line() {
    int start = pos;
    while (pos < data.length && pos - start <= 256 && data[pos] != '\n') {
      if (data[pos] < 0x20 || data[pos] > 0x7e) throw bad("GLOBAL name is not printable ASCII");
      pos++;
    }
    if (pos >= data.length || data[pos] != '\n') throw bad("GLOBAL name is unterminated or longer than 256 bytes");
    return new String(data, start, pos++ - start, StandardCharsets.US_ASCII);
  }

  // ---- messages -----------------------------------------------------------------------------------

  private InvalidInputException bad(String why) {
    return new InvalidInputException(where + " (byte " + opStart + "): " + why);
  }

  static String typeName(Object value) {
    if (value instanceof String) return "a string";
    if (value instanceof Long || value instanceof Double || value instanceof Boolean) return "a number";
    if (value instanceof Tuple) return "a tuple";
    if (value instanceof List) return "a list";
    if (value instanceof Map) return "a dict";
    if (value instanceof Storage) return "a storage";
    if (value instanceof View) return "a tensor";
    if (value instanceof Callable c) return c.module + "." + c.name;
    if (value instanceof DType d) return "torch." + d.storageClass;
    return "None";
  }

  /** Untrusted text for a message: control characters escaped, at most 100 characters. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 100; i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return s.length() > 100 ? out + "..." : out.toString();
  }
}
