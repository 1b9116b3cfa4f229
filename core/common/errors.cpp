#include "headscope/core/errors.h"

namespace headscope {

std::string withFile(const std::string& message, const std::string& file)
{
    return file + ": " + message;
}

} // namespace headscope
