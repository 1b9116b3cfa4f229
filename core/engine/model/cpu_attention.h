#pragma once
// Fused CPU attention kernels (AVX-512), used by attention.cpp when the tensors allow:
//
//   decode / scored row — one query per head over a full cache, K and V read once per KV head
//     for all the heads of its group; scores, softmax and the P·V sums in float32 whatever the
//     K/V dtype (bf16 or f32). Replaces a chain of ATen ops whose shapes change with every
//     token (each new shape cost oneDNN a new kernel).
//   prefill — flash-style: per KV head and block of queries, Q·Kᵀ accumulated in float32, an
//     online float32 softmax, P·V accumulated in float32; no [queries × keys] score matrix is
//     ever stored. bf16 (CPUs with AVX512-BF16) multiplies bf16 pairs exactly (vdpbf16ps) and
//     rounds P to bf16 for P·V; f32 (AVX-512F) is float32 throughout.
//
// Shapes as in attention.h: q [H, n, d] or [H, d], k and v [KV, T, d] (the cache's views: each
// head's rows contiguous, heads at any stride). Every function returns an undefined tensor
// when it does not handle the inputs, and the caller falls back to the ATen path; soft-capped
// scores (AttentionParams::softcap, Gemma 2) always take the ATen path.
#include "attention.h"

#include <ATen/ATen.h>

namespace headscope::model::cpu {

// One query per head: q [H, d] at position T − 1 over k, v [KV, T, d]. Returns [H, d] in q's
// dtype; `rows`, if non-null, receives float32 softmax rows [H, T] (zeros where hidden).
at::Tensor decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const AttentionParams& params, at::Tensor* rows);

// Only the softmax rows of one query q [H, d] at position `pos` over k [KV, ≥ pos + 1, d]:
// float32 [H, pos + 1].
at::Tensor attentionRow(const at::Tensor& q, const at::Tensor& k, int64_t pos, const AttentionParams& params);

// Causal attention of q [H, n, d] at positions [start, start + n) over k, v [KV, start + n, d].
// Returns [H, n, d] in q's dtype. head_dim must be a multiple of 16.
at::Tensor prefillAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t start,
                            const AttentionParams& params);

} // namespace headscope::model::cpu
