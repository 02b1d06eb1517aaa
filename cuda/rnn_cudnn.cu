// Recurrent layers on the GPU through cuDNN's RNN API (v8 entry points, cuDNN 9): a whole layer, one
// or both directions, over time-major x[steps, batch, input] with per-utterance lengths (the padded,
// sequence-major layout, CUDNN_RNN_PADDED_IO_ENABLED, outputs past an utterance's end zero), weights in
// PyTorch's layout copied into cuDNN's weight space. cuDNN is opened at run time (cuda/libraries.h);
// the functions called are declared here in its C ABI, checked against cudnn.h by static assertions
// wherever that header is on the include path (CI extracts it from the wheel; the GPU harness passes it).
#include <cuda_runtime.h>

#include <string>
#include <type_traits>
#include <vector>

#include "check.cuh"
#include "cuda_bridge/exports/rnn.h"
#include "libraries.h"

#if __has_include(<cudnn.h>)
#include <cudnn.h>
#define CTC4J_CUDNN_HEADER 1
#endif

namespace ctc4j {
namespace {

// Our declarations: cuDNN's enums are ints, its handles and descriptors opaque pointers.
using Handle = void*;
using Descriptor = void*;
enum : int {
  kSuccess = 0,
  kHostAllocFailed = 4003, kDeviceAllocFailed = 4004,  // cuDNN 9's codes
  kFloat = 0,                 // cudnnDataType_t
  kAlgoStandard = 0,          // cudnnRNNAlgo_t
  kLstm = 2, kGru = 3,        // cudnnRNNMode_t
  kDoubleBias = 2,            // cudnnRNNBiasMode_t
  kUnidirectional = 0, kBidirectional = 1,
  kLinearInput = 0,           // cudnnRNNInputMode_t
  kFmaMath = 3,               // cudnnMathType_t: float32 arithmetic, no TF32
  kSeqMajorUnpacked = 0,      // cudnnRNNDataLayout_t
  kInference = 0,             // cudnnForwardMode_t
};
constexpr unsigned kPaddedIo = 1u;  // CUDNN_RNN_PADDED_IO_ENABLED

using Create = int (*)(Handle*);
using Destroy = int (*)(Handle);
using SetStream = int (*)(Handle, cudaStream_t);
using ErrorString = const char* (*)(int);
using CreateDescriptor = int (*)(Descriptor*);
using DestroyDescriptor = int (*)(Descriptor);
using SetDropout = int (*)(Descriptor, Handle, float, void*, size_t, unsigned long long);
using SetTensorNd = int (*)(Descriptor, int, int, const int*, const int*);
using SetRnn = int (*)(Descriptor, int, int, int, int, int, int, int, int, int32_t, int32_t, int32_t, int32_t,
                       Descriptor, uint32_t);
using SetRnnData = int (*)(Descriptor, int, int, int, int, int, const int*, void*);
using WeightSpaceSize = int (*)(Handle, Descriptor, size_t*);
using WeightParams = int (*)(Handle, Descriptor, int32_t, size_t, const void*, int32_t, Descriptor, void**,
                             Descriptor, void**);
using TempSpaceSizes = int (*)(Handle, Descriptor, int, Descriptor, size_t*, size_t*);
using Forward = int (*)(Handle, Descriptor, int, const int32_t*, Descriptor, const void*, Descriptor, void*,
                        Descriptor, const void*, void*, Descriptor, const void*, void*, size_t, const void*, size_t,
                        void*, size_t, void*);

#ifdef CTC4J_CUDNN_HEADER
static_assert(std::is_same_v<decltype(&::cudnnCreate), cudnnStatus_t (*)(cudnnHandle_t*)>);
static_assert(std::is_same_v<decltype(&::cudnnDestroy), cudnnStatus_t (*)(cudnnHandle_t)>);
static_assert(std::is_same_v<decltype(&::cudnnSetStream), cudnnStatus_t (*)(cudnnHandle_t, cudaStream_t)>);
static_assert(std::is_same_v<decltype(&::cudnnGetErrorString), const char* (*)(cudnnStatus_t)>);
static_assert(std::is_same_v<decltype(&::cudnnCreateDropoutDescriptor),
                             cudnnStatus_t (*)(cudnnDropoutDescriptor_t*)>);
static_assert(std::is_same_v<decltype(&::cudnnSetDropoutDescriptor),
                             cudnnStatus_t (*)(cudnnDropoutDescriptor_t, cudnnHandle_t, float, void*, size_t,
                                               unsigned long long)>);
static_assert(std::is_same_v<decltype(&::cudnnSetTensorNdDescriptor),
                             cudnnStatus_t (*)(cudnnTensorDescriptor_t, cudnnDataType_t, int, const int*,
                                               const int*)>);
static_assert(std::is_same_v<decltype(&::cudnnSetRNNDescriptor_v8),
                             cudnnStatus_t (*)(cudnnRNNDescriptor_t, cudnnRNNAlgo_t, cudnnRNNMode_t,
                                               cudnnRNNBiasMode_t, cudnnDirectionMode_t, cudnnRNNInputMode_t,
                                               cudnnDataType_t, cudnnDataType_t, cudnnMathType_t, int32_t, int32_t,
                                               int32_t, int32_t, cudnnDropoutDescriptor_t, uint32_t)>);
static_assert(std::is_same_v<decltype(&::cudnnSetRNNDataDescriptor),
                             cudnnStatus_t (*)(cudnnRNNDataDescriptor_t, cudnnDataType_t, cudnnRNNDataLayout_t, int,
                                               int, int, const int*, void*)>);
static_assert(std::is_same_v<decltype(&::cudnnGetRNNWeightSpaceSize),
                             cudnnStatus_t (*)(cudnnHandle_t, cudnnRNNDescriptor_t, size_t*)>);
static_assert(std::is_same_v<decltype(&::cudnnGetRNNWeightParams),
                             cudnnStatus_t (*)(cudnnHandle_t, cudnnRNNDescriptor_t, int32_t, size_t, const void*,
                                               int32_t, cudnnTensorDescriptor_t, void**, cudnnTensorDescriptor_t,
                                               void**)>);
static_assert(std::is_same_v<decltype(&::cudnnGetRNNTempSpaceSizes),
                             cudnnStatus_t (*)(cudnnHandle_t, cudnnRNNDescriptor_t, cudnnForwardMode_t,
                                               cudnnRNNDataDescriptor_t, size_t*, size_t*)>);
static_assert(std::is_same_v<decltype(&::cudnnRNNForward),
                             cudnnStatus_t (*)(cudnnHandle_t, cudnnRNNDescriptor_t, cudnnForwardMode_t, const int32_t*,
                                               cudnnRNNDataDescriptor_t, const void*, cudnnRNNDataDescriptor_t, void*,
                                               cudnnTensorDescriptor_t, const void*, void*, cudnnTensorDescriptor_t,
                                               const void*, void*, size_t, const void*, size_t, void*, size_t,
                                               void*)>);
static_assert(sizeof(cudnnStatus_t) == sizeof(int) && sizeof(cudnnDataType_t) == sizeof(int) &&
              sizeof(cudnnRNNMode_t) == sizeof(int) && sizeof(cudnnForwardMode_t) == sizeof(int));
static_assert(int{CUDNN_STATUS_SUCCESS} == kSuccess &&
              int{CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED} == kHostAllocFailed &&
              int{CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED} == kDeviceAllocFailed);
static_assert(int{CUDNN_DATA_FLOAT} == kFloat && int{CUDNN_RNN_ALGO_STANDARD} == kAlgoStandard);
static_assert(int{CUDNN_LSTM} == kLstm && int{CUDNN_GRU} == kGru && int{CUDNN_RNN_DOUBLE_BIAS} == kDoubleBias);
static_assert(int{CUDNN_UNIDIRECTIONAL} == kUnidirectional && int{CUDNN_BIDIRECTIONAL} == kBidirectional);
static_assert(int{CUDNN_LINEAR_INPUT} == kLinearInput && int{CUDNN_FMA_MATH} == kFmaMath);
static_assert(int{CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED} == kSeqMajorUnpacked &&
              int{CUDNN_FWD_MODE_INFERENCE} == kInference && CUDNN_RNN_PADDED_IO_ENABLED == kPaddedIo);
#endif

struct Cudnn {
  Create create;
  Destroy destroy;
  SetStream set_stream;
  ErrorString error_string;
  CreateDescriptor create_dropout, create_tensor, create_rnn, create_rnn_data;
  DestroyDescriptor destroy_dropout, destroy_tensor, destroy_rnn, destroy_rnn_data;
  SetDropout set_dropout;
  SetTensorNd set_tensor;
  SetRnn set_rnn;
  SetRnnData set_rnn_data;
  WeightSpaceSize weight_space_size;
  WeightParams weight_params;
  TempSpaceSizes temp_space_sizes;
  Forward forward;
};

template <class F>
F symbol(const char* name) {
  return reinterpret_cast<F>(cudnn_symbol(name));
}

// Resolved at the first call; a missing library throws and the next call looks again.
const Cudnn& cudnn() {
  static const Cudnn api{symbol<Create>("cudnnCreate"),
                         symbol<Destroy>("cudnnDestroy"),
                         symbol<SetStream>("cudnnSetStream"),
                         symbol<ErrorString>("cudnnGetErrorString"),
                         symbol<CreateDescriptor>("cudnnCreateDropoutDescriptor"),
                         symbol<CreateDescriptor>("cudnnCreateTensorDescriptor"),
                         symbol<CreateDescriptor>("cudnnCreateRNNDescriptor"),
                         symbol<CreateDescriptor>("cudnnCreateRNNDataDescriptor"),
                         symbol<DestroyDescriptor>("cudnnDestroyDropoutDescriptor"),
                         symbol<DestroyDescriptor>("cudnnDestroyTensorDescriptor"),
                         symbol<DestroyDescriptor>("cudnnDestroyRNNDescriptor"),
                         symbol<DestroyDescriptor>("cudnnDestroyRNNDataDescriptor"),
                         symbol<SetDropout>("cudnnSetDropoutDescriptor"),
                         symbol<SetTensorNd>("cudnnSetTensorNdDescriptor"),
                         symbol<SetRnn>("cudnnSetRNNDescriptor_v8"),
                         symbol<SetRnnData>("cudnnSetRNNDataDescriptor"),
                         symbol<WeightSpaceSize>("cudnnGetRNNWeightSpaceSize"),
                         symbol<WeightParams>("cudnnGetRNNWeightParams"),
                         symbol<TempSpaceSizes>("cudnnGetRNNTempSpaceSizes"),
                         symbol<Forward>("cudnnRNNForward")};
  return api;
}

void check(int status, const char* call) {
  if (status == kSuccess) return;
  throw Error(status == kHostAllocFailed || status == kDeviceAllocFailed ? CTC4J_OUT_OF_MEMORY : CTC4J_CUDA_ERROR,
              std::string(call) + ": " + cudnn().error_string(status));
}
#define CTC4J_CUDNN_CHECK(call) check((call), #call)

thread_local ThreadHandles<Handle> t_handles;

Handle new_handle() {
  Handle handle = nullptr;
  check(cudnn().create(&handle), "cudnnCreate");
  const int status = cudnn().set_stream(handle, cudaStreamPerThread);
  if (status != kSuccess) cudnn().destroy(handle);
  check(status, "cudnnSetStream");
  return handle;
}

// A cuDNN descriptor destroyed with its scope.
class Owned {
 public:
  Owned(CreateDescriptor create, DestroyDescriptor destroy) : destroy_(destroy) {
    check(create(&descriptor_), "cudnnCreate...Descriptor");
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { destroy_(descriptor_); }
  Descriptor get() const { return descriptor_; }

 private:
  Descriptor descriptor_ = nullptr;
  DestroyDescriptor destroy_;
};

int as_int(int64_t v, const char* what) {
  require(v >= 0 && v <= INT32_MAX, std::string("cuDNN recurrent layer: ") + what + " " + std::to_string(v) +
                                        " outside cuDNN's 32-bit range");
  return static_cast<int>(v);
}

// The layer's descriptors, weight space (the caller's weights copied in) and sequence lengths.
struct Layer {
  const Cudnn& api = cudnn();
  Handle handle;
  Owned dropout{api.create_dropout, api.destroy_dropout}, rnn{api.create_rnn, api.destroy_rnn};
  Owned x_desc{api.create_rnn_data, api.destroy_rnn_data}, y_desc{api.create_rnn_data, api.destroy_rnn_data};
  Owned h_desc{api.create_tensor, api.destroy_tensor};
  Owned matrix_desc{api.create_tensor, api.destroy_tensor}, bias_desc{api.create_tensor, api.destroy_tensor};
  size_t weight_bytes = 0;
  DeviceBuffer<unsigned char> weights;
  DeviceBuffer<int32_t> lengths;
};

// Copies each direction's w_ih, w_hh, b_ih, b_hh (PyTorch's layout: gate g's rows g * hidden on, the
// same gate order as cuDNN's linear layers) into the matrices and biases cuDNN places in its weight
// space: linear layers 0 .. gates-1 take w_ih's gates and b_ih's, gates .. 2 gates-1 w_hh's and b_hh's.
// Missing biases stay zero.
void copy_weights(Layer& l, const RnnLayerShape& s, const float* const* weights) {
  const int gates = s.lstm ? 4 : 3;
  CTC4J_CUDA_CHECK(cudaMemsetAsync(l.weights.get(), 0, l.weight_bytes, cudaStreamPerThread));
  for (int d = 0; d < s.directions; ++d) {
    const float* const* w = weights + 4 * d;  // w_ih, w_hh, b_ih, b_hh
    for (int id = 0; id < 2 * gates; ++id) {
      const bool recurrent = id >= gates;
      const int64_t gate = id % gates, cols = recurrent ? s.hidden : s.input;
      void* matrix = nullptr;
      void* bias = nullptr;
      CTC4J_CUDNN_CHECK(l.api.weight_params(l.handle, l.rnn.get(), d, l.weight_bytes, l.weights.get(), id,
                                            l.matrix_desc.get(), &matrix, l.bias_desc.get(), &bias));
      require(matrix != nullptr && bias != nullptr, "cuDNN placed no weights for linear layer " + std::to_string(id));
      const float* src = w[recurrent ? 1 : 0] + gate * s.hidden * cols;
      CTC4J_CUDA_CHECK(cudaMemcpyAsync(matrix, src, sizeof(float) * s.hidden * cols, cudaMemcpyDeviceToDevice,
                                       cudaStreamPerThread));
      if (const float* b = w[recurrent ? 3 : 2]) {
        CTC4J_CUDA_CHECK(cudaMemcpyAsync(bias, b + gate * s.hidden, sizeof(float) * s.hidden,
                                         cudaMemcpyDeviceToDevice, cudaStreamPerThread));
      }
    }
  }
}

void describe(Layer& l, const RnnLayerShape& s, const int32_t* host_lengths) {
  CTC4J_CUDNN_CHECK(l.api.set_dropout(l.dropout.get(), l.handle, 0.0f, nullptr, 0, 0));  // one layer: no dropout
  const int hidden = as_int(s.hidden, "hidden");
  CTC4J_CUDNN_CHECK(l.api.set_rnn(l.rnn.get(), kAlgoStandard, s.lstm ? kLstm : kGru, kDoubleBias,
                                  s.directions == 2 ? kBidirectional : kUnidirectional, kLinearInput, kFloat, kFloat,
                                  kFmaMath, as_int(s.input, "input"), hidden, hidden, 1, l.dropout.get(), kPaddedIo));
  std::vector<int> lengths(host_lengths, host_lengths + s.batch);
  float zero = 0.0f;  // the padding fill of y
  const int steps = as_int(s.steps, "steps"), batch = as_int(s.batch, "batch");
  CTC4J_CUDNN_CHECK(l.api.set_rnn_data(l.x_desc.get(), kFloat, kSeqMajorUnpacked, steps, batch,
                                       as_int(s.input, "input"), lengths.data(), &zero));
  CTC4J_CUDNN_CHECK(l.api.set_rnn_data(l.y_desc.get(), kFloat, kSeqMajorUnpacked, steps, batch,
                                       as_int(s.directions * s.hidden, "output width"), lengths.data(), &zero));
  const int dims[3] = {s.directions, batch, hidden}, strides[3] = {batch * hidden, hidden, 1};
  CTC4J_CUDNN_CHECK(l.api.set_tensor(l.h_desc.get(), kFloat, 3, dims, strides));
  CTC4J_CUDNN_CHECK(l.api.weight_space_size(l.handle, l.rnn.get(), &l.weight_bytes));
  l.weights = DeviceBuffer<unsigned char>(l.weight_bytes);
  l.lengths = DeviceBuffer<int32_t>(host_lengths, s.batch);
}

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" int ctc4jcu_rnn_layer_forward(int device, const RnnLayerShape* shape, const int32_t* lengths,
                                         const float* const* weights, const float* x, const float* h0,
                                         const float* c0, float* y, float* h_n, float* c_n) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const RnnLayerShape& s = *shape;
    if (s.steps == 0 || s.batch == 0) return;
    for (int64_t b = 0; b < s.batch; ++b) {
      require(lengths[b] >= 1, "cuDNN recurrent layers need every utterance at least one frame long; utterance " +
                                   std::to_string(b) + " has " + std::to_string(lengths[b]));
    }
    Layer l;
    l.handle = t_handles.get(device, new_handle, l.api.destroy);
    describe(l, s, lengths);
    copy_weights(l, s, weights);
    size_t work_bytes = 0, reserve_bytes = 0;
    CTC4J_CUDNN_CHECK(l.api.temp_space_sizes(l.handle, l.rnn.get(), kInference, l.x_desc.get(), &work_bytes,
                                             &reserve_bytes));
    const DeviceBuffer<unsigned char> work(work_bytes);
    const bool lstm = s.lstm != 0;
    CTC4J_CUDNN_CHECK(l.api.forward(l.handle, l.rnn.get(), kInference, l.lengths.get(), l.x_desc.get(), x,
                                    l.y_desc.get(), y, l.h_desc.get(), h0, h_n, l.h_desc.get(), lstm ? c0 : nullptr,
                                    lstm ? c_n : nullptr, l.weight_bytes, l.weights.get(), work_bytes, work.get(), 0,
                                    nullptr));
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}
