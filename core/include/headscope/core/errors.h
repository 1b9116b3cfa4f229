#pragma once
// Typed exceptions thrown by core and engine code. They are caught at the boundary
// (headscope-cli's main, the GUI's EngineController) and shown to the user; library
// code never aborts or exits. Messages name the file, key or tensor and say what was
// expected and what was found.
#include <stdexcept>
#include <string>

namespace headscope {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A file could not be opened, mapped or read, or a checkpoint is incomplete.
class LoadError : public Error {
public:
    using Error::Error;
};

// A file was read but its content is malformed: bad JSON, bad header, wrong shape or dtype.
class FormatError : public Error {
public:
    using Error::Error;
};

// A request is inconsistent (unknown method, bad flag value, incompatible sessions).
class UsageError : public Error {
public:
    using Error::Error;
};

// A run would need more memory than the machine (or the process's cgroup) has available;
// refused before allocating, with the estimate's parts in the message.
class ResourceError : public Error {
public:
    using Error::Error;
};

// An output could not be written (disk full, file too large, I/O error). The message names the
// file and the cause; what was already committed (earlier probe tests, the old file a staged
// write would have replaced) is left intact.
class WriteError : public Error {
public:
    using Error::Error;
};

// The caller's std::stop_token was triggered; partial results were discarded or kept as documented.
class CancelledError : public Error {
public:
    CancelledError() : Error("cancelled") {}
    using Error::Error;
};

// Formats "what (file: PATH)" consistently across loaders.
std::string withFile(const std::string& message, const std::string& file);

} // namespace headscope
