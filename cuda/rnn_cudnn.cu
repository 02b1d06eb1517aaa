// Recurrent layers on the GPU through cuDNN's RNN API (v8 entry points, cuDNN 9): a whole layer, one
// or both directions, over time-major x[steps, batch, input] with per-utterance lengths (the padded,
// sequence-major layout, CUDNN_RNN_PADDED_IO_ENABLED, outputs past an utterance's end zero), weights in
// PyTorch's layout copied into cuDNN's weight space on every call. Inference forward, and training:
// forward filling the caller's reserve space, backward data, backward weights (added into the caller's
// PyTorch-layout gradients). cuDNN is opened at run time (cuda/libraries.h); the functions called are
// declared here in its C ABI, checked against cudnn.h by static assertions wherever that header is on
// the include path (CI extracts it from the wheel; the GPU harness passes it).
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "check.cuh"
#include "cuda_bridge/exports/rnn.h"
#include "libraries.h"
#include "nn_layers.h"

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
  kInference = 0, kTraining = 1,  // cudnnForwardMode_t
  kWgradAdd = 0,              // cudnnWgradMode_t
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
using BackwardData = int (*)(Handle, Descriptor, const int32_t*, Descriptor, const void*, const void*, Descriptor,
                             void*, Descriptor, const void*, const void*, void*, Descriptor, const void*, const void*,
                             void*, size_t, const void*, size_t, void*, size_t, void*);
using BackwardWeights = int (*)(Handle, Descriptor, int, const int32_t*, Descriptor, const void*, Descriptor,
                                const void*, Descriptor, const void*, size_t, void*, size_t, void*, size_t, void*);

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
static_assert(std::is_same_v<decltype(&::cudnnRNNBackwardData_v8),
                             cudnnStatus_t (*)(cudnnHandle_t, cudnnRNNDescriptor_t, const int32_t*,
                                               cudnnRNNDataDescriptor_t, const void*, const void*,
                                               cudnnRNNDataDescriptor_t, void*, cudnnTensorDescriptor_t, const void*,
                                               const void*, void*, cudnnTensorDescriptor_t, const void*, const void*,
                                               void*, size_t, const void*, size_t, void*, size_t, void*)>);
static_assert(std::is_same_v<decltype(&::cudnnRNNBackwardWeights_v8),
                             cudnnStatus_t (*)(cudnnHandle_t, cudnnRNNDescriptor_t, cudnnWgradMode_t, const int32_t*,
                                               cudnnRNNDataDescriptor_t, const void*, cudnnTensorDescriptor_t,
                                               const void*, cudnnRNNDataDescriptor_t, const void*, size_t, void*,
                                               size_t, void*, size_t, void*)>);
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
              int{CUDNN_FWD_MODE_INFERENCE} == kInference && int{CUDNN_FWD_MODE_TRAINING} == kTraining &&
              int{CUDNN_WGRAD_MODE_ADD} == kWgradAdd && CUDNN_RNN_PADDED_IO_ENABLED == kPaddedIo);
static_assert(sizeof(cudnnWgradMode_t) == sizeof(int));
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
  BackwardData backward_data;
  BackwardWeights backward_weights;
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
                         symbol<Forward>("cudnnRNNForward"),
                         symbol<BackwardData>("cudnnRNNBackwardData_v8"),
                         symbol<BackwardWeights>("cudnnRNNBackwardWeights_v8")};
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

// The layer's descriptors for one call's shape and lengths, its weight space (the caller's weights
// copied in) and the lengths on the device.
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

  Layer(int device, const RnnLayerShape& s, const int32_t* host_lengths);
  struct TempSizes {
    size_t work, reserve;
  };
  TempSizes temp_sizes(int mode);
};

// Calls visit(direction, w_or_b, gate, piece_in_space, floats) for every matrix and bias cuDNN places in
// `space` (the weight space or a gradient of it): linear layers 0 .. gates-1 hold w_ih's gates and b_ih's,
// gates .. 2 gates-1 w_hh's and b_hh's, in PyTorch's gate order (w_or_b: 0 w_ih, 1 w_hh, 2 b_ih, 3 b_hh).
template <class Visit>
void for_each_piece(Layer& l, const RnnLayerShape& s, const void* space, Visit visit) {
  const int gates = s.lstm ? 4 : 3;
  for (int d = 0; d < s.directions; ++d) {
    for (int id = 0; id < 2 * gates; ++id) {
      const bool recurrent = id >= gates;
      const int64_t gate = id % gates, cols = recurrent ? s.hidden : s.input;
      void* matrix = nullptr;
      void* bias = nullptr;
      CTC4J_CUDNN_CHECK(l.api.weight_params(l.handle, l.rnn.get(), d, l.weight_bytes, space, id, l.matrix_desc.get(),
                                            &matrix, l.bias_desc.get(), &bias));
      require(matrix != nullptr && bias != nullptr, "cuDNN placed no weights for linear layer " + std::to_string(id));
      visit(d, recurrent ? 1 : 0, gate, static_cast<float*>(matrix), s.hidden * cols);
      visit(d, recurrent ? 3 : 2, gate, static_cast<float*>(bias), s.hidden);
    }
  }
}

// Gate g of a PyTorch-layout array: its rows g * hidden on (a matrix) or its entries (a bias).
template <class T>
T* gate_slice(T* array, int64_t gate, int64_t floats) {
  return array + gate * floats;
}

// Each direction's w_ih, w_hh, b_ih, b_hh into cuDNN's weight space; missing biases stay zero.
void copy_weights(Layer& l, const RnnLayerShape& s, const float* const* weights) {
  CTC4J_CUDA_CHECK(cudaMemsetAsync(l.weights.get(), 0, l.weight_bytes, cudaStreamPerThread));
  for_each_piece(l, s, l.weights.get(), [&](int d, int which, int64_t gate, float* piece, int64_t floats) {
    if (const float* src = weights[4 * d + which]) {
      CTC4J_CUDA_CHECK(cudaMemcpyAsync(piece, gate_slice(src, gate, floats), sizeof(float) * floats,
                                       cudaMemcpyDeviceToDevice, cudaStreamPerThread));
    }
  });
}

// cuDNN's weight-space gradient added into the caller's PyTorch-layout gradients (those not NULL).
void add_gradients(Layer& l, const RnnLayerShape& s, const void* dweights, float* const* grads) {
  for_each_piece(l, s, dweights, [&](int d, int which, int64_t gate, float* piece, int64_t floats) {
    if (float* dst = grads[4 * d + which]) nn::accumulate(gate_slice(dst, gate, floats), piece, floats);
  });
}

Layer::Layer(int device, const RnnLayerShape& s, const int32_t* host_lengths) {
  for (int64_t b = 0; b < s.batch; ++b) {
    require(host_lengths[b] >= 1, "cuDNN recurrent layers need every utterance at least one frame long; utterance " +
                                      std::to_string(b) + " has " + std::to_string(host_lengths[b]));
  }
  handle = t_handles.get(device, new_handle, api.destroy);
  CTC4J_CUDNN_CHECK(api.set_dropout(dropout.get(), handle, 0.0f, nullptr, 0, 0));  // one layer: no dropout
  const int hidden = as_int(s.hidden, "hidden");
  CTC4J_CUDNN_CHECK(api.set_rnn(rnn.get(), kAlgoStandard, s.lstm ? kLstm : kGru, kDoubleBias,
                                s.directions == 2 ? kBidirectional : kUnidirectional, kLinearInput, kFloat, kFloat,
                                kFmaMath, as_int(s.input, "input"), hidden, hidden, 1, dropout.get(), kPaddedIo));
  std::vector<int> host(host_lengths, host_lengths + s.batch);
  float zero = 0.0f;  // the padding fill of y
  const int steps = as_int(s.steps, "steps"), batch = as_int(s.batch, "batch");
  CTC4J_CUDNN_CHECK(api.set_rnn_data(x_desc.get(), kFloat, kSeqMajorUnpacked, steps, batch, as_int(s.input, "input"),
                                     host.data(), &zero));
  CTC4J_CUDNN_CHECK(api.set_rnn_data(y_desc.get(), kFloat, kSeqMajorUnpacked, steps, batch,
                                     as_int(s.directions * s.hidden, "output width"), host.data(), &zero));
  const int dims[3] = {s.directions, batch, hidden}, strides[3] = {batch * hidden, hidden, 1};
  CTC4J_CUDNN_CHECK(api.set_tensor(h_desc.get(), kFloat, 3, dims, strides));
  CTC4J_CUDNN_CHECK(api.weight_space_size(handle, rnn.get(), &weight_bytes));
  weights = DeviceBuffer<unsigned char>(weight_bytes);
  lengths = DeviceBuffer<int32_t>(host_lengths, s.batch);
}

Layer::TempSizes Layer::temp_sizes(int mode) {
  TempSizes sizes{0, 0};
  CTC4J_CUDNN_CHECK(api.temp_space_sizes(handle, rnn.get(), mode, x_desc.get(), &sizes.work, &sizes.reserve));
  return sizes;
}

bool empty(const RnnLayerShape& s) { return s.steps == 0 || s.batch == 0; }

}  // namespace
}  // namespace ctc4j

using namespace ctc4j;

extern "C" {

int ctc4jcu_rnn_layer_reserve_bytes(int device, const RnnLayerShape* shape, const int32_t* lengths, int64_t* bytes) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    *bytes = 0;
    if (empty(*shape)) return;
    Layer l(device, *shape, lengths);
    *bytes = static_cast<int64_t>(l.temp_sizes(kTraining).reserve);
  });
}

int ctc4jcu_rnn_layer_forward(int device, const RnnLayerShape* shape, const RnnLayerData* data) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const RnnLayerShape& s = *shape;
    const RnnLayerData& a = *data;
    if (empty(s)) return;
    Layer l(device, s, a.lengths);
    copy_weights(l, s, a.weights);
    const int mode = a.reserve != nullptr ? kTraining : kInference;
    const Layer::TempSizes sizes = l.temp_sizes(mode);
    const DeviceBuffer<unsigned char> work(sizes.work);
    const bool lstm = s.lstm != 0;
    CTC4J_CUDNN_CHECK(l.api.forward(l.handle, l.rnn.get(), mode, l.lengths.get(), l.x_desc.get(), a.x, l.y_desc.get(),
                                    a.y, l.h_desc.get(), a.h0, a.h_n, l.h_desc.get(), lstm ? a.c0 : nullptr,
                                    lstm ? a.c_n : nullptr, l.weight_bytes, l.weights.get(), sizes.work, work.get(),
                                    a.reserve != nullptr ? sizes.reserve : 0, a.reserve));
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

// Backward data (dx into a scratch array, then added: the caller's dx accumulates), then backward
// weights into a zeroed gradient of the weight space, added into the caller's gradients.
int ctc4jcu_rnn_layer_backward(int device, const RnnLayerShape* shape, const RnnLayerData* data) {
  return guarded([&] {
    CTC4J_CUDA_CHECK(cudaSetDevice(device));
    const RnnLayerShape& s = *shape;
    const RnnLayerData& a = *data;
    if (empty(s)) return;
    require(a.reserve != nullptr, "recurrent backward needs the reserve space its training forward filled");
    Layer l(device, s, a.lengths);
    copy_weights(l, s, a.weights);
    const Layer::TempSizes sizes = l.temp_sizes(kTraining);
    const DeviceBuffer<unsigned char> work(sizes.work);
    const DeviceBuffer<float> dx(s.steps * s.batch * s.input);
    const bool lstm = s.lstm != 0;
    CTC4J_CUDNN_CHECK(l.api.backward_data(l.handle, l.rnn.get(), l.lengths.get(), l.y_desc.get(), a.y, a.dy,
                                          l.x_desc.get(), dx.get(), l.h_desc.get(), a.h0, a.dh_n, a.dh0,
                                          l.h_desc.get(), lstm ? a.c0 : nullptr, lstm ? a.dc_n : nullptr,
                                          lstm ? a.dc0 : nullptr, l.weight_bytes, l.weights.get(), sizes.work,
                                          work.get(), sizes.reserve, a.reserve));
    if (a.dx != nullptr) nn::accumulate(a.dx, dx.get(), s.steps * s.batch * s.input);
    if (std::any_of(a.grads, a.grads + 4 * s.directions, [](const float* g) { return g != nullptr; })) {
      const DeviceBuffer<unsigned char> dweights(l.weight_bytes);
      CTC4J_CUDA_CHECK(cudaMemsetAsync(dweights.get(), 0, l.weight_bytes, cudaStreamPerThread));
      CTC4J_CUDNN_CHECK(l.api.backward_weights(l.handle, l.rnn.get(), kWgradAdd, l.lengths.get(), l.x_desc.get(),
                                               a.x, l.h_desc.get(), a.h0, l.y_desc.get(), a.y, l.weight_bytes,
                                               dweights.get(), sizes.work, work.get(), sizes.reserve, a.reserve));
      add_gradients(l, s, dweights.get(), a.grads);
    }
    CTC4J_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  });
}

}  // extern "C"
