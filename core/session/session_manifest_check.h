#pragma once
// Checks on a session manifest that the writer makes: every value one that reads back (finite
// numbers in range) before a file is created, and, for --resume, every setting that changes
// results equal to the session's. Private to core/session/.
#include "headscope/core/session.h"

#include <string>

namespace headscope::session_manifest {

// Throws UsageError naming the field, the expected range and the value.
void validate(const SessionManifest& m, const std::string& file);

// Throws UsageError "<file>: cannot resume: "<key>" differs (session: A, this run: B)" for the
// first setting that differs: model weights and tokenizer, haystack, needles, grid (lengths,
// depths), shard, top-K, scoring mode, prompt and chat templates, BOS, dtype, and the
// generation settings (max new tokens, stop rules) when the session recorded them.
void requireResumable(const SessionManifest& session, const SessionManifest& run, const std::string& file);

} // namespace headscope::session_manifest
