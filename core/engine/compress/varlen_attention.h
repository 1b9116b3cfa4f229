#pragma once
// Decode attention over variable-length per-head KV segments (the CPU counterpart of
// flash_attn_varlen_func with one query per sequence, docs/algorithms.md §4B).
//
// Stored head s owns rows [offsets[s], offsets[s] + lengths[s]) of the flat k, v [N, d]; its
// tokens may be in any order (SnapKV keeps them in score order), positions[N] says where each
// came from. Query head h reads stored head h / (H / S). Keys at positions < firstVisible are
// hidden (sliding-window models).
#include <ATen/ATen.h>

#include <cstdint>
#include <span>

namespace headscope::compress {

struct VarlenSegments {
    std::span<const int64_t> offsets; // [S] first row of each stored head
    std::span<const int64_t> lengths; // [S] rows in use
};

// `softcap` > 0: scaled scores → tanh(s / c) · c before the mask (Gemma 2).
// q [H, d] → [H, d] in q's dtype. If `rows` is non-null it receives float32 [H, rowLength]
// probabilities scattered to absolute positions (zeros where nothing is stored).
// CPU tensors use a fused kernel (one pass per stored head, float accumulation); other
// devices use the ATen loop below.
at::Tensor varlenDecodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 const at::Tensor& positions, VarlenSegments segments, double scale,
                                 int64_t firstVisible, int64_t rowLength, at::Tensor* rows, double softcap = 0.0);

// The same computation as one ATen matmul/softmax per stored head: the device-generic path and
// the tests' oracle for the fused kernel.
at::Tensor varlenDecodeAttentionAten(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const at::Tensor& positions, VarlenSegments segments, double scale,
                                     int64_t firstVisible, int64_t rowLength, at::Tensor* rows,
                                     double softcap = 0.0);

} // namespace headscope::compress
