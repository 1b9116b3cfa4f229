#pragma once
// Shared by the benchmarks: model shapes by name, their random checkpoints written once into
// the temp directory, and child processes (each measurement that needs its own peak RSS or a
// cold start runs in a fresh process and prints key=value pairs on stdout).
#include "headscope/core/checkpoint.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace headscope::bench {

// "toy" (2 layers, hidden 64: per-token overhead), "small" (8 layers, hidden 512, f32) or a
// real shape of realShapeSpec ("1b", "3b", "8b": bf16). Every shape gets a byte-level
// tokenizer so text prompts (the probe's) work.
TestModelSpec benchShape(const std::string& name);

// The checkpoint of `name` under $TMPDIR/headscope-shape-<name>, written on first use (an
// 8B shape takes minutes and 16 GB of disk) and reused while its recorded spec matches.
std::filesystem::path shapeCheckpoint(const std::string& name);

// One "key=value key=value" line per call of the child, merged: later keys win.
using ChildOutput = std::map<std::string, std::string>;
// Runs `command` through the shell, returns what it printed as key=value pairs; "status" is
// the exit status. The child's stderr passes through.
ChildOutput runChild(const std::string& command);
double number(const ChildOutput& out, const std::string& key, double fallback = -1.0);

std::vector<int> parseIntList(const std::string& text);
std::vector<std::string> parseWords(const std::string& text);

// Peak RSS of this process (VmHWM) in bytes.
long long peakRssBytes();

} // namespace headscope::bench
