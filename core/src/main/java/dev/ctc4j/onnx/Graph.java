package dev.ctc4j.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.ctc4j.onnx.proto.Onnx.AttributeProto;
import dev.ctc4j.onnx.proto.Onnx.GraphProto;
import dev.ctc4j.onnx.proto.Onnx.NodeProto;
import dev.ctc4j.onnx.proto.Onnx.TensorProto;
import dev.ctc4j.onnx.proto.Onnx.TensorShapeProto;
import dev.ctc4j.onnx.proto.Onnx.TypeProto;
import dev.ctc4j.onnx.proto.Onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An ONNX graph under construction: inputs and outputs, initializers (weights and constants) and
 * nodes in topological order. Every value gets a fresh name from its op, so the layer builders
 * chain values by the names this class returns.
 */
final class Graph {
  static final int FLOAT = TensorProto.DataType.FLOAT_VALUE, INT64 = TensorProto.DataType.INT64_VALUE,
      INT32 = TensorProto.DataType.INT32_VALUE;

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private int counter;

  Graph(String name) {
    graph.setName(name);
  }

  /** A graph input; each dim is a Long (fixed) or a String (a named dynamic axis). */
  String input(String name, int elemType, Object... dims) {
    graph.addInput(valueInfo(name, elemType, dims));
    return name;
  }

  /** Makes {@code value} a graph output named {@code name}. */
  void output(String value, String name, int elemType, Object... dims) {
    graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName(name + "_out").addInput(value).addOutput(name));
    graph.addOutput(valueInfo(name, elemType, dims));
  }

  /** A float initializer (weights, or constants derived from them). */
  String floats(String name, float[] values, long... shape) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return initializer(name, FLOAT, UnsafeByteOperations.unsafeWrap(b.array()), shape);
  }

  /** A float scalar. */
  String scalar(float value) {
    return floats("c" + counter++, new float[] {value});
  }

  /** A 1-D int64 constant (shapes, axes, sizes). */
  String ints(long... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return initializer("i" + counter++, INT64, UnsafeByteOperations.unsafeWrap(b.array()), values.length);
  }

  /** An int64 scalar. */
  String int64(long value) {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
    return initializer("i" + counter++, INT64, UnsafeByteOperations.unsafeWrap(b.array()));
  }

  private String initializer(String name, int type, ByteString raw, long... shape) {
    graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(type)
        .addAllDims(Arrays.stream(shape).boxed().toList()).setRawData(raw));
    return name;
  }

  /** A node with one output, which is returned. */
  String node(String op, String... inputs) {
    return node(op, List.of(inputs));
  }

  String node(String op, List<String> inputs, AttributeProto... attributes) {
    String out = op.toLowerCase(Locale.ROOT) + "_" + counter++;
    graph.addNode(NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(inputs).addOutput(out)
        .addAllAttribute(List.of(attributes)));
    return out;
  }

  static AttributeProto attr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  static AttributeProto attr(String name, float value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
  }

  static AttributeProto attr(String name, String value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value)).build();
  }

  static AttributeProto attr(String name, long... values) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
        .addAllInts(Arrays.stream(values).boxed().toList()).build();
  }

  GraphProto build() {
    return graph.build();
  }

  private static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String s) dim.setDimParam(s);
      else dim.setDimValue(((Number) d).longValue());
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
  }
}
