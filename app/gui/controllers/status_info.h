#pragma once
// What the status bar reports besides messages: the process's resident memory and the device
// the model runs on. Plain functions; GUI thread.
#include <QString>

namespace headscope::app {

struct CheckpointInfo;

// Resident memory of this process from /proc/self/statm (Linux), in MiB; -1 if unknown.
double residentMiB();
// "device: cpu (2 threads), f32", "device: cpu · dtype: bf16 (card only)" or "device: cpu · no model".
QString deviceStatus(const CheckpointInfo* checkpoint);

} // namespace headscope::app
